import type { Call, CallCreate, CallListQuery } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import { path, type RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** Filters for `calls.list`: `status`, `pipe_id`, `agent_id`, `direction`, `transport`. */
export type CallListParams = ListParams & Omit<CallListQuery, 'limit' | 'cursor'>;

/** `client.calls`: placed and received calls, their transcripts, metrics and recordings. */
export class Calls extends Resource {
  /** List calls, newest first, optionally filtered. Lists carry no transcripts. */
  list(params: CallListParams = {}, options?: RequestOptions): PagePromise<Call> {
    return this.transport.list('/v1/calls', params, options);
  }

  /** Fetch one call with its `transcript` and `turn_metrics`. */
  get(id: string, options?: RequestOptions): Promise<Call> {
    return this.transport.request({ method: 'GET', path: path`/v1/calls/${id}` }, options);
  }

  /**
   * Start a call on a pipe (or straight to an `agent_id`). It returns while still `pending`;
   * text and WebSocket calls carry the one-use `client_url` to connect to. Given a `to_number`
   * the call is dialled out over SIP.
   */
  create(params: CallCreate, options?: RequestOptions): Promise<Call> {
    return this.transport.request({ method: 'POST', path: '/v1/calls', body: params }, options);
  }

  /** End a call now; resolves with the call as it ended. */
  hangup(id: string, options?: RequestOptions): Promise<Call> {
    return this.transport.request({ method: 'POST', path: path`/v1/calls/${id}/hangup` }, options);
  }

  /**
   * Download the call's recording (WAV bytes). Rejects with `NotFoundError` when the call was
   * not recorded or the recording is not ready yet.
   */
  recording(id: string, options?: RequestOptions): Promise<Uint8Array> {
    return this.transport.request(
      { method: 'GET', path: path`/v1/calls/${id}/recording`, responseType: 'bytes' },
      options,
    );
  }
}
