import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@unpod/testkit/processes';
import { createRedisPrefix, type RedisPrefix } from '@unpod/testkit/redis';
import { NodeMembership, type MembershipOptions } from './membership.js';

// Node liveness against the real Redis. Deaths are staged by writing a member with no live key
// (what a SIGKILLed node leaves once its key expired), so nothing waits on wall-clock TTLs.

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function setup(): Promise<{ p: RedisPrefix; redis: Redis }> {
  const p = createRedisPrefix('mem');
  const redis = new Redis(p.url);
  cleanups.push(async () => {
    await p.drop();
    redis.disconnect();
  });
  return { p, redis };
}

function member(p: RedisPrefix, redis: Redis, nodeId: string, extra: Partial<MembershipOptions> = {}): NodeMembership {
  const m = new NodeMembership({ redis, prefix: p.prefix, nodeId, publicUrl: () => `http://${nodeId}.example:7700`, ttlMs: 30_000, logger, ...extra });
  cleanups.push(() => m.leave());
  return m;
}

describe('NodeMembership (real Redis)', () => {
  it('publishes each node with its URL and start time', async () => {
    const { p, redis } = await setup();
    await member(p, redis, 'a').start();
    await member(p, redis, 'b').start();
    const nodes = await member(p, redis, 'c').members();
    expect(nodes.map((n) => [n.node_id, n.url]).sort()).toEqual([
      ['a', 'http://a.example:7700'],
      ['b', 'http://b.example:7700'],
    ]);
    expect(Number.isNaN(Date.parse(nodes[0]!.started_at))).toBe(false);
    expect(await redis.pttl(`${p.prefix}node:a`)).toBeGreaterThan(0);
  });

  it('a dead node is reported to every survivor and swept by exactly one', async () => {
    const { p, redis } = await setup();
    await redis.sadd(`${p.prefix}nodes`, 'ghost');
    const downs: string[] = [];
    const sweeps: string[] = [];
    const survivors = ['s1', 's2', 's3'].map((id) =>
      member(p, redis, id, {
        onNodeDown: (dead) => downs.push(`${id}:${dead}`),
        onSweep: async (dead) => void sweeps.push(`${id}:${dead}`),
      }),
    );
    await Promise.all(survivors.map((s) => s.start()));
    expect(downs.sort()).toEqual(['s1:ghost', 's2:ghost', 's3:ghost']);
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]).toMatch(/:ghost$/);
    expect(await redis.sismember(`${p.prefix}nodes`, 'ghost')).toBe(0);
    expect(await redis.exists(`${p.prefix}sweep:ghost`)).toBe(0);
  });

  it('a node reported down and then heartbeating again is reported up', async () => {
    const { p, redis } = await setup();
    const events: string[] = [];
    // A survivor that sees 'x' down, but whose sweep claim is held by another survivor.
    await redis.sadd(`${p.prefix}nodes`, 'x');
    await redis.set(`${p.prefix}sweep:x`, 'other', 'PX', 30_000);
    const s = member(p, redis, 's', { ttlMs: 600, onNodeDown: (id) => events.push(`down:${id}`), onNodeUp: (id) => events.push(`up:${id}`) });
    await s.start();
    expect(events).toEqual(['down:x']);
    await member(p, redis, 'x').start();
    await waitFor('x reported up', async () => (events.includes('up:x') ? true : undefined), 10_000);
    expect(events).toEqual(['down:x', 'up:x']);
  });

  it('a node that finds its own key expired says so (others may have ended its calls)', async () => {
    const { p, redis } = await setup();
    const lines: string[] = [];
    const captured = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    await member(p, redis, 'slow', { ttlMs: 600, logger: captured }).start();
    expect(lines).toEqual([]);
    await redis.del(`${p.prefix}node:slow`);
    await waitFor('missed heartbeat logged', async () => (lines.some((l) => l.includes('missed its heartbeat window')) ? true : undefined), 10_000);
  });

  it('a node that leaves cleanly is not treated as dead', async () => {
    const { p, redis } = await setup();
    const a = member(p, redis, 'a');
    await a.start();
    await a.leave();
    const downs: string[] = [];
    await member(p, redis, 'b', { onNodeDown: (d) => downs.push(d) }).start();
    expect(downs).toEqual([]);
    expect(await redis.smembers(`${p.prefix}nodes`)).toEqual(['b']);
  });

  it('a failed sweep is retried by the next check (the member stays listed)', async () => {
    const { p, redis } = await setup();
    await redis.sadd(`${p.prefix}nodes`, 'ghost');
    let failures = 1;
    const swept: string[] = [];
    const s = member(p, redis, 's', {
      onSweep: async (dead) => {
        if (failures-- > 0) throw new Error('database down');
        swept.push(dead);
      },
    });
    await s.start();
    expect(await redis.sismember(`${p.prefix}nodes`, 'ghost')).toBe(1);
    await member(p, redis, 't', { onSweep: async (dead) => void swept.push(dead) }).start();
    expect(swept).toEqual(['ghost']);
  });
});
