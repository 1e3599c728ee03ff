import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSpeechError } from '../contracts/errors.js';
import { ResourcePool } from './resource-pool.js';

function makePool(options: { minSize?: number; maxSize?: number; acquireTimeoutMs?: number } = {}) {
  let made = 0;
  const destroyed: number[] = [];
  const pool = new ResourcePool(
    async () => ++made,
    (r: number) => destroyed.push(r),
    { name: 'thing', ...options },
  );
  return { pool, destroyed, made: () => made };
}

describe('ResourcePool', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pre-creates minSize resources on warm()', async () => {
    const { pool, made } = makePool({ minSize: 2, maxSize: 3 });
    await pool.warm();
    expect(made()).toBe(2);
    expect(pool.stats).toMatchObject({ size: 2, idle: 2, busy: 0 });
  });

  it('grows lazily up to maxSize, then queues callers', async () => {
    const { pool } = makePool({ minSize: 0, maxSize: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(pool.stats).toMatchObject({ size: 2, busy: 2 });
    const waiting = pool.acquire();
    await Promise.resolve();
    expect(pool.stats.waiting).toBe(1);
    a.release();
    expect((await waiting).resource).toBe(a.resource);
    b.release();
  });

  it('fails a queued caller with retryable unavailable after acquireTimeoutMs', async () => {
    const { pool } = makePool({ minSize: 0, maxSize: 1, acquireTimeoutMs: 500 });
    const held = await pool.acquire();
    const waiting = pool.acquire().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(499);
    expect(pool.stats.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const err = await waiting;
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
    expect(pool.stats.waiting).toBe(0);
    held.release();
  });

  it('removes a queued caller whose signal aborts', async () => {
    const { pool } = makePool({ minSize: 0, maxSize: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal).catch((e: unknown) => e);
    controller.abort();
    expect(isSpeechError(await waiting, 'aborted')).toBe(true);
    expect(pool.stats.waiting).toBe(0);
    held.release();
    expect(pool.stats.idle).toBe(1);
  });

  it('destroys a resource released as broken and creates a replacement for the next caller', async () => {
    const { pool, destroyed } = makePool({ minSize: 0, maxSize: 1 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    held.release({ broken: true });
    expect(destroyed).toEqual([1]);
    expect((await waiting).resource).toBe(2);
  });

  it('close() destroys idle resources and fails waiters', async () => {
    const { pool, destroyed } = makePool({ minSize: 0, maxSize: 1 });
    const held = await pool.acquire();
    const waiting = pool.acquire().catch((e: unknown) => e);
    pool.close();
    expect(isSpeechError(await waiting, 'unavailable')).toBe(true);
    held.release();
    expect(destroyed).toEqual([1]);
  });

  it('rejects impossible sizes', () => {
    expect(() => makePool({ minSize: 3, maxSize: 2 })).toThrow(RangeError);
    expect(() => makePool({ maxSize: 0 })).toThrow(RangeError);
  });
});
