import { afterEach, describe, expect, it, vi } from 'vitest';
import { RollingOutcomes } from './stats.js';
import { reconnectDelayMs } from './backoff.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RollingOutcomes (true one-hour window, gap 11.1 #9 fixed)', () => {
  it('counts only the last hour and averages completed calls only', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const stats = new RollingOutcomes();
    stats.record('ended', 10);
    vi.advanceTimersByTime(10 * 60_000);
    stats.record('failed', 999);
    vi.advanceTimersByTime(20 * 60_000);
    stats.record('ended', 20);
    vi.advanceTimersByTime(29 * 60_000); // t = 59 min
    expect(stats.summary()).toEqual({ completed: 2, failed: 1, meanDurationS: 15 });
    vi.advanceTimersByTime(2 * 60_000); // t = 61 min: the first call left the window
    expect(stats.summary()).toEqual({ completed: 1, failed: 1, meanDurationS: 20 });
    vi.advanceTimersByTime(10 * 60_000); // t = 71 min
    expect(stats.summary()).toEqual({ completed: 1, failed: 0, meanDurationS: 20 });
    vi.advanceTimersByTime(60 * 60_000);
    expect(stats.summary()).toEqual({ completed: 0, failed: 0, meanDurationS: null });
  });
});

describe('reconnectDelayMs (spec 3.4)', () => {
  it('base = min(1 s * 2^(n-1), 30 s); delay = min(base * U(0.5, 1.5), 30 s)', () => {
    const low = () => 0;
    const mid = () => 0.5;
    const high = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelayMs(n, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(reconnectDelayMs(1, low)).toBe(500);
    expect(reconnectDelayMs(6, low)).toBe(15000);
    expect(reconnectDelayMs(4, high)).toBeCloseTo(12000, -1);
    expect(reconnectDelayMs(5, high)).toBeCloseTo(24000, -1);
    expect(reconnectDelayMs(6, high)).toBe(30000);
    expect(reconnectDelayMs(20, high)).toBe(30000);
  });
});
