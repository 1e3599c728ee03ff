/** Constructors for requests and responses (RFC 3261 sections 8.1.1 and 8.2.6). */
import { randomToken } from '../util/random.js';
import { SipHeaders } from './headers.js';
import { formatNameAddr, parseNameAddr, tagOf } from './name-addr.js';
import { type SipRequest, type SipResponse } from './message.js';
import { type Uri } from './uri.js';
import { BRANCH_MAGIC_COOKIE } from './via.js';

const REASON_PHRASES: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued',
  183: 'Session Progress', 200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy',
  380: 'Alternative Service', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone',
  413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required',
  423: 'Interval Too Brief', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops',
  484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending', 493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Server Time-out', 505: 'Version Not Supported',
  513: 'Message Too Large', 600: 'Busy Everywhere', 603: 'Decline',
  604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** Default reason phrase for a status code. */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? 'Session Progress' : status < 300 ? 'OK' : 'Error');
}

/** New RFC 3261 compliant branch: magic cookie plus randomness (section 8.1.1.7). */
export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomToken(20)}`;
}

/** New From/To tag: at least 32 bits of randomness (section 19.3). */
export function newTag(): string {
  return randomToken(12);
}

export function newCallId(host?: string): string {
  return host ? `${randomToken(24)}@${host}` : randomToken(32);
}

export interface ResponseOptions {
  reason?: string;
  /** To tag to add when the request's To has none (never added to 100 Trying, section 8.2.6.2). */
  toTag?: string;
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer;
  contentType?: string;
}

/**
 * Builds a response per RFC 3261 section 8.2.6.2: Via (all, in order), From, Call-ID and CSeq
 * copied; To copied with a tag added except for 100; Timestamp echoed (section 8.2.6.1).
 */
export function createResponse(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const headers = new SipHeaders();
  for (const via of request.headers.getAll('Via')) headers.append('Via', via);
  headers.append('From', request.headers.get('From') ?? '');
  let to = request.headers.get('To') ?? '';
  if (status !== 100 && options.toTag !== undefined) {
    const parsed = parseNameAddr(to);
    if (tagOf(parsed) === undefined) {
      parsed.params.set('tag', options.toTag);
      to = formatNameAddr(parsed);
    }
  }
  headers.append('To', to);
  headers.append('Call-ID', request.headers.get('Call-ID') ?? '');
  headers.append('CSeq', request.headers.get('CSeq') ?? '');
  const timestamp = request.headers.get('Timestamp');
  if (status === 100 && timestamp !== undefined) headers.append('Timestamp', timestamp);
  for (const [name, value] of options.headers ?? []) headers.append(name, value);
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > 0 && options.contentType) headers.set('Content-Type', options.contentType);
  return { kind: 'response', status, reason: options.reason ?? reasonPhrase(status), headers, body };
}

export interface RequestOptions {
  method: string;
  uri: Uri;
  /** Via header value for the top (and only) Via. */
  via: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  maxForwards?: number;
  contact?: string;
  routes?: readonly string[];
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer;
  contentType?: string;
}

/** Builds a request with the mandatory headers of RFC 3261 section 8.1.1. */
export function createRequest(options: RequestOptions): SipRequest {
  const headers = new SipHeaders();
  headers.append('Via', options.via);
  headers.append('Max-Forwards', String(options.maxForwards ?? 70));
  for (const route of options.routes ?? []) headers.append('Route', route);
  headers.append('From', options.from);
  headers.append('To', options.to);
  headers.append('Call-ID', options.callId);
  headers.append('CSeq', `${options.cseq} ${options.method}`);
  if (options.contact !== undefined) headers.append('Contact', options.contact);
  for (const [name, value] of options.headers ?? []) headers.append(name, value);
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > 0 && options.contentType) headers.set('Content-Type', options.contentType);
  return { kind: 'request', method: options.method, uri: options.uri, headers, body };
}
