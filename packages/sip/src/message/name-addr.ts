/**
 * name-addr / addr-spec header values (From, To, Contact, Route, Record-Route, Refer-To,
 * Reply-To), RFC 3261 section 20 and 25.1.
 */
import { SipParseError } from './errors.js';
import {
  formatParameters,
  isToken,
  isWhitespace,
  parseHeaderParameters,
  quote,
  readQuotedString,
  splitList,
  type Parameters,
} from './grammar.js';
import { formatUri, parseUri, type Uri } from './uri.js';

export interface NameAddr {
  /** Display name without quotes or escapes; undefined when absent. */
  displayName: string | undefined;
  uri: Uri;
  /** Header parameters (tag, expires, q, lr for Route...). */
  params: Parameters;
}

function fail(detail: string): never {
  throw new SipParseError('bad-name-addr', detail);
}

/**
 * Parses one name-addr or addr-spec followed by header parameters. In the addr-spec form the
 * URI ends at the first `;` (those parameters belong to the header) and a URI containing `?` or
 * `,` must have been bracketed (RFC 3261 section 20).
 */
export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  if (text.length === 0) fail('empty address');
  let displayName: string | undefined;
  let i = 0;
  if (text[0] === '"') {
    const q = readQuotedString(text, 0, 'bad-name-addr');
    displayName = q.value;
    i = q.end;
    while (isWhitespace(text[i])) i++;
    if (text[i] !== '<') fail('quoted display name without <URI>');
  } else {
    const lt = text.indexOf('<');
    if (lt >= 0) {
      const name = text.slice(0, lt).trim();
      if (name.length > 0) {
        for (const word of name.split(/[ \t]+/)) {
          if (!isToken(word)) fail(`display name must be tokens or quoted: ${name.slice(0, 64)}`);
        }
        displayName = name;
      }
      i = lt;
    }
  }
  let uriText: string;
  let rest: string;
  if (text[i] === '<') {
    const close = text.indexOf('>', i);
    if (close < 0) fail('missing >');
    uriText = text.slice(i + 1, close);
    rest = text.slice(close + 1);
  } else {
    const semi = text.indexOf(';');
    uriText = (semi >= 0 ? text.slice(0, semi) : text).trimEnd();
    rest = semi >= 0 ? text.slice(semi) : '';
    if (/[?,]/.test(uriText)) fail('addr-spec with "?" or "," must be enclosed in <>');
  }
  let uri: Uri;
  try {
    uri = parseUri(uriText);
  } catch (error) {
    if (error instanceof SipParseError) fail(`bad URI in address: ${error.message}`);
    throw error;
  }
  const params = parseHeaderParameters(rest, 'bad-name-addr');
  return { displayName, uri, params };
}

/** Splits a list header (Contact, Route, Record-Route) and parses each element. */
export function parseNameAddrList(value: string): NameAddr[] {
  const parts = splitList(value);
  if (parts.some((p) => p.length === 0)) fail('empty element in address list');
  return parts.map(parseNameAddr);
}

/** Serialises in name-addr form (always bracketed, so parameters are never ambiguous). */
export function formatNameAddr(addr: NameAddr): string {
  const name = addr.displayName === undefined ? '' : `${quote(addr.displayName)} `;
  return `${name}<${formatUri(addr.uri)}>${formatParameters(addr.params)}`;
}

/** The `tag` parameter of a From or To value. */
export function tagOf(addr: NameAddr): string | undefined {
  return addr.params.get('tag') ?? undefined;
}

/** Contact header value: either the wildcard `*` (REGISTER removal) or a list of addresses. */
export type ContactValue = { wildcard: true } | { wildcard: false; contacts: NameAddr[] };

export function parseContact(value: string): ContactValue {
  if (value.trim() === '*') return { wildcard: true };
  return { wildcard: false, contacts: parseNameAddrList(value) };
}
