import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF, isRetryableStatus, parseRetryAfterMs } from './retry.js';

describe('backoffDelayMs', () => {
  it('doubles from 500 ms and stays in the upper half of each interval', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, DEFAULT_BACKOFF, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, DEFAULT_BACKOFF, () => 0.999_999))).toEqual([500, 1000, 2000, 4000]);
  });

  it('never exceeds the 8 s cap however many attempts failed', () => {
    expect(backoffDelayMs(4, DEFAULT_BACKOFF, () => 0.999_999)).toBe(8000);
    expect(backoffDelayMs(30, DEFAULT_BACKOFF, () => 0.999_999)).toBe(8000);
    expect(backoffDelayMs(30, DEFAULT_BACKOFF, () => 0)).toBe(4000);
  });
});

describe('parseRetryAfterMs (RFC 9110 section 10.2.3)', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(parseRetryAfterMs(' 0 ')).toBe(0);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    const now = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(7000);
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs('-5')).toBeUndefined();
    expect(parseRetryAfterMs('2030')).toBe(2_030_000);
    expect(parseRetryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', Date.parse('1994-11-06T08:49:30Z'))).toBe(7000);
  });
});

describe('isRetryableStatus', () => {
  it('retries rate limits and server errors only', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413, 422].some(isRetryableStatus)).toBe(false);
  });
});
