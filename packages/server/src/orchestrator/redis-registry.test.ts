import type { JobAssignFrame } from '@unpod/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisPrefix, type RedisPrefix } from '@unpod/testkit/redis';
import { waitFor } from '@unpod/testkit/processes';
import { connectRedis, quitRedis } from '../cluster/redis.js';
import { RedisClusterBus } from '../cluster/redis-bus.js';
import type { AssignOutcome, RunnerLink, RunnerRegistration } from './registry.js';
import { RedisRunnerRegistry } from './redis-registry.js';
import { RemoteRunnerLink, RunnerLinkRouter } from './remote-links.js';

// The shared runner registry against the real Redis on 127.0.0.1:6379, with two or more
// "nodes" in this process (each its own connections, router and registry on one key prefix).

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

interface FakeLink extends RunnerLink {
  assigned: JobAssignFrame[];
  cancels: Array<{ jobId: string; reason: string }>;
  closes: Array<{ code: number; reason: string }>;
  answer: AssignOutcome;
}

function fakeLink(): FakeLink {
  const abort = new AbortController();
  const link: FakeLink = {
    closed: abort.signal,
    assigned: [],
    cancels: [],
    closes: [],
    answer: { kind: 'accepted' },
    assign: async (frame) => {
      link.assigned.push(frame);
      return link.answer;
    },
    cancel: (jobId, reason) => void link.cancels.push({ jobId, reason }),
    close: (code, reason) => {
      link.closes.push({ code, reason });
      abort.abort();
    },
  };
  return link;
}

function reg(workerId: string, overrides: Partial<RunnerRegistration> = {}): RunnerRegistration {
  return {
    spaceId: 'SPC_a',
    workerId,
    agentId: 'bot',
    pool: 'bot',
    dev: false,
    maxConcurrent: 2,
    dispatchable: true,
    placement: { hostname: 'h1', address: null, region: 'eu', deployment: null },
    link: fakeLink(),
    ...overrides,
  };
}

interface TestNode {
  nodeId: string;
  registry: RedisRunnerRegistry;
  router: RunnerLinkRouter;
}

let prefix: RedisPrefix;

async function node(nodeId: string, ttlMs = 30_000, p?: RedisPrefix): Promise<TestNode> {
  if (!p) {
    prefix ??= createRedisPrefix('reg');
  }
  const target = { url: (p ?? prefix).url, prefix: (p ?? prefix).prefix };
  const redis = await connectRedis(target, logger, nodeId);
  const bus = await RedisClusterBus.connect(target, logger, redis);
  const router = new RunnerLinkRouter(bus, nodeId, logger);
  await router.start();
  const registry = new RedisRunnerRegistry({ redis, prefix: target.prefix, nodeId, ttlMs, router, logger });
  cleanups.push(async () => {
    router.close();
    await bus.close();
    await quitRedis(redis);
  });
  return { nodeId, registry, router };
}

afterEach(async () => {
  if (prefix) await prefix.drop();
  prefix = undefined as unknown as RedisPrefix;
});

describe('RedisRunnerRegistry (real Redis)', () => {
  it('lists a registered runner on every node, with the node that holds its socket', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    await n1.registry.register(reg('w1'));
    const seen = await n2.registry.list('SPC_a', {});
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ worker_id: 'w1', agent_id: 'bot', pool: 'bot', max_concurrent: 2, in_flight: 0, has_capacity: true, node_id: 'n1', hostname: 'h1', region: 'eu' });
    expect(await n2.registry.list('SPC_a', { agent_id: 'other' })).toEqual([]);
    expect(await n2.registry.list('SPC_other', {})).toEqual([]);
  });

  it('never overbooks a capacity-1 runner under concurrent reservations from two nodes', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    await n1.registry.register(reg('w1', { maxConcurrent: 1 }));
    const attempts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? n1 : n2).registry.reserve('SPC_a', 'bot', new Set())),
    );
    const won = attempts.filter((r) => r !== null);
    expect(won).toHaveLength(1);
    won[0]!.release();
    const again = await Promise.all([n1.registry.reserve('SPC_a', 'bot', new Set()), n2.registry.reserve('SPC_a', 'bot', new Set())]);
    expect(again.filter((r) => r !== null)).toHaveLength(1);
  });

  it('hands out exactly the total capacity across runners and nodes, least loaded first', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const n3 = await node('n3');
    await n1.registry.register(reg('w1', { maxConcurrent: 3 }));
    await n2.registry.register(reg('w2', { maxConcurrent: 2 }));
    const nodes = [n1, n2, n3];
    const attempts = await Promise.all(Array.from({ length: 30 }, (_, i) => nodes[i % 3]!.registry.reserve('SPC_a', 'bot', new Set())));
    const won = attempts.filter((r) => r !== null);
    expect(won).toHaveLength(5);
    expect(won.filter((r) => r.workerId === 'w1')).toHaveLength(3);
    expect(won.filter((r) => r.workerId === 'w2')).toHaveLength(2);
    const listed = await n3.registry.list('SPC_a', {});
    expect(listed.map((w) => [w.worker_id, w.in_flight, w.has_capacity]).sort()).toEqual([
      ['w1', 3, false],
      ['w2', 2, false],
    ]);
  });

  it('spreads by utilisation and honours the exclude set', async () => {
    const n1 = await node('n1');
    await n1.registry.register(reg('w1', { maxConcurrent: 2 }));
    await n1.registry.register(reg('w2', { maxConcurrent: 2 }));
    const a = await n1.registry.reserve('SPC_a', 'bot', new Set());
    const b = await n1.registry.reserve('SPC_a', 'bot', new Set());
    expect(new Set([a!.workerId, b!.workerId])).toEqual(new Set(['w1', 'w2']));
    const c = await n1.registry.reserve('SPC_a', 'bot', new Set(['w1']));
    expect(c!.workerId).toBe('w2');
    expect(await n1.registry.reserve('SPC_a', 'bot', new Set(['w2']))).toMatchObject({ workerId: 'w1' });
    expect(await n1.registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
  });

  it('uses the dev pool only while no ordinary runner is live, and skips draining and serve runners', async () => {
    const n1 = await node('n1');
    const dev = reg('dev1', { pool: 'bot@dev', dev: true });
    await n1.registry.register(dev);
    await n1.registry.register(reg('legacy', { dispatchable: false }));
    expect((await n1.registry.reserve('SPC_a', 'bot', new Set()))!.workerId).toBe('dev1');
    const prod = reg('prod1');
    await n1.registry.register(prod);
    expect((await n1.registry.reserve('SPC_a', 'bot', new Set()))!.workerId).toBe('prod1');
    expect((await n1.registry.reserve('SPC_a', 'bot', new Set()))!.workerId).toBe('prod1');
    // prod1 is full but live: the dev runner still gets nothing.
    expect(await n1.registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
    expect(await n1.registry.heartbeat('SPC_a', 'prod1', prod.link, { activeJobs: 2, draining: true })).toBe(true);
    expect((await n1.registry.reserve('SPC_a', 'bot', new Set()))!.workerId).toBe('dev1');
  });

  it('refuses heartbeats from a link that no longer owns the entry; re-registering closes the old link on its node', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const first = reg('w1');
    await n1.registry.register(first);
    const second = reg('w1');
    await n2.registry.register(second);
    await waitFor('old link closed', async () => ((first.link as FakeLink).closes.length > 0 ? true : undefined));
    expect((first.link as FakeLink).closes[0]!.reason).toMatch(/replaced/);
    expect(await n1.registry.heartbeat('SPC_a', 'w1', first.link, { activeJobs: 0, draining: false })).toBe(false);
    expect(await n2.registry.heartbeat('SPC_a', 'w1', second.link, { activeJobs: 0, draining: false })).toBe(true);
    expect((await n1.registry.list('SPC_a', {}))[0]!.node_id).toBe('n2');
  });

  it('routes job.assign, the ack and job.cancel through the node holding the socket', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const r = reg('w1');
    await n1.registry.register(r);
    const held = await n2.registry.reserve('SPC_a', 'bot', new Set());
    expect(held!.link).toBeInstanceOf(RemoteRunnerLink);
    const frame: JobAssignFrame = {
      type: 'job.assign',
      job_id: 'job_1',
      call_id: 'call_1',
      agent_id: 'bot',
      bridge_url: 'ws://node-b.example/v1/internal/bridge/call_1',
      call_token: 'tok',
      assign_id: 'asg_1',
      deadline_ms: 2000,
      metadata: {},
    };
    expect(await held!.link.assign(frame, 2000)).toEqual({ kind: 'accepted' });
    expect((r.link as FakeLink).assigned).toEqual([frame]);
    (r.link as FakeLink).answer = { kind: 'rejected', reason: 'busy' };
    expect(await held!.link.assign({ ...frame, assign_id: 'asg_2' }, 2000)).toEqual({ kind: 'rejected', reason: 'busy' });
    held!.link.cancel('job_1', 'call ended');
    await waitFor('cancel forwarded', async () => ((r.link as FakeLink).cancels.length > 0 ? true : undefined));
    expect((r.link as FakeLink).cancels[0]).toEqual({ jobId: 'job_1', reason: 'call ended' });
  });

  it('a runner socket closing on its node closes the remote link on the others, failing pending assigns', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const r = reg('w1');
    let never: ((o: AssignOutcome) => void) | null = null;
    r.link.assign = () => new Promise<AssignOutcome>((resolve) => (never = resolve));
    await n1.registry.register(r);
    const held = await n2.registry.reserve('SPC_a', 'bot', new Set());
    const pending = held!.link.assign({ type: 'job.assign', job_id: 'j', call_id: 'c', agent_id: 'bot', bridge_url: 'ws://x/y', call_token: 't', assign_id: 'a', deadline_ms: 2000, metadata: {} }, 5_000);
    await waitFor('assign reached n1', async () => (never ? true : undefined));
    n1.registry.unregister('SPC_a', 'w1', r.link);
    r.link.close(1000, 'gone');
    expect(await pending).toEqual({ kind: 'closed' });
    expect(held!.link.closed.aborted).toBe(true);
    never!({ kind: 'accepted' });
  });

  it('a node declared dead fails its remote links at once, and new ones until it is back', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    await n1.registry.register(reg('w1'));
    const held = await n2.registry.reserve('SPC_a', 'bot', new Set());
    n2.router.nodeLost('n1');
    expect(held!.link.closed.aborted).toBe(true);
    const during = await n2.registry.reserve('SPC_a', 'bot', new Set());
    expect(during!.link.closed.aborted).toBe(true);
    n2.router.nodeBack('n1');
    const after = await n2.registry.reserve('SPC_a', 'bot', new Set());
    expect(after).toBeNull(); // w1 (capacity 2) is full: `held` and `during` were never released
    during!.release();
    const back = await n2.registry.reserve('SPC_a', 'bot', new Set());
    expect(back!.link.closed.aborted).toBe(false);
    expect(await held!.link.assign({ type: 'job.assign', job_id: 'j', call_id: 'c', agent_id: 'bot', bridge_url: 'ws://x/y', call_token: 't', assign_id: 'a', deadline_ms: 2000, metadata: {} }, 1000)).toEqual({ kind: 'closed' });
  });

  it('releaseNode frees every slot a node held, and only those', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    await n1.registry.register(reg('w1', { maxConcurrent: 4 }));
    await n1.registry.reserve('SPC_a', 'bot', new Set());
    await n1.registry.reserve('SPC_a', 'bot', new Set());
    await n2.registry.reserve('SPC_a', 'bot', new Set());
    expect((await n1.registry.list('SPC_a', {}))[0]!.in_flight).toBe(3);
    expect(await n2.registry.releaseNode('n1')).toBe(2);
    expect((await n1.registry.list('SPC_a', {}))[0]!.in_flight).toBe(1);
  });

  it('a reservation is released once, even when release is called twice', async () => {
    const n1 = await node('n1');
    await n1.registry.register(reg('w1', { maxConcurrent: 2 }));
    const a = await n1.registry.reserve('SPC_a', 'bot', new Set());
    await n1.registry.reserve('SPC_a', 'bot', new Set());
    a!.release();
    a!.release();
    await waitFor('one slot free', async () => ((await n1.registry.list('SPC_a', {}))[0]!.in_flight === 1 ? true : undefined));
    expect(await n1.registry.reserve('SPC_a', 'bot', new Set())).not.toBeNull();
    expect(await n1.registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
  });

  it('an entry without heartbeats expires: gone from Redis and its link closed', async () => {
    const n1 = await node('n1', 300);
    const r = reg('w1');
    await n1.registry.register(r);
    await new Promise<void>((resolve) => r.link.closed.addEventListener('abort', () => resolve()));
    expect((r.link as FakeLink).closes[0]!.reason).toMatch(/expired/);
    await waitFor('entry expired in Redis', async () => ((await n1.registry.list('SPC_a', {})).length === 0 ? true : undefined));
    expect(await n1.registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
  });

  it('close() removes this node\'s entries and closes their links', async () => {
    const n1 = await node('n1');
    const n2 = await node('n2');
    const mine = reg('w1');
    await n1.registry.register(mine);
    await n2.registry.register(reg('w2'));
    await n1.registry.close(1001, 'server is shutting down');
    expect((mine.link as FakeLink).closes).toEqual([{ code: 1001, reason: 'server is shutting down' }]);
    expect((await n2.registry.list('SPC_a', {})).map((w) => w.worker_id)).toEqual(['w2']);
  });

  it('prefixes keep clusters apart', async () => {
    const n1 = await node('n1');
    const other = createRedisPrefix('reg');
    cleanups.push(() => other.drop());
    const stranger = await node('n1', 30_000, other);
    await n1.registry.register(reg('w1'));
    expect(await stranger.registry.list('SPC_a', {})).toEqual([]);
    expect(await stranger.registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
  });
});
