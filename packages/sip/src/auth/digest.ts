/**
 * HTTP Digest as used by SIP (RFC 3261 section 22.4, RFC 2617, RFC 7616, RFC 8760): algorithms
 * MD5 and SHA-256 (and their -sess forms), qop=auth or none. auth-int is not supported.
 */
import { createHash } from 'node:crypto';
import { isToken, quote, readQuotedString, unquote } from '../message/grammar.js';
import { SipParseError } from '../message/errors.js';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/** Canonical algorithm name, or undefined when unsupported. Absent means MD5 (RFC 2617 3.2.1). */
export function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  return value === undefined ? 'MD5' : ALGORITHMS[value.toLowerCase()];
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(text, 'utf8').digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  /** digest-uri, exactly as sent in the `uri` parameter. */
  uri: string;
  nonce: string;
  qop?: 'auth';
  /** 8 hex digits, required with qop. */
  nc?: string;
  cnonce?: string;
}

/** request-digest per RFC 7616 section 3.4.1 (RFC 2617 section 3.2.2.1 for MD5). */
export function computeDigestResponse(input: DigestInput): string {
  const { algorithm } = input;
  let ha1 = hash(algorithm, `${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith('-sess')) ha1 = hash(algorithm, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const ha2 = hash(algorithm, `${input.method}:${input.uri}`);
  if (input.qop === 'auth') {
    return hash(algorithm, `${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`);
  }
  return hash(algorithm, `${ha1}:${input.nonce}:${ha2}`);
}

export interface AuthHeader {
  scheme: string;
  /** Lower-case parameter names; values unquoted. */
  params: Map<string, string>;
}

/** Parses `Scheme name=value, name="quoted"` (WWW-Authenticate, Authorization and Proxy-*). */
export function parseAuthHeader(value: string): AuthHeader {
  const text = value.trim();
  const space = text.search(/[ \t]/);
  const scheme = space < 0 ? text : text.slice(0, space);
  if (!isToken(scheme)) throw new SipParseError('bad-header-value', 'bad auth scheme');
  const params = new Map<string, string>();
  let i = space < 0 ? text.length : space;
  while (i < text.length) {
    while (i < text.length && /[ \t,]/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new SipParseError('bad-header-value', 'auth-param without "="');
    const name = text.slice(i, eq).trim().toLowerCase();
    if (!isToken(name)) throw new SipParseError('bad-header-value', 'bad auth-param name');
    i = eq + 1;
    while (text[i] === ' ' || text[i] === '\t') i++;
    let paramValue: string;
    if (text[i] === '"') {
      const q = readQuotedString(text, i, 'bad-header-value');
      paramValue = q.value;
      i = q.end;
    } else {
      const end = text.slice(i).search(/[ \t,]/);
      paramValue = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i = end < 0 ? text.length : i + end;
    }
    params.set(name, paramValue);
  }
  return { scheme, params };
}

/** Serialises auth-params; `unquoted` names are written as tokens (RFC 7616 section 3.4). */
export function formatAuthHeader(scheme: string, params: ReadonlyArray<readonly [string, string]>, unquoted: ReadonlySet<string>): string {
  return `${scheme} ${params.map(([name, value]) => `${name}=${unquoted.has(name) ? value : quote(value)}`).join(', ')}`;
}

export { unquote };
