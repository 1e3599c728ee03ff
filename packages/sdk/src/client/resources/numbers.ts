import type { NumberCreate, NumberListQuery, NumberUpdate, PhoneNumber } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import { path, type RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** Filters for `numbers.list`: `status`, `pipe_id`, `trunk_id`, and a `prefix` such as `+44`. */
export type NumberListParams = ListParams & Omit<NumberListQuery, 'limit' | 'cursor'>;

/** `client.numbers`: phone numbers and which pipe answers each. */
export class PhoneNumbers extends Resource {
  /** List numbers, optionally filtered. */
  list(params: NumberListParams = {}, options?: RequestOptions): PagePromise<PhoneNumber> {
    return this.transport.list('/v1/numbers', params, options);
  }

  /** Fetch one number. */
  get(id: string, options?: RequestOptions): Promise<PhoneNumber> {
    return this.transport.request({ method: 'GET', path: path`/v1/numbers/${id}` }, options);
  }

  /** Register a bring-your-own E.164 number, optionally on a trunk and attached to a pipe. */
  register(params: NumberCreate, options?: RequestOptions): Promise<PhoneNumber> {
    return this.transport.request({ method: 'POST', path: '/v1/numbers', body: params }, options);
  }

  /** Change a number's trunk or label. Not retried. */
  update(id: string, params: NumberUpdate, options?: RequestOptions): Promise<PhoneNumber> {
    return this.transport.request({ method: 'PATCH', path: path`/v1/numbers/${id}`, body: params }, options);
  }

  /**
   * Route the number's calls to a pipe. Fails with `ConflictError` (`number_already_attached`)
   * when it is attached to another pipe: detach it first.
   */
  attach(id: string, pipeId: string, options?: RequestOptions): Promise<PhoneNumber> {
    return this.transport.request(
      { method: 'POST', path: path`/v1/numbers/${id}/attach`, body: { pipe_id: pipeId } },
      options,
    );
  }

  /** Stop routing the number's calls to its pipe; it becomes `available`. */
  detach(id: string, options?: RequestOptions): Promise<PhoneNumber> {
    return this.transport.request({ method: 'POST', path: path`/v1/numbers/${id}/detach` }, options);
  }

  /** Release the number: it is removed from this space. */
  async release(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: path`/v1/numbers/${id}` }, options);
  }
}
