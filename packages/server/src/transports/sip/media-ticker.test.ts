import { describe, expect, it } from 'vitest';
import type { MediaClock } from '@unpod/sip';
import { MediaTicker } from './media-ticker.js';

/** A clock whose timers fire only when the test advances time. */
function fakeClock(): MediaClock & { advance(ms: number): void } {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let nextId = 1;
  return {
    nowMs: () => now,
    wallClockMs: () => now,
    setTimer: (fn, delayMs) => {
      const id = nextId++;
      timers.set(id, { at: now + delayMs, fn });
      return id;
    },
    clearTimer: (id) => void timers.delete(id as number),
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
  };
}

describe('media ticker', () => {
  it('ticks every subscriber once per frame, against the start time', () => {
    const clock = fakeClock();
    const ticker = new MediaTicker({ clock, slots: 1 });
    const a: number[] = [];
    const b: number[] = [];
    ticker.add({ tick: (now) => a.push(now) });
    ticker.add({ tick: (now) => b.push(now) });
    clock.advance(100);
    expect(a).toEqual([20, 40, 60, 80, 100]);
    expect(b).toEqual(a);
  });

  it('stops its timer when the last subscriber leaves and restarts on the next', () => {
    const clock = fakeClock();
    const ticker = new MediaTicker({ clock, slots: 1 });
    const seen: number[] = [];
    const off = ticker.add({ tick: (now) => seen.push(now) });
    clock.advance(40);
    off();
    clock.advance(100);
    expect(seen).toEqual([20, 40]);
    ticker.add({ tick: (now) => seen.push(now) });
    clock.advance(20);
    expect(seen).toEqual([20, 40, 160]);
  });

  it('skips ticks after a long stall instead of bursting them, and counts them', () => {
    let now = 0;
    let pending: (() => void) | null = null;
    const clock: MediaClock = { nowMs: () => now, wallClockMs: () => now, setTimer: (fn) => (pending = fn), clearTimer: () => (pending = null) };
    const ticker = new MediaTicker({ clock, maxLagMs: 100, slots: 1 });
    const ticks: Array<[number, number]> = [];
    ticker.add({ tick: (t, late) => ticks.push([t, late]) });
    now = 500; // the event loop was blocked for half a second
    pending!();
    expect(ticks).toHaveLength(1);
    expect(ticker.skippedTicks).toBeGreaterThan(0);
    expect(ticks[0]![1]).toBeLessThan(20);
  });

  it('spreads subscribers over the slots of a frame, each still ticking once per frame', () => {
    const clock = fakeClock();
    const ticker = new MediaTicker({ clock, slots: 4 });
    const seen: number[][] = [[], [], [], [], []];
    for (let i = 0; i < 5; i++) ticker.add({ tick: (now) => seen[i]!.push(now) });
    clock.advance(40);
    // Slots are 5 ms apart; the fifth subscriber shares the least busy slot with the first.
    expect(seen.map((s) => s.length)).toEqual([2, 2, 2, 2, 2]);
    expect(seen[0]).toEqual([20, 40]);
    expect(seen[1]).toEqual([5, 25]);
    expect(seen[3]).toEqual([15, 35]);
    expect(seen[4]).toEqual(seen[0]);
  });

  it('drops a subscriber that throws and reports it', () => {
    const clock = fakeClock();
    const errors: unknown[] = [];
    const ticker = new MediaTicker({ clock, onError: (e) => errors.push(e), slots: 1 });
    let good = 0;
    ticker.add({
      tick: () => {
        throw new Error('boom');
      },
    });
    ticker.add({ tick: () => good++ });
    clock.advance(60);
    expect(errors).toHaveLength(1);
    expect(good).toBe(3);
  });
});
