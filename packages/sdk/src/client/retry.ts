/**
 * Retry policy as pure functions: what may be retried, and how long to wait. No timers here;
 * the transport owns the sleeping.
 */

/** Knobs of the backoff curve. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Upper bound of any computed delay. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited out: the error surfaces instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential growth capped at
 * `maxDelayMs`, then jittered into the upper half of the interval so that clients which failed
 * together do not retry together, while no retry ever fires immediately.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Milliseconds a `Retry-After` header asks for (RFC 9110 section 10.2.3: delay-seconds or an
 * HTTP-date), or undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form starts with a day name; without that check `Date.parse` reads '-5' as a year.
  const date = /^[A-Za-z]{3,9},? /.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Statuses worth another attempt: the server may succeed later (rate limit, overload, crash). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
