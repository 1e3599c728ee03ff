/**
 * UAC side of digest (RFC 3261 section 22.2-22.3): answers 401/407 challenges, keeps nonce counts
 * and prefers SHA-256 over MD5 when a server offers both (RFC 8760 section 2.4).
 */
import { randomBytes } from 'node:crypto';
import { formatUri } from '../message/uri.js';
import { type SipRequest, type SipResponse } from '../message/message.js';
import { computeDigestResponse, formatAuthHeader, parseAlgorithm, parseAuthHeader, type DigestAlgorithm } from './digest.js';

export interface DigestCredentials {
  username: string;
  password: string;
  /** Only answer challenges for this realm; any realm when absent. */
  realm?: string;
}

export interface Authorization {
  header: 'Authorization' | 'Proxy-Authorization';
  value: string;
}

interface Challenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  algorithm: DigestAlgorithm;
  qop: 'auth' | undefined;
  stale: boolean;
}

const PREFERENCE: DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];
const UNQUOTED = new Set(['algorithm', 'qop', 'nc']);

export class DigestClient {
  private readonly nonceCounts = new Map<string, number>();
  private readonly answered = new Set<string>();

  constructor(private readonly credentials: DigestCredentials) {}

  /**
   * Builds credentials for `request` from the challenges in `response` (401 or 407). Returns
   * undefined when nothing is answerable, or when the same non-stale nonce was already answered
   * (the password is wrong: retrying would loop).
   */
  authorize(request: SipRequest, response: SipResponse): Authorization[] | undefined {
    const proxy = response.status === 407;
    const challengeHeader = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const byRealm = new Map<string, Challenge>();
    for (const value of response.headers.getAll(challengeHeader)) {
      const challenge = this.readChallenge(value);
      if (!challenge) continue;
      const current = byRealm.get(challenge.realm);
      if (!current || PREFERENCE.indexOf(challenge.algorithm) < PREFERENCE.indexOf(current.algorithm)) byRealm.set(challenge.realm, challenge);
    }
    const out: Authorization[] = [];
    for (const challenge of byRealm.values()) {
      const key = `${challenge.realm}|${challenge.nonce}`;
      if (this.answered.has(key) && !challenge.stale) return undefined;
      this.answered.add(key);
      out.push({ header: proxy ? 'Proxy-Authorization' : 'Authorization', value: this.answer(request, challenge) });
    }
    return out.length > 0 ? out : undefined;
  }

  private readChallenge(value: string): Challenge | undefined {
    let parsed;
    try {
      parsed = parseAuthHeader(value);
    } catch {
      return undefined;
    }
    if (parsed.scheme.toLowerCase() !== 'digest') return undefined;
    const realm = parsed.params.get('realm');
    const nonce = parsed.params.get('nonce');
    const algorithm = parseAlgorithm(parsed.params.get('algorithm'));
    if (realm === undefined || nonce === undefined || algorithm === undefined) return undefined;
    if (this.credentials.realm !== undefined && this.credentials.realm !== realm) return undefined;
    const qopOptions = (parsed.params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase());
    const hasQop = parsed.params.has('qop');
    if (hasQop && !qopOptions.includes('auth')) return undefined;
    return {
      realm,
      nonce,
      opaque: parsed.params.get('opaque'),
      algorithm,
      qop: hasQop ? 'auth' : undefined,
      stale: (parsed.params.get('stale') ?? '').toLowerCase() === 'true',
    };
  }

  private answer(request: SipRequest, challenge: Challenge): string {
    const uri = formatUri(request.uri);
    const params: Array<[string, string]> = [
      ['username', this.credentials.username],
      ['realm', challenge.realm],
      ['nonce', challenge.nonce],
      ['uri', uri],
    ];
    let nc: string | undefined;
    let cnonce: string | undefined;
    if (challenge.qop || challenge.algorithm.endsWith('-sess')) cnonce = randomBytes(8).toString('hex');
    if (challenge.qop) {
      const count = (this.nonceCounts.get(challenge.nonce) ?? 0) + 1;
      this.nonceCounts.set(challenge.nonce, count);
      nc = count.toString(16).padStart(8, '0');
    }
    const response = computeDigestResponse({
      algorithm: challenge.algorithm,
      username: this.credentials.username,
      realm: challenge.realm,
      password: this.credentials.password,
      method: request.method,
      uri,
      nonce: challenge.nonce,
      qop: challenge.qop,
      nc,
      cnonce,
    });
    params.push(['response', response], ['algorithm', challenge.algorithm]);
    if (challenge.opaque !== undefined) params.push(['opaque', challenge.opaque]);
    if (challenge.qop && nc && cnonce) params.push(['qop', 'auth'], ['nc', nc], ['cnonce', cnonce]);
    else if (cnonce) params.push(['cnonce', cnonce]);
    return formatAuthHeader('Digest', params, UNQUOTED);
  }
}
