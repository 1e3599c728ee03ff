import type { WorkerListQuery, WorkerView } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import type { RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** Filters for `workers.list`. */
export type WorkerListParams = ListParams & Omit<WorkerListQuery, 'limit' | 'cursor'>;

/** `client.workers`: the agent runners connected right now. */
export class Workers extends Resource {
  /** List connected runners with their capacity, optionally only those of one `agent_id`. */
  list(params: WorkerListParams = {}, options?: RequestOptions): PagePromise<WorkerView> {
    return this.transport.list('/v1/workers', params, options);
  }
}
