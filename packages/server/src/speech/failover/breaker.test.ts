import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakerBoard, CircuitBreaker, type BreakerPolicy } from './breaker.js';

const policy: BreakerPolicy = { failureThreshold: 3, windowMs: 60_000, cooldownMs: 30_000 };

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

describe('CircuitBreaker', () => {
  it('opens after K failures within the window and refuses while open', () => {
    const b = new CircuitBreaker();
    b.failure(policy);
    b.failure(policy);
    expect(b.state(policy)).toBe('closed');
    expect(b.tryAcquire(policy)).toBe(true);
    b.failure(policy);
    expect(b.state(policy)).toBe('open');
    expect(b.tryAcquire(policy)).toBe(false);
    expect(b.wouldAllow(policy)).toBe(false);
  });

  it('forgets failures older than the window', () => {
    const b = new CircuitBreaker();
    b.failure(policy);
    b.failure(policy);
    vi.advanceTimersByTime(60_000);
    b.failure(policy);
    expect(b.state(policy)).toBe('closed');
    b.failure(policy);
    b.failure(policy);
    expect(b.state(policy)).toBe('open');
  });

  it('lets exactly one half-open probe through after the cool-down; its success closes the breaker', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 3; i++) b.failure(policy);
    vi.advanceTimersByTime(29_999);
    expect(b.tryAcquire(policy)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(b.state(policy)).toBe('half_open');
    expect(b.tryAcquire(policy)).toBe(true);
    expect(b.tryAcquire(policy)).toBe(false);
    b.success();
    expect(b.state(policy)).toBe('closed');
    expect(b.tryAcquire(policy)).toBe(true);
    // The failure count restarted: two failures do not reopen it.
    b.failure(policy);
    b.failure(policy);
    expect(b.state(policy)).toBe('closed');
  });

  it('a failed probe reopens the breaker for another cool-down', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 3; i++) b.failure(policy);
    vi.advanceTimersByTime(30_000);
    expect(b.tryAcquire(policy)).toBe(true);
    b.failure(policy);
    expect(b.state(policy)).toBe('open');
    vi.advanceTimersByTime(29_000);
    expect(b.tryAcquire(policy)).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(b.tryAcquire(policy)).toBe(true);
  });

  it('a probe released without a verdict lets the next attempt probe', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 3; i++) b.failure(policy);
    vi.advanceTimersByTime(30_000);
    expect(b.tryAcquire(policy)).toBe(true);
    b.release();
    expect(b.tryAcquire(policy)).toBe(true);
  });
});

describe('BreakerBoard', () => {
  it('shares one breaker per capability and provider', () => {
    const board = new BreakerBoard();
    expect(board.get('stt', 'deepgram')).toBe(board.get('stt', 'deepgram'));
    expect(board.get('stt', 'deepgram')).not.toBe(board.get('tts', 'deepgram'));
  });
});
