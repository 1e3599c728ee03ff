import type { SipHeaders } from './headers.js';

/** Closed set of reasons a SIP message or header value is rejected. */
export type SipParseErrorReason =
  | 'empty-message'
  | 'message-too-large'
  | 'bad-start-line'
  | 'unsupported-version'
  | 'bad-method'
  | 'bad-status-code'
  | 'bad-request-uri'
  | 'bad-header-line'
  | 'missing-header'
  | 'duplicate-header'
  | 'bad-header-value'
  | 'bad-content-length'
  | 'body-truncated'
  | 'cseq-method-mismatch'
  | 'bad-uri'
  | 'bad-name-addr'
  | 'bad-via'
  | 'bad-cseq'
  | 'bad-parameters';

/**
 * What the parser could recover from a request it rejected: enough, when the mandatory headers
 * are present, for a UAS to answer 400/505 (RFC 3261 section 8.2 and 16.3) instead of dropping it.
 */
export interface PartialRequest {
  readonly method: string;
  readonly headers: SipHeaders;
}

/** The only error the message layer ever throws. Callers branch on `reason`, never on text. */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  readonly reason: SipParseErrorReason;
  /** Header the error is about, in canonical form, when there is one. */
  readonly header: string | undefined;
  /** Set when a request start line and header section were readable. */
  partial: PartialRequest | undefined;

  constructor(reason: SipParseErrorReason, detail: string, header?: string) {
    super(detail);
    this.reason = reason;
    this.header = header;
    this.partial = undefined;
  }
}
