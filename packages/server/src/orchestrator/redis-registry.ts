import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { WorkerView } from '@unpod/protocol';
import type { Logger } from '../logger.js';
import type { RunnerLink, RunnerRegistration, RunnerRegistry, Reservation } from './registry.js';
import { HEARTBEAT_LUA, REGISTER_LUA, RELEASE_LUA, RELEASE_NODE_LUA, RESERVE_LUA, UNREGISTER_LUA } from './redis-scripts.js';
import type { RunnerLinkRouter } from './remote-links.js';

export interface RedisRegistryOptions {
  redis: Redis;
  /** Key prefix shared by the cluster (e.g. `unpod:`). */
  prefix: string;
  nodeId: string;
  /** An entry lives this long after its register or last heartbeat. */
  ttlMs: number;
  /** Reaches runners whose control socket another node holds. */
  router: RunnerLinkRouter;
  logger: Logger;
  now?: () => number;
}

interface LocalEntry {
  conn: string;
  spaceId: string;
  workerId: string;
  timer: NodeJS.Timeout;
}

type ScriptName = 'register' | 'heartbeat' | 'unregister' | 'reserve' | 'release' | 'releaseNode';
const SCRIPTS: Record<ScriptName, { keys: number; lua: string }> = {
  register: { keys: 3, lua: REGISTER_LUA },
  heartbeat: { keys: 1, lua: HEARTBEAT_LUA },
  unregister: { keys: 1, lua: UNREGISTER_LUA },
  reserve: { keys: 3, lua: RESERVE_LUA },
  release: { keys: 2, lua: RELEASE_LUA },
  releaseNode: { keys: 1, lua: RELEASE_NODE_LUA },
};

/**
 * The runner registry shared by every node through Redis (layout in redis-scripts.ts). The same
 * routing rules as `InMemoryRunnerRegistry`; the differences:
 * - Entries expire in Redis (`PEXPIRE`, refreshed by heartbeats), so a dead node's runners
 *   vanish from every node's view; the owning node also closes a local link whose entry lapsed.
 * - Reservation is one Lua script: choose and count a slot atomically, so concurrent dispatches
 *   on different nodes can never overbook a runner.
 * - Each reservation is recorded under the node that made it, so a survivor can release a dead
 *   node's slots (`releaseNode`).
 */
export class RedisRunnerRegistry implements RunnerRegistry {
  private readonly local = new Map<RunnerLink, LocalEntry>();
  private readonly byConn = new Map<string, RunnerLink>();
  private readonly now: () => number;
  private readonly incarnation = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(private readonly options: RedisRegistryOptions) {
    this.now = options.now ?? Date.now;
    for (const [name, s] of Object.entries(SCRIPTS)) options.redis.defineCommand(`unpod_${name}`, { numberOfKeys: s.keys, lua: s.lua });
  }

  private run(name: ScriptName, ...args: Array<string | number>): Promise<unknown> {
    const fn = (this.options.redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[`unpod_${name}`]!;
    return fn.apply(this.options.redis, args);
  }

  private key(kind: string, ...parts: string[]): string {
    return `${this.options.prefix}${kind}:${parts.join(':')}`;
  }

  async register(reg: RunnerRegistration): Promise<void> {
    const { nodeId, ttlMs, router, logger } = this.options;
    const conn = `${nodeId}.${randomBytes(8).toString('hex')}`;
    const entry: LocalEntry = { conn, spaceId: reg.spaceId, workerId: reg.workerId, timer: setTimeout(() => this.expire(reg.link, entry), ttlMs) };
    entry.timer.unref();
    this.local.set(reg.link, entry);
    this.byConn.set(conn, reg.link);
    router.addLocal(conn, reg.link);
    reg.link.closed.addEventListener('abort', () => this.forget(reg.link, entry), { once: true });
    const now = String(this.now());
    const previous = (await this.run(
      'register',
      this.key('runner', reg.spaceId, reg.workerId),
      this.key('agent', reg.spaceId, reg.agentId),
      this.key('space', reg.spaceId),
      reg.workerId,
      nodeId,
      conn,
      ttlMs,
      ...['agent', reg.agentId, 'pool', reg.pool, 'dev', reg.dev ? '1' : '0', 'max', String(reg.maxConcurrent)],
      ...['disp', reg.dispatchable ? '1' : '0', 'drain', '0', 'placement', JSON.stringify(reg.placement)],
      ...['connected', now, 'seen', now, 'jobs', '0', 'last', '0'],
    )) as string[];
    if (previous.length === 2 && previous[1] !== conn) {
      const [prevNode, prevConn] = previous as [string, string];
      logger.info({ worker_id: reg.workerId, space_id: reg.spaceId, previous_node: prevNode }, 'runner re-registered; previous connection replaced');
      const reason = 'replaced by a newer connection with the same worker_id';
      if (prevNode === nodeId) {
        const old = this.byConn.get(prevConn);
        if (old && old !== reg.link) old.close(1000, reason);
      } else {
        router.link(prevNode, prevConn).close(1000, reason);
      }
    }
  }

  async heartbeat(spaceId: string, workerId: string, link: RunnerLink, beat: { activeJobs: number; draining: boolean }): Promise<boolean> {
    const entry = this.local.get(link);
    if (!entry || entry.spaceId !== spaceId || entry.workerId !== workerId) return false;
    const owned = (await this.run('heartbeat', this.key('runner', spaceId, workerId), entry.conn, this.options.ttlMs, beat.activeJobs, beat.draining ? '1' : '0', this.now())) === 1;
    if (owned) entry.timer.refresh();
    return owned;
  }

  unregister(spaceId: string, workerId: string, link: RunnerLink): void {
    const entry = this.local.get(link);
    if (!entry || entry.spaceId !== spaceId || entry.workerId !== workerId) return;
    this.forget(link, entry);
    this.run('unregister', this.key('runner', spaceId, workerId), entry.conn).catch((err: unknown) =>
      this.options.logger.warn({ err, worker_id: workerId }, 'runner entry not removed from Redis (it expires with its TTL)'),
    );
  }

  async reserve(spaceId: string, agentId: string, exclude: ReadonlySet<string>): Promise<Reservation | null> {
    const { nodeId, prefix, router } = this.options;
    const rid = `${nodeId}.${this.incarnation}.${++this.seq}`;
    const picked = (await this.run(
      'reserve',
      this.key('agent', spaceId, agentId),
      `${prefix}clock`,
      this.key('nres', nodeId),
      prefix,
      spaceId,
      agentId,
      rid,
      nodeId,
      ...exclude,
    )) as string[];
    if (picked.length !== 3) return null;
    const [workerId, owner, conn] = picked as [string, string, string];
    const loadKey = this.key('load', spaceId, workerId);
    const nres = this.key('nres', nodeId);
    let released = false;
    return {
      spaceId,
      workerId,
      link: router.link(owner, conn),
      release: () => {
        if (released) return;
        released = true;
        this.run('release', loadKey, nres, rid).catch((err: unknown) =>
          this.options.logger.error({ err, worker_id: workerId }, 'runner slot not released in Redis; it is freed when this node leaves'),
        );
      },
    };
  }

  async list(spaceId: string, filter: { agent_id?: string | undefined }): Promise<WorkerView[]> {
    const { redis } = this.options;
    const spaceKey = this.key('space', spaceId);
    const workers = await redis.smembers(spaceKey);
    const rows = await Promise.all(
      workers.map(async (w) => {
        const [fields, inFlight] = await Promise.all([redis.hgetall(this.key('runner', spaceId, w)), redis.hlen(this.key('load', spaceId, w))]);
        return { w, fields, inFlight };
      }),
    );
    const now = this.now();
    const out: WorkerView[] = [];
    for (const { w, fields: f, inFlight } of rows) {
      if (!f.agent) {
        await redis.srem(spaceKey, w);
        continue;
      }
      if (filter.agent_id !== undefined && f.agent !== filter.agent_id) continue;
      const placement = JSON.parse(f.placement ?? '{}') as Partial<Record<'hostname' | 'address' | 'region' | 'deployment', string | null>>;
      const max = Number(f.max);
      const draining = f.drain === '1';
      out.push({
        worker_id: w,
        agent_id: f.agent,
        pool: f.pool ?? f.agent,
        max_concurrent: max,
        in_flight: inFlight,
        active_jobs: Number(f.jobs ?? 0),
        has_capacity: f.disp === '1' && !draining && inFlight < max,
        draining,
        last_heartbeat_age_s: Math.max(0, Math.round((now - Number(f.seen)) / 100) / 10),
        connected_at: new Date(Number(f.connected)).toISOString(),
        hostname: placement.hostname ?? null,
        address: placement.address ?? null,
        region: placement.region ?? null,
        deployment: placement.deployment ?? null,
        node_id: f.node ?? '',
      });
    }
    return out;
  }

  /** Release every slot `nodeId` held (a dead node, or this node's previous run). Returns how many. */
  async releaseNode(nodeId: string): Promise<number> {
    return Number(await this.run('releaseNode', this.key('nres', nodeId)));
  }

  /** Remove this node's entries from Redis, then close their links with `code`. */
  async close(code: number, reason: string): Promise<void> {
    const entries = [...this.local];
    await Promise.all(
      entries.map(([, e]) => this.run('unregister', this.key('runner', e.spaceId, e.workerId), e.conn).catch(() => undefined)),
    );
    for (const [link, e] of entries) {
      this.forget(link, e);
      link.close(code, reason);
    }
  }

  private forget(link: RunnerLink, entry: LocalEntry): void {
    clearTimeout(entry.timer);
    if (this.local.get(link) === entry) this.local.delete(link);
    if (this.byConn.get(entry.conn) === link) this.byConn.delete(entry.conn);
  }

  private expire(link: RunnerLink, entry: LocalEntry): void {
    if (this.local.get(link) !== entry) return;
    this.forget(link, entry);
    this.options.logger.warn({ worker_id: entry.workerId, space_id: entry.spaceId }, 'runner registration expired (no heartbeat); evicted');
    link.close(1000, 'registration expired: no heartbeat within the TTL');
  }
}
