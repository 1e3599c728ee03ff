import { hashSecret } from './keys.js';
import { secureRandomBytes } from '../random.js';

/** How long a printed login link works. */
export const LOGIN_LINK_TTL_MS = 10 * 60 * 1000;

/** At most this many unexpired links are kept; issuing more evicts the oldest. */
const MAX_OPEN_LINKS = 100;

interface OpenLink {
  spaceId: string;
  expiresAtMs: number;
}

/**
 * One-time dashboard login links (`/?login=ll_...`), printed by `unpod dev`. A link's token is 32
 * random bytes; only its SHA-256 is held, in this process's memory (a restart voids every link).
 * `consume` succeeds once per token and never after its expiry; a failed attempt reveals nothing
 * about other tokens. The exchange for a session credential is done by the REST route.
 */
export class LoginLinks {
  private readonly open = new Map<string, OpenLink>();

  constructor(
    private readonly ttlMs: number = LOGIN_LINK_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issue a link token for `spaceId`. */
  issue(spaceId: string): { token: string; expiresAtMs: number } {
    this.sweep();
    while (this.open.size >= MAX_OPEN_LINKS) this.open.delete(this.open.keys().next().value!);
    const token = `ll_${secureRandomBytes(32).toString('base64url')}`;
    const expiresAtMs = this.now() + this.ttlMs;
    this.open.set(hashSecret(token), { spaceId, expiresAtMs });
    return { token, expiresAtMs };
  }

  /** The link's space if `token` is open and unexpired; the token is spent either way. */
  consume(token: string): string | undefined {
    if (!token.startsWith('ll_') || token.length > 200) return undefined;
    const digest = hashSecret(token);
    const link = this.open.get(digest);
    this.open.delete(digest);
    if (!link || link.expiresAtMs <= this.now()) return undefined;
    return link.spaceId;
  }

  private sweep(): void {
    const now = this.now();
    for (const [digest, link] of this.open) if (link.expiresAtMs <= now) this.open.delete(digest);
  }
}
