import { describe, expect, it } from 'vitest';
import { TrunkDirectory } from './trunk-directory.js';
import { trunk } from './testing/fixtures.js';
import type { TelephonyTrunk } from './trunk-matcher.js';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('trunk directory', () => {
  it('serves cached trunks while they are fresh', async () => {
    let now = 0;
    let loads = 0;
    const dir = new TrunkDirectory({ load: async () => (loads++, [trunk({ source_ips: ['127.0.0.1'] })]), maxAgeMs: 1000, nowMs: () => now });
    await dir.candidates('127.0.0.1');
    now = 500;
    await dir.candidates('127.0.0.1');
    expect(loads).toBe(1);
    now = 2000;
    await dir.candidates('127.0.0.1');
    expect(loads).toBe(2);
  });

  it('reloads on a miss, so a trunk created just before the INVITE is found', async () => {
    let now = 0;
    let trunks: TelephonyTrunk[] = [];
    const dir = new TrunkDirectory({ load: async () => trunks, maxAgeMs: 60_000, nowMs: () => now });
    expect((await dir.candidates('127.0.0.1')).bySource).toEqual([]);
    trunks = [trunk({ source_ips: ['127.0.0.1'] })];
    now = 1;
    expect((await dir.candidates('127.0.0.1')).bySource).toHaveLength(1);
  });

  it('a flood of misses runs one load at a time, with one more queued behind it', async () => {
    let now = 0;
    const loads: Array<(t: TelephonyTrunk[]) => void> = [];
    const dir = new TrunkDirectory({
      load: () => {
        const d = deferred<TelephonyTrunk[]>();
        loads.push(d.resolve);
        return d.promise;
      },
      maxAgeMs: 60_000,
      nowMs: () => now,
    });
    const settle = () => new Promise((r) => setTimeout(r, 0));
    const first = dir.candidates('192.0.2.1');
    await settle();
    loads[0]!([]); // the cold load: no trunk, so the miss reloads
    await settle();
    expect(loads).toHaveLength(2);
    now = 10;
    const flood = Array.from({ length: 50 }, () => dir.candidates('192.0.2.1'));
    await settle();
    expect(loads).toHaveLength(2); // all 50 wait for the one load queued behind the running one
    loads[1]!([]);
    await first;
    await settle();
    expect(loads).toHaveLength(3);
    loads[2]!([]);
    const results = await Promise.all(flood);
    expect(results.every((r) => r.bySource.length === 0 && r.byDigest.length === 0)).toBe(true);
    expect(loads).toHaveLength(3);
  });
});
