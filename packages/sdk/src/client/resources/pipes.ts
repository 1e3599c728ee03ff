import type { Pipe, PipeCreate, PipeListQuery, PipeUpdate } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import { path, type RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** Filters for `pipes.list`. */
export type PipeListParams = ListParams & Omit<PipeListQuery, 'limit' | 'cursor'>;

/** `client.pipes`: bindings of a voice profile and call behaviour to an `agent_id`. */
export class Pipes extends Resource {
  /** List pipes, optionally only those of one `agent_id`. */
  list(params: PipeListParams = {}, options?: RequestOptions): PagePromise<Pipe> {
    return this.transport.list('/v1/pipes', params, options);
  }

  /**
   * Create a pipe. `voice_profile` takes a profile id or its (case-insensitive) name; the pipe
   * stores the resolved id. Omitted fields take the server's defaults.
   */
  create(params: PipeCreate, options?: RequestOptions): Promise<Pipe> {
    return this.transport.request({ method: 'POST', path: '/v1/pipes', body: params }, options);
  }

  /** Fetch one pipe, with the numbers attached to it. */
  get(id: string, options?: RequestOptions): Promise<Pipe> {
    return this.transport.request({ method: 'GET', path: path`/v1/pipes/${id}` }, options);
  }

  /** Change some fields of a pipe; `endpointing` is merged field by field. Not retried. */
  update(id: string, params: PipeUpdate, options?: RequestOptions): Promise<Pipe> {
    return this.transport.request({ method: 'PATCH', path: path`/v1/pipes/${id}`, body: params }, options);
  }

  /** Delete a pipe. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: path`/v1/pipes/${id}` }, options);
  }
}
