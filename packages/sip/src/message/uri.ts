/**
 * SIP, SIPS and tel URIs (RFC 3261 section 19.1, RFC 3966) plus an opaque form for any other
 * absolute URI, which RFC 3261 allows in the Request-URI, To, From and Contact.
 */
import { SipParseError } from './errors.js';
import { type Parameters } from './grammar.js';

/** `sip:` or `sips:` URI. `host` keeps IPv6 brackets, as written. User and password stay escaped. */
export interface SipUri {
  kind: 'sip';
  scheme: 'sip' | 'sips';
  user: string | undefined;
  password: string | undefined;
  host: string;
  port: number | undefined;
  params: Parameters;
  /** URI headers after `?`, in order, values still escaped. */
  headers: Array<[string, string]>;
}

export interface TelUri {
  kind: 'tel';
  scheme: 'tel';
  number: string;
  params: Parameters;
}

/** Any other absolute URI, kept verbatim after the colon. */
export interface AbsoluteUri {
  kind: 'absolute';
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | TelUri | AbsoluteUri;

const ESCAPED = '%[0-9A-Fa-f]{2}';
const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const USER_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,;?/]|${ESCAPED})+$`);
const PASSWORD_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,]|${ESCAPED})*$`);
const PARAM_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/:&+$]|${ESCAPED})+$`);
const HEADER_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/?:+$]|${ESCAPED})*$`);
const HOSTNAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]+\]$/;
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+\-.]*):/;

function fail(detail: string): never {
  throw new SipParseError('bad-uri', detail);
}

/** Parses any absolute URI; SIP/SIPS/tel are parsed structurally, others kept opaque. */
export function parseUri(text: string): Uri {
  const match = SCHEME_RE.exec(text);
  if (!match) fail(`URI has no scheme: ${text.slice(0, 64)}`);
  const scheme = (match[1] as string).toLowerCase();
  const rest = text.slice(match[0].length);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUriBody(scheme, rest);
  if (scheme === 'tel') return parseTelUriBody(rest);
  if (rest.length === 0 || /[\s<>"]/.test(rest)) fail('bad opaque URI');
  return { kind: 'absolute', scheme, opaque: rest };
}

/** Parses a URI that must be `sip:` or `sips:`. */
export function parseSipUri(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.kind !== 'sip') fail(`expected a sip or sips URI: ${text.slice(0, 64)}`);
  return uri;
}

function parseSipUriBody(scheme: 'sip' | 'sips', rest: string): SipUri {
  if (/[\s<>"]/.test(rest)) fail('whitespace or delimiter inside URI');
  let user: string | undefined;
  let password: string | undefined;
  let i = 0;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    password = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
    if (!USER_RE.test(user)) fail('bad user part');
    if (password !== undefined && !PASSWORD_RE.test(password)) fail('bad password');
    i = at + 1;
  }
  let hostEnd = i;
  if (rest[i] === '[') {
    const close = rest.indexOf(']', i);
    if (close < 0) fail('unterminated IPv6 reference');
    hostEnd = close + 1;
  } else {
    while (hostEnd < rest.length && !':;?'.includes(rest[hostEnd] as string)) hostEnd++;
  }
  const host = rest.slice(i, hostEnd);
  if (!(IPV6_RE.test(host) || HOSTNAME_RE.test(host))) fail(`bad host "${host.slice(0, 64)}"`);
  i = hostEnd;
  let port: number | undefined;
  if (rest[i] === ':') {
    let end = i + 1;
    while (end < rest.length && rest[end] !== ';' && rest[end] !== '?') end++;
    port = parsePort(rest.slice(i + 1, end));
    i = end;
  }
  const params: Parameters = new Map();
  const headers: Array<[string, string]> = [];
  const question = rest.indexOf('?', i);
  const paramText = rest.slice(i, question >= 0 ? question : rest.length);
  if (paramText.length > 0) {
    for (const part of paramText.slice(1).split(';')) {
      const eq = part.indexOf('=');
      const name = eq >= 0 ? part.slice(0, eq) : part;
      const value = eq >= 0 ? part.slice(eq + 1) : null;
      if (!PARAM_RE.test(name) || (value !== null && !PARAM_RE.test(value))) fail('bad URI parameter');
      const key = name.toLowerCase();
      if (!params.has(key)) params.set(key, value);
    }
  }
  if (question >= 0) {
    for (const part of rest.slice(question + 1).split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) fail('bad URI header');
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (!HEADER_RE.test(name) || !HEADER_RE.test(value)) fail('bad URI header');
      headers.push([name, value]);
    }
  }
  return { kind: 'sip', scheme, user, password, host, port, params, headers };
}

function parsePort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) fail('bad port');
  const port = Number(text);
  if (port > 65535) fail('port out of range');
  return port;
}

function parseTelUriBody(rest: string): TelUri {
  const semi = rest.indexOf(';');
  const number = semi >= 0 ? rest.slice(0, semi) : rest;
  if (!/^[0-9A-Fa-f*#+\-.()pPwW]+$/.test(number)) fail('bad telephone number');
  const params: Parameters = new Map();
  if (semi >= 0) {
    for (const part of rest.slice(semi + 1).split(';')) {
      const eq = part.indexOf('=');
      const name = eq >= 0 ? part.slice(0, eq) : part;
      const value = eq >= 0 ? part.slice(eq + 1) : null;
      if (!PARAM_RE.test(name) || (value !== null && !PARAM_RE.test(value))) fail('bad tel parameter');
      params.set(name.toLowerCase(), value);
    }
  }
  return { kind: 'tel', scheme: 'tel', number, params };
}

/** Serialises a URI back to text. */
export function formatUri(uri: Uri): string {
  switch (uri.kind) {
    case 'absolute':
      return `${uri.scheme}:${uri.opaque}`;
    case 'tel': {
      let out = `tel:${uri.number}`;
      for (const [name, value] of uri.params) out += value === null ? `;${name}` : `;${name}=${value}`;
      return out;
    }
    case 'sip': {
      let out = `${uri.scheme}:`;
      if (uri.user !== undefined) {
        out += uri.user;
        if (uri.password !== undefined) out += `:${uri.password}`;
        out += '@';
      }
      out += uri.host;
      if (uri.port !== undefined) out += `:${uri.port}`;
      for (const [name, value] of uri.params) out += value === null ? `;${name}` : `;${name}=${value}`;
      if (uri.headers.length > 0) out += `?${uri.headers.map(([n, v]) => `${n}=${v}`).join('&')}`;
      return out;
    }
  }
}

/** Builds a SIP URI from parts; `user` is escaped as needed. */
export function sipUri(parts: {
  scheme?: 'sip' | 'sips';
  user?: string;
  host: string;
  port?: number;
  params?: Record<string, string | null>;
}): SipUri {
  const host = parts.host.includes(':') && !parts.host.startsWith('[') ? `[${parts.host}]` : parts.host;
  return {
    kind: 'sip',
    scheme: parts.scheme ?? 'sip',
    user: parts.user === undefined ? undefined : escapeUser(parts.user),
    password: undefined,
    host,
    port: parts.port,
    params: new Map(Object.entries(parts.params ?? {})),
    headers: [],
  };
}

/** Escapes characters not allowed unescaped in the user part. */
export function escapeUser(user: string): string {
  return user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** Decodes `%XX` escapes (RFC 3261 section 19.1.4: comparison happens on unescaped values). */
export function unescape(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Host without IPv6 brackets, as sockets want it. */
export function hostToAddress(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const SIGNIFICANT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** URI equivalence per RFC 3261 section 19.1.4 (SIP) or case-insensitive text for other schemes. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== b.kind || a.scheme !== b.scheme) return false;
  if (a.kind === 'absolute' && b.kind === 'absolute') return a.opaque === b.opaque;
  if (a.kind === 'tel' && b.kind === 'tel') {
    return a.number.replace(/[-.()]/g, '') === b.number.replace(/[-.()]/g, '');
  }
  if (a.kind !== 'sip' || b.kind !== 'sip') return false;
  if (unescape(a.user ?? '') !== unescape(b.user ?? '')) return false;
  if (unescape(a.password ?? '') !== unescape(b.password ?? '')) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
  for (const name of SIGNIFICANT_PARAMS) {
    if (a.params.has(name) !== b.params.has(name)) return false;
  }
  for (const [name, value] of a.params) {
    if (!b.params.has(name)) continue;
    const other = b.params.get(name) ?? null;
    if (unescape(value ?? '').toLowerCase() !== unescape(other ?? '').toLowerCase()) return false;
  }
  if (a.headers.length !== b.headers.length) return false;
  const bHeaders = new Map(b.headers.map(([n, v]) => [n.toLowerCase(), unescape(v)]));
  return a.headers.every(([n, v]) => bHeaders.get(n.toLowerCase()) === unescape(v));
}
