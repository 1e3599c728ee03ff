/**
 * UAS/registrar side of digest (RFC 3261 section 22.1-22.3, RFC 7616): stateless HMAC-signed
 * nonces that expire (answered with stale=true, RFC 7616 section 3.3), nonce-count replay checks.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createResponse } from '../message/builders.js';
import { formatUri, parseUri, type Uri } from '../message/uri.js';
import { type SipRequest, type SipResponse } from '../message/message.js';
import { computeDigestResponse, formatAuthHeader, parseAlgorithm, parseAuthHeader, type DigestAlgorithm } from './digest.js';

export type DigestVerifyFailure =
  | 'missing'
  | 'malformed'
  | 'wrong-realm'
  | 'unsupported-algorithm'
  | 'bad-nonce'
  | 'stale'
  | 'unknown-user'
  | 'wrong-response'
  | 'replay';

export type DigestVerifyResult = { ok: true; username: string } | { ok: false; reason: DigestVerifyFailure };

export interface DigestServerOptions {
  realm: string;
  /** Offered algorithms, most preferred first. Default SHA-256 then MD5 (RFC 8760 section 2.4). */
  algorithms?: Array<'MD5' | 'SHA-256'>;
  /** Nonce lifetime; older nonces are answered with stale=true. Default 300 s. */
  nonceLifetimeMs?: number;
  /** Use qop=auth (RFC 7616 requires it). Default true. */
  qop?: boolean;
  /** HMAC key for nonces; random per instance by default. */
  secret?: Buffer;
  /** Clock for nonce ageing (tests). */
  nowMs?: () => number;
}

const UNQUOTED = new Set(['algorithm', 'stale', 'qop']);

export class DigestServer {
  private readonly secret: Buffer;
  private readonly nowMs: () => number;
  private readonly lifetimeMs: number;
  private readonly algorithms: Array<'MD5' | 'SHA-256'>;
  private readonly lastNonceCount = new Map<string, { nc: number; issuedMs: number }>();

  constructor(private readonly options: DigestServerOptions) {
    this.secret = options.secret ?? randomBytes(32);
    this.nowMs = options.nowMs ?? Date.now;
    this.lifetimeMs = options.nonceLifetimeMs ?? 300_000;
    this.algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
  }

  /** A fresh nonce: issue time plus randomness, signed. */
  createNonce(): string {
    const payload = `${this.nowMs().toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${payload}.${this.sign(payload)}`;
  }

  /** Challenge header values, one per offered algorithm. */
  challengeValues(stale = false): string[] {
    const nonce = this.createNonce();
    return this.algorithms.map((algorithm) => {
      const params: Array<[string, string]> = [['realm', this.options.realm], ['nonce', nonce], ['algorithm', algorithm]];
      if (this.options.qop ?? true) params.push(['qop', 'auth']);
      if (stale) params.push(['stale', 'true']);
      return formatAuthHeader('Digest', params, UNQUOTED);
    });
  }

  /** 401 (or 407 for proxies) carrying the challenges. */
  challenge(request: SipRequest, options: { status?: 401 | 407; stale?: boolean; toTag?: string } = {}): SipResponse {
    const status = options.status ?? 401;
    const header = status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    return createResponse(request, status, {
      toTag: options.toTag,
      headers: this.challengeValues(options.stale).map((v) => [header, v] as const),
    });
  }

  /** Verifies the request's credentials against `passwordFor(username)`. */
  verify(request: SipRequest, passwordFor: (username: string) => string | undefined, header: 'Authorization' | 'Proxy-Authorization' = 'Authorization'): DigestVerifyResult {
    const values = request.headers.getAll(header);
    if (values.length === 0) return { ok: false, reason: 'missing' };
    let lastFailure: DigestVerifyFailure = 'wrong-realm';
    for (const value of values) {
      const result = this.verifyOne(request, value, passwordFor);
      if (result.ok || result.reason !== 'wrong-realm') return result;
      lastFailure = result.reason;
    }
    return { ok: false, reason: lastFailure };
  }

  private verifyOne(request: SipRequest, value: string, passwordFor: (username: string) => string | undefined): DigestVerifyResult {
    let parsed;
    try {
      parsed = parseAuthHeader(value);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const p = parsed.params;
    if (parsed.scheme.toLowerCase() !== 'digest') return { ok: false, reason: 'malformed' };
    const [username, realm, nonce, uri, response] = ['username', 'realm', 'nonce', 'uri', 'response'].map((n) => p.get(n));
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return { ok: false, reason: 'malformed' };
    }
    if (realm !== this.options.realm) return { ok: false, reason: 'wrong-realm' };
    const algorithm = parseAlgorithm(p.get('algorithm'));
    if (algorithm === undefined || !this.algorithms.some((a) => algorithm.startsWith(a))) return { ok: false, reason: 'unsupported-algorithm' };
    const issuedMs = this.nonceIssuedMs(nonce);
    if (issuedMs === undefined) return { ok: false, reason: 'bad-nonce' };
    const qop = p.get('qop');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    const useQop = this.options.qop ?? true;
    if (useQop && (qop !== 'auth' || nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc) || cnonce === undefined)) {
      return { ok: false, reason: 'malformed' };
    }
    // RFC 7616 section 3.4.6 wants the digest-uri to name the request target. Some peers (SIPp
    // among them) drop the user part, so the check is on the host: the hash covers the uri as sent.
    if (uri !== formatUri(request.uri) && !sameHost(uri, request.uri)) return { ok: false, reason: 'malformed' };
    const password = passwordFor(username);
    if (password === undefined) return { ok: false, reason: 'unknown-user' };
    const expected = computeDigestResponse({
      algorithm: algorithm as DigestAlgorithm,
      username,
      realm,
      password,
      method: request.method,
      uri,
      nonce,
      qop: useQop ? 'auth' : undefined,
      nc,
      cnonce,
    });
    if (!safeEqual(expected, response.toLowerCase())) return { ok: false, reason: 'wrong-response' };
    if (this.nowMs() - issuedMs > this.lifetimeMs) return { ok: false, reason: 'stale' };
    if (useQop && nc !== undefined) {
      const count = parseInt(nc, 16);
      const seen = this.lastNonceCount.get(nonce);
      if (seen && count <= seen.nc) return { ok: false, reason: 'replay' };
      this.lastNonceCount.set(nonce, { nc: count, issuedMs });
      this.prune();
    }
    return { ok: true, username };
  }

  private nonceIssuedMs(nonce: string): number | undefined {
    const lastDot = nonce.lastIndexOf('.');
    if (lastDot < 0) return undefined;
    const payload = nonce.slice(0, lastDot);
    if (!safeEqual(this.sign(payload), nonce.slice(lastDot + 1))) return undefined;
    const issued = parseInt(payload.split('.')[0] ?? '', 36);
    return Number.isFinite(issued) ? issued : undefined;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }

  private prune(): void {
    const cutoff = this.nowMs() - this.lifetimeMs;
    for (const [nonce, entry] of this.lastNonceCount) if (entry.issuedMs < cutoff) this.lastNonceCount.delete(nonce);
  }
}

function sameHost(digestUri: string, requestUri: Uri): boolean {
  try {
    const parsed = parseUri(digestUri);
    return parsed.kind === 'sip' && requestUri.kind === 'sip' && parsed.host.toLowerCase() === requestUri.host.toLowerCase();
  } catch {
    return false;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
