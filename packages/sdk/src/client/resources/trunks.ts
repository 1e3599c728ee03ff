import type { PageQuery, Trunk, TrunkCreate, TrunkSyncResult, TrunkUpdate } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import { path, type RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** Paging for `trunks.list` (no filters). */
export type TrunkListParams = ListParams & Omit<PageQuery, 'limit' | 'cursor'>;

/** `client.trunks`: SIP trunks to carriers or PBXs. Passwords are write-only. */
export class Trunks extends Resource {
  /** List trunks. */
  list(params: TrunkListParams = {}, options?: RequestOptions): PagePromise<Trunk> {
    return this.transport.list('/v1/trunks', params, options);
  }

  /** Create a trunk. */
  create(params: TrunkCreate, options?: RequestOptions): Promise<Trunk> {
    return this.transport.request({ method: 'POST', path: '/v1/trunks', body: params }, options);
  }

  /** Fetch one trunk (`has_password` instead of the password). */
  get(id: string, options?: RequestOptions): Promise<Trunk> {
    return this.transport.request({ method: 'GET', path: path`/v1/trunks/${id}` }, options);
  }

  /** Change some fields of a trunk. Not retried. */
  update(id: string, params: TrunkUpdate, options?: RequestOptions): Promise<Trunk> {
    return this.transport.request({ method: 'PATCH', path: path`/v1/trunks/${id}`, body: params }, options);
  }

  /** Delete a trunk. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: path`/v1/trunks/${id}` }, options);
  }

  /** Import the trunk's `dids` as numbers; existing ones are left as they are. */
  sync(id: string, options?: RequestOptions): Promise<TrunkSyncResult> {
    return this.transport.request({ method: 'POST', path: path`/v1/trunks/${id}/sync` }, options);
  }
}
