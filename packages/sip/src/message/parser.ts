/**
 * SIP message parser (RFC 3261 sections 7 and 25). Total by construction: every input yields a
 * message or a `SipParseError`; work is linear in the input size, which is capped.
 */
import { SipParseError } from './errors.js';
import { isDigits, isToken, splitList } from './grammar.js';
import { SipHeaders, canonicalHeaderName, isListHeader } from './headers.js';
import {
  callIdOf,
  contactOf,
  cseqOf,
  fromOf,
  isValidCallId,
  maxForwardsOf,
  routesOf,
  toOf,
  viasOf,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js';
import { parseUri } from './uri.js';

export interface ParseOptions {
  /**
   * `datagram` (UDP): a missing Content-Length means "the rest of the datagram" and octets past
   * Content-Length are discarded (RFC 3261 section 18.3). `stream`: the caller framed the message,
   * so Content-Length is mandatory.
   */
  framing?: 'datagram' | 'stream';
  /** Refuse larger inputs outright. Default 65,535 octets (the UDP maximum). */
  maxSizeBytes?: number;
}

/** Headers that may appear once only; a repeat makes the request ambiguous (RFC 4475 3.3.9). */
const SINGLE_VALUED = ['Call-ID', 'CSeq', 'From', 'To', 'Max-Forwards', 'Content-Length', 'Content-Type'];
/** List headers whose grammar forbids empty elements. */
const STRICT_LISTS = new Set(['via', 'contact', 'route', 'record-route']);
const DEFAULT_MAX_SIZE_BYTES = 65_535;
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Parses one SIP message. Throws only `SipParseError`. */
export function parseMessage(input: Uint8Array, options: ParseOptions = {}): SipMessage {
  try {
    return parseUnchecked(input, options);
  } catch (error) {
    if (error instanceof SipParseError) throw error;
    // Defensive: a bug in a sub-parser must still surface as a typed parse failure.
    throw new SipParseError('bad-header-value', `internal parser failure: ${String(error)}`);
  }
}

/** Finds the end of the header section: index of the empty line and the body start. */
export function findHeaderEnd(buf: Uint8Array, from = 0): { headerEnd: number; bodyStart: number } | undefined {
  for (let i = from; i < buf.length - 1; i++) {
    if (buf[i] !== 10) continue;
    if (buf[i + 1] === 10) return { headerEnd: i, bodyStart: i + 2 };
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return { headerEnd: i, bodyStart: i + 3 };
  }
  return undefined;
}

function parseUnchecked(input: Uint8Array, options: ParseOptions): SipMessage {
  const framing = options.framing ?? 'datagram';
  const maxSize = options.maxSizeBytes ?? DEFAULT_MAX_SIZE_BYTES;
  if (input.length > maxSize) throw new SipParseError('message-too-large', `message exceeds ${maxSize} octets`);
  const buf = Buffer.from(input.buffer, input.byteOffset, input.length);
  let start = 0;
  // RFC 3261 section 7.5: CRLFs before the start line are ignored.
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  if (start >= buf.length) throw new SipParseError('empty-message', 'no start line');
  const end = findHeaderEnd(buf, start);
  const headerEnd = end?.headerEnd ?? buf.length;
  const bodyStart = end?.bodyStart ?? buf.length;
  const headerText = decoder.decode(buf.subarray(start, headerEnd));
  const lines = unfold(headerText.split(/\r?\n/));
  const startLine = lines[0] ?? '';
  const headers = new SipHeaders();
  if (startLine.startsWith('SIP/')) {
    const { status, reason } = parseStatusLine(startLine);
    for (let i = 1; i < lines.length; i++) addHeaderLine(headers, lines[i] as string);
    const response: SipResponse = { kind: 'response', status, reason, headers, body: Buffer.alloc(0) };
    validateHeaders(response);
    response.body = extractBody(buf.subarray(bodyStart), headers, framing);
    return response;
  }
  const firstWord = startLine.split(' ')[0] ?? '';
  try {
    for (let i = 1; i < lines.length; i++) addHeaderLine(headers, lines[i] as string);
    const method = parseRequestMethod(startLine);
    const request: SipRequest = { kind: 'request', method, uri: parseRequestLineRest(startLine), headers, body: Buffer.alloc(0) };
    validateHeaders(request);
    request.body = extractBody(buf.subarray(bodyStart), headers, framing);
    return request;
  } catch (error) {
    if (error instanceof SipParseError && isToken(firstWord)) error.partial = { method: firstWord, headers };
    throw error;
  }
}

/** Joins continuation lines (leading SP/HT) onto the previous line with one SP (section 7.3.1). */
function unfold(raw: string[]): string[] {
  const out: string[] = [];
  for (const line of raw) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 0) {
      const previous = out.pop() as string;
      out.push(`${previous.trimEnd()} ${line.trim()}`);
    } else {
      out.push(line);
    }
  }
  return out;
}

function parseStatusLine(line: string): { status: number; reason: string } {
  const match = /^(SIP\/[0-9]+\.[0-9]+) ([0-9]+)(?: (.*))?$/i.exec(line);
  if (!match) throw new SipParseError('bad-start-line', 'bad status line');
  if ((match[1] as string).toUpperCase() !== 'SIP/2.0') {
    throw new SipParseError('unsupported-version', `unsupported version ${match[1]}`);
  }
  const code = match[2] as string;
  if (code.length !== 3 || Number(code) < 100 || Number(code) > 699) {
    throw new SipParseError('bad-status-code', 'status code must be 3 digits, 100-699');
  }
  return { status: Number(code), reason: match[3] ?? '' };
}

/** Request-Line = Method SP Request-URI SP SIP-Version CRLF, exactly one SP each (RFC 4475 3.1.2.8-9). */
function requestLineParts(line: string): [string, string, string] {
  const parts = line.split(' ');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new SipParseError('bad-start-line', 'request line must be "Method SP Request-URI SP SIP-Version"');
  }
  return parts as [string, string, string];
}

function parseRequestMethod(line: string): string {
  const [method, , version] = requestLineParts(line);
  if (!isToken(method)) throw new SipParseError('bad-method', 'method is not a token');
  if (!/^SIP\/[0-9]+\.[0-9]+$/i.test(version)) throw new SipParseError('bad-start-line', 'bad SIP-Version');
  if (version.toUpperCase() !== 'SIP/2.0') throw new SipParseError('unsupported-version', `unsupported version ${version}`);
  return method;
}

function parseRequestLineRest(line: string): SipRequest['uri'] {
  const [, uriText] = requestLineParts(line);
  let uri: SipRequest['uri'];
  try {
    uri = parseUri(uriText);
  } catch (error) {
    if (error instanceof SipParseError) throw new SipParseError('bad-request-uri', error.message);
    throw error;
  }
  // RFC 3261 section 19.1.1 table: URI headers are not allowed in a Request-URI.
  if (uri.kind === 'sip' && uri.headers.length > 0) {
    throw new SipParseError('bad-request-uri', 'Request-URI must not carry URI headers');
  }
  return uri;
}

function addHeaderLine(headers: SipHeaders, line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new SipParseError('bad-header-line', `header line without name/colon`);
  const rawName = line.slice(0, colon).replace(/[ \t]+$/, '');
  if (!isToken(rawName)) throw new SipParseError('bad-header-line', 'header name is not a token');
  const name = canonicalHeaderName(rawName);
  const value = line.slice(colon + 1).trim();
  if (!isListHeader(name)) {
    headers.append(name, value);
    return;
  }
  const elements = splitList(value);
  if (elements.some((e) => e.length === 0)) {
    if (STRICT_LISTS.has(name.toLowerCase())) {
      throw new SipParseError('bad-header-value', `empty element in ${name}`, name);
    }
  }
  for (const element of elements) if (element.length > 0) headers.append(name, element);
}

function validateHeaders(message: SipMessage): void {
  const { headers } = message;
  for (const name of SINGLE_VALUED) {
    if (headers.count(name) > 1) throw new SipParseError('duplicate-header', `more than one ${name}`, name);
  }
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!headers.has(name)) throw new SipParseError('missing-header', `missing ${name}`, name);
  }
  viasOf(message);
  fromOf(message);
  toOf(message);
  if (!isValidCallId(callIdOf(message))) throw new SipParseError('bad-header-value', 'bad Call-ID', 'Call-ID');
  const cseq = cseqOf(message);
  if (message.kind === 'request' && cseq.method !== message.method) {
    throw new SipParseError('cseq-method-mismatch', 'CSeq method differs from request method', 'CSeq');
  }
  maxForwardsOf(message);
  contactOf(message);
  routesOf(message, 'Route');
  routesOf(message, 'Record-Route');
}

function extractBody(rest: Buffer, headers: SipHeaders, framing: 'datagram' | 'stream'): Buffer {
  const lengthText = headers.get('Content-Length');
  if (lengthText === undefined) {
    if (framing === 'stream') {
      throw new SipParseError('bad-content-length', 'Content-Length is mandatory on streams', 'Content-Length');
    }
    return Buffer.from(rest);
  }
  const trimmed = lengthText.trim();
  if (!isDigits(trimmed) || trimmed.replace(/^0+(?=\d)/, '').length > 9) {
    throw new SipParseError('bad-content-length', 'bad Content-Length', 'Content-Length');
  }
  const length = Number(trimmed);
  if (length > rest.length) {
    throw new SipParseError('body-truncated', `Content-Length ${length} exceeds the ${rest.length} octets received`, 'Content-Length');
  }
  return Buffer.from(rest.subarray(0, length));
}
