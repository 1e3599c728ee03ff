import type { ApiKey, ApiKeyCreate, ApiKeyCreated } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import { path, type RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** `client.apiKeys`: the keys of the space the current key belongs to. */
export class ApiKeys extends Resource {
  /** List keys (masked; the secret is only ever shown by `create`). */
  list(params: ListParams = {}, options?: RequestOptions): PagePromise<ApiKey> {
    return this.transport.list('/v1/api-keys', params, options);
  }

  /** Create a key. The returned `key` (`sk_...`) is shown this once: store it now. */
  create(params: ApiKeyCreate, options?: RequestOptions): Promise<ApiKeyCreated> {
    return this.transport.request({ method: 'POST', path: '/v1/api-keys', body: params }, options);
  }

  /** Revoke a key; requests made with it fail with `unauthorized` from then on. */
  revoke(id: string, options?: RequestOptions): Promise<ApiKey> {
    return this.transport.request({ method: 'DELETE', path: path`/v1/api-keys/${id}` }, options);
  }
}
