/** What calls and registrations need from the user agent core; implemented by `SipUserAgent`. */
import { type DigestCredentials } from '../auth/digest-client.js';
import { type Dialog } from '../dialog/dialog.js';
import { type SipMessage, type SipRequest, type SipResponse } from '../message/message.js';
import { type Uri } from '../message/uri.js';
import { type ClientTransaction } from '../transaction/transaction-layer.js';
import { type TimerConfig } from '../transaction/timers.js';
import { type Endpoint, type SipTransport } from '../transport/transport.js';

/** Where a request goes: resolved next hop plus the transport that reaches it. */
export interface NextHop {
  destination: Endpoint;
  transport: SipTransport;
}

export interface DialogOwner {
  /** An in-dialog request for this dialog (ACK included, with no transaction). */
  receiveInDialog(request: SipRequest, respond: ((response: SipResponse) => void) | undefined): void;
  /** A 2xx to our INVITE arriving after its transaction ended (re-ACK it). */
  receiveStray2xx?(response: SipResponse): void;
}

export type RequestFailure = 'timeout' | 'transport-error' | 'auth-failed';

export class SipRequestError extends Error {
  override readonly name = 'SipRequestError';
  constructor(
    readonly code: RequestFailure,
    detail: string,
  ) {
    super(detail);
  }
}

export interface UaCore {
  readonly timers: TimerConfig;
  /** Via header value with a fresh branch for the transport reaching `hop`. */
  via(hop: NextHop): string;
  /** Our Contact header value for the transport reaching `hop`. */
  contact(hop: NextHop): string;
  /** Resolves the next hop for a Request-URI and Route set (RFC 3261 section 8.1.2, no SRV). */
  resolve(uri: Uri, routes?: readonly string[]): Promise<NextHop>;
  /** Starts a client transaction. */
  startTransaction(request: SipRequest, hop: NextHop): ClientTransaction;
  /** Sends without a transaction (ACK for 2xx, 2xx retransmissions). */
  sendStateless(message: SipMessage, hop: NextHop): void;
  /**
   * Sends a non-INVITE request, answering 401/407 once per challenge; resolves with the final
   * response, rejects with `SipRequestError`.
   */
  request(request: SipRequest, hop: NextHop, credentials?: DigestCredentials): Promise<SipResponse>;
  registerDialog(dialog: Dialog, owner: DialogOwner): void;
  unregisterDialog(dialog: Dialog): void;
  readonly userAgentName: string;
}

/** Adds headers the UA puts on every request it originates. */
export function decorate(request: SipRequest, core: UaCore): SipRequest {
  if (!request.headers.has('User-Agent')) request.headers.append('User-Agent', core.userAgentName);
  return request;
}
