/** SIP message model (RFC 3261 section 7) and typed accessors over its headers. */
import { SipParseError } from './errors.js';
import { isDigits, isToken, isWord } from './grammar.js';
import { type SipHeaders } from './headers.js';
import { parseContact, parseNameAddr, parseNameAddrList, type ContactValue, type NameAddr } from './name-addr.js';
import { type Uri } from './uri.js';
import { parseViaList, type Via } from './via.js';

export interface SipRequest {
  readonly kind: 'request';
  method: string;
  uri: Uri;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export interface CSeq {
  seq: number;
  method: string;
}

/** RFC 3261 section 8.1.1.5: the sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(value: string): CSeq {
  const match = /^\s*([0-9]+)\s+(\S+)\s*$/.exec(value);
  if (!match) throw new SipParseError('bad-cseq', `bad CSeq "${value.slice(0, 64)}"`, 'CSeq');
  const digits = (match[1] as string).replace(/^0+(?=\d)/, '');
  if (digits.length > 10 || Number(digits) > MAX_CSEQ) {
    throw new SipParseError('bad-cseq', 'CSeq number out of range', 'CSeq');
  }
  const method = match[2] as string;
  if (!isToken(method)) throw new SipParseError('bad-cseq', 'bad CSeq method', 'CSeq');
  return { seq: Number(digits), method };
}

function required(message: SipMessage, name: string): string {
  const value = message.headers.get(name);
  if (value === undefined) throw new SipParseError('missing-header', `missing ${name}`, name);
  return value;
}

/** Every Via, top first. */
export function viasOf(message: SipMessage): Via[] {
  return message.headers.getAll('Via').flatMap(parseViaList);
}

/** The top Via (the one this hop added / must answer to). */
export function topViaOf(message: SipMessage): Via {
  const via = viasOf(message)[0];
  if (!via) throw new SipParseError('missing-header', 'missing Via', 'Via');
  return via;
}

export function cseqOf(message: SipMessage): CSeq {
  return parseCSeq(required(message, 'CSeq'));
}

export function callIdOf(message: SipMessage): string {
  return required(message, 'Call-ID').trim();
}

export function fromOf(message: SipMessage): NameAddr {
  return parseNameAddr(required(message, 'From'));
}

export function toOf(message: SipMessage): NameAddr {
  return parseNameAddr(required(message, 'To'));
}

/** Contact header, or undefined when absent. */
export function contactOf(message: SipMessage): ContactValue | undefined {
  const values = message.headers.getAll('Contact');
  if (values.length === 0) return undefined;
  return parseContact(values.join(', '));
}

/** First Contact URI, if any (the remote target for dialogs). */
export function contactUriOf(message: SipMessage): Uri | undefined {
  const contact = contactOf(message);
  return contact && !contact.wildcard ? contact.contacts[0]?.uri : undefined;
}

/** Every Record-Route (or Route) element, top first. */
export function routesOf(message: SipMessage, name: 'Route' | 'Record-Route'): NameAddr[] {
  return message.headers.getAll(name).flatMap(parseNameAddrList);
}

export function maxForwardsOf(message: SipMessage): number | undefined {
  const value = message.headers.get('Max-Forwards');
  if (value === undefined) return undefined;
  return parseMaxForwards(value);
}

export function parseMaxForwards(value: string): number {
  const text = value.trim();
  if (!isDigits(text) || text.length > 5 || Number(text) > 255) {
    throw new SipParseError('bad-header-value', 'Max-Forwards must be 0-255', 'Max-Forwards');
  }
  return Number(text);
}

/** Call-ID = word ["@" word] (RFC 3261 section 25.1). */
export function isValidCallId(value: string): boolean {
  const at = value.indexOf('@');
  if (at < 0) return isWord(value);
  return isWord(value.slice(0, at)) && isWord(value.slice(at + 1));
}

/** Lower-cased media type of the body, without parameters. */
export function contentTypeOf(message: SipMessage): string | undefined {
  const value = message.headers.get('Content-Type');
  return value?.split(';')[0]?.trim().toLowerCase();
}

/** Option tags of a list header such as Require, Supported, Allow. */
export function tokensOf(message: SipMessage, name: string): string[] {
  return message.headers
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

export function isRequest(message: SipMessage): message is SipRequest {
  return message.kind === 'request';
}
