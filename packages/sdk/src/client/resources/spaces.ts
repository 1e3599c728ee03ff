import type { Space, SpaceUpdate } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import { path, type RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** `client.spaces`: the tenant containers visible to the current key. */
export class Spaces extends Resource {
  /** List spaces. */
  list(params: ListParams = {}, options?: RequestOptions): PagePromise<Space> {
    return this.transport.list('/v1/spaces', params, options);
  }

  /** Fetch one space. */
  get(id: string, options?: RequestOptions): Promise<Space> {
    return this.transport.request({ method: 'GET', path: path`/v1/spaces/${id}` }, options);
  }

  /** Rename a space. */
  update(id: string, params: SpaceUpdate, options?: RequestOptions): Promise<Space> {
    return this.transport.request({ method: 'PATCH', path: path`/v1/spaces/${id}`, body: params }, options);
  }
}
