import type { SessionToken, SessionTokenCreate } from '@unpod/protocol';
import type { RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** `client.sessions`: credentials a browser uses instead of the API key. */
export class Sessions extends Resource {
  /**
   * Mint a short-lived, single-use token that lets a browser join one pipe. Hand the token to the
   * browser; never hand it the API key.
   */
  createToken(params: SessionTokenCreate, options?: RequestOptions): Promise<SessionToken> {
    return this.transport.request({ method: 'POST', path: '/v1/sessions/token', body: params }, options);
  }
}
