import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisPrefix, type RedisPrefix } from '@unpod/testkit/redis';
import { InProcessClusterBus, type BusMessage, type ClusterBus } from './bus.js';
import { RedisClusterBus } from './redis-bus.js';

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function nextMessage(bus: ClusterBus, channel: string): Promise<{ unsubscribe: () => void; message: Promise<BusMessage> }> {
  let resolve!: (m: BusMessage) => void;
  const message = new Promise<BusMessage>((r) => (resolve = r));
  return bus.subscribe(channel, (m) => resolve(m)).then((unsubscribe) => ({ unsubscribe, message }));
}

async function redisPrefix(): Promise<RedisPrefix> {
  const p = createRedisPrefix('bus');
  cleanups.push(() => p.drop());
  return p;
}

async function redisBus(p: RedisPrefix): Promise<RedisClusterBus> {
  const bus = await RedisClusterBus.connect({ url: p.url, prefix: p.prefix }, logger);
  cleanups.push(() => bus.close());
  return bus;
}

describe('InProcessClusterBus', () => {
  it('delivers a copy after publish returns, to every subscriber of the channel only', async () => {
    const bus = new InProcessClusterBus();
    const got: Array<[string, BusMessage]> = [];
    await bus.subscribe('a', (m, ch) => got.push([ch, m]));
    await bus.subscribe('a', (m, ch) => got.push([ch, m]));
    await bus.subscribe('b', (m, ch) => got.push([ch, m]));
    const sent = { n: 1 };
    const publishing = bus.publish('a', sent);
    expect(got).toHaveLength(0);
    await publishing;
    await new Promise<void>((r) => setImmediate(r));
    expect(got).toEqual([['a', { n: 1 }], ['a', { n: 1 }]]);
    expect(got[0]![1]).not.toBe(sent);
  });

  it('stops delivering after unsubscribe and close; a throwing handler does not stop the others', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessClusterBus((err) => errors.push(err));
    const got: number[] = [];
    await bus.subscribe('c', () => {
      throw new Error('boom');
    });
    const off = await bus.subscribe('c', (m) => got.push(m.n as number));
    await bus.publish('c', { n: 1 });
    await new Promise<void>((r) => setImmediate(r));
    off();
    await bus.publish('c', { n: 2 });
    await new Promise<void>((r) => setImmediate(r));
    expect(got).toEqual([1]);
    expect(errors).toHaveLength(2);
    await bus.close();
    await expect(bus.publish('c', {})).rejects.toThrow(/closed/);
  });

  it('refuses invalid channel names with a clear error', async () => {
    const bus = new InProcessClusterBus();
    await expect(bus.publish('has space', {})).rejects.toThrow(/invalid bus channel/);
    await expect(bus.subscribe('', () => undefined)).rejects.toThrow(/invalid bus channel/);
  });
});

describe('RedisClusterBus (real Redis)', () => {
  it('carries JSON messages between two nodes on the same prefix', async () => {
    const p = await redisPrefix();
    const a = await redisBus(p);
    const b = await redisBus(p);
    const onB = await nextMessage(b, 'live.calls');
    await a.publish('live.calls', { call_id: 'c1', nested: { ok: true } });
    expect(await onB.message).toEqual({ call_id: 'c1', nested: { ok: true } });
  });

  it('isolates prefixes: a bus on another prefix hears nothing', async () => {
    const p1 = await redisPrefix();
    const p2 = await redisPrefix();
    const a = await redisBus(p1);
    const other = await redisBus(p2);
    const heard: BusMessage[] = [];
    await other.subscribe('x', (m) => heard.push(m));
    const same = await nextMessage(a, 'x');
    await a.publish('x', { n: 1 });
    await same.message;
    // `other` subscribed before the publish; Redis delivers in order per connection, so a probe
    // published afterwards on p2 arrives after anything p1 could have leaked.
    const probe = await nextMessage(other, 'x');
    await other.publish('x', { probe: true });
    await probe.message;
    expect(heard).toEqual([{ probe: true }]);
  });

  it('drops a published payload that is not a JSON object, and keeps delivering', async () => {
    const p = await redisPrefix();
    const a = await redisBus(p);
    const heard: BusMessage[] = [];
    await a.subscribe('y', (m) => heard.push(m));
    const raw = new Redis(p.url);
    cleanups.push(async () => void raw.disconnect());
    await raw.publish(`${p.prefix}bus:y`, 'not json');
    await raw.publish(`${p.prefix}bus:y`, '[1,2]');
    const next = await nextMessage(a, 'y');
    await a.publish('y', { fine: 1 });
    await next.message;
    expect(heard).toEqual([{ fine: 1 }]);
  });

  it('stops delivery after unsubscribe', async () => {
    const p = await redisPrefix();
    const a = await redisBus(p);
    const heard: BusMessage[] = [];
    const off = await a.subscribe('z', (m) => heard.push(m));
    const keep = await nextMessage(a, 'z');
    off();
    await a.publish('z', { n: 1 });
    await keep.message;
    expect(heard).toEqual([]);
  });
});
