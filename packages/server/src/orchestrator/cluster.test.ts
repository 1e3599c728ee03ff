import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgSchema } from '@unpod/testkit/postgres';
import { waitFor } from '@unpod/testkit/processes';
import { createRedisPrefix, type RedisPrefix } from '@unpod/testkit/redis';
import type { BusMessage } from '../cluster/bus.js';
import { InProcessClusterBus } from '../cluster/bus.js';
import { RedisClusterBus } from '../cluster/redis-bus.js';
import { loadConfig } from '../config.js';
import { UnpodServer } from '../server.js';

// Whole nodes in this process, sharing a real PostgreSQL schema and a real Redis prefix.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

interface Shared {
  pgUrl: string;
  redis: RedisPrefix;
}

async function shared(): Promise<Shared> {
  const pg = await createPgSchema('clu');
  const redis = createRedisPrefix('clu');
  cleanups.push(async () => {
    await redis.drop();
    await pg.drop();
  });
  return { pgUrl: pg.url, redis };
}

async function node(s: Shared, nodeId: string, nodeTtlMs = 30_000): Promise<UnpodServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-clu-'));
  const config = loadConfig(
    { port: 0, dataDir, nodeId, databaseUrl: s.pgUrl, redisUrl: s.redis.url, logLevel: 'silent', sipPort: 'off' },
    { UNPOD_REDIS_PREFIX: s.redis.prefix, UNPOD_NODE_TTL_MS: String(nodeTtlMs) },
  );
  const server = await UnpodServer.start(config, { writeRuntimeFile: false });
  cleanups.push(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return server;
}

describe('nodes of one cluster (in process, real PostgreSQL and Redis)', () => {
  it('exposes a Redis bus when clustered and an in-process bus when alone', async () => {
    const s = await shared();
    const a = await node(s, 'a');
    expect(a.orchestrator.bus).toBeInstanceOf(RedisClusterBus);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-clu-'));
    const alone = await UnpodServer.start(loadConfig({ port: 0, dataDir, logLevel: 'silent', sipPort: 'off' }, {}), { writeRuntimeFile: false });
    cleanups.push(async () => {
      await alone.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    expect(alone.orchestrator.bus).toBeInstanceOf(InProcessClusterBus);
  });

  it('fans a message published on node B out to a subscriber on node A (live events)', async () => {
    const s = await shared();
    const a = await node(s, 'a');
    const b = await node(s, 'b');
    const got = new Promise<BusMessage>((resolve) => void a.orchestrator.bus.subscribe('live.calls', (m) => resolve(m)).then(() => b.orchestrator.bus.publish('live.calls', { type: 'call.started', node_id: 'b' })));
    expect(await got).toEqual({ type: 'call.started', node_id: 'b' });
  });

  it('announces each node with its public URL, and a clean stop leaves without being swept', async () => {
    const s = await shared();
    const a = await node(s, 'a');
    const b = await node(s, 'b');
    const redis = new Redis(s.redis.url);
    cleanups.push(async () => void redis.disconnect());
    expect(JSON.parse((await redis.get(`${s.redis.prefix}node:a`))!)).toMatchObject({ node_id: 'a', url: a.url });
    expect((await redis.smembers(`${s.redis.prefix}nodes`)).sort()).toEqual(['a', 'b']);
    await b.close();
    expect(await redis.smembers(`${s.redis.prefix}nodes`)).toEqual(['a']);
    expect(await redis.exists(`${s.redis.prefix}node:b`)).toBe(0);
  });

  it('a survivor ends the unfinished calls of a node whose heartbeat expired, keeping their transcript', async () => {
    const s = await shared();
    const a = await node(s, 'a', 600);
    const { space } = await a.store.spaces.ensure('sweep-space');
    const common = { pipe_id: null, agent_id: 'bot', direction: 'inbound' as const, transport: 'text' as const, from_number: null, to_number: null, instructions: null, data: {} };
    const orphan = await a.store.calls.create(space.id, { ...common, node_id: 'ghost' });
    await a.store.calls.appendTurn(orphan.id, { seq: 1, role: 'user', text: 'said before the crash', interrupted: false, heard_text: null });
    const finished = await a.store.calls.create(space.id, { ...common, node_id: 'ghost' });
    await a.store.calls.finish(finished.id, 'user_hangup');
    const elsewhere = await a.store.calls.create(space.id, { ...common, node_id: 'a' });
    // What a SIGKILLed node leaves behind once its key expired: a member with no live key.
    const redis = new Redis(s.redis.url);
    cleanups.push(async () => void redis.disconnect());
    await redis.sadd(`${s.redis.prefix}nodes`, 'ghost');
    const ended = await waitFor('orphan call ended', async () => {
      const call = await a.store.calls.get(space.id, orphan.id);
      return call && call.status === 'failed' ? call : undefined;
    });
    expect(ended.end_reason).toBe('server_shutdown');
    expect(ended.error).toMatchObject({ code: 'node_lost' });
    expect((await a.store.calls.transcript(orphan.id)).map((t) => t.text)).toEqual(['said before the crash']);
    expect((await a.store.calls.get(space.id, finished.id))!.end_reason).toBe('user_hangup');
    expect((await a.store.calls.get(space.id, elsewhere.id))!.status).toBe('pending');
    expect(await redis.sismember(`${s.redis.prefix}nodes`, 'ghost')).toBe(0);
  });
});
