import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export interface MembershipOptions {
  redis: Redis;
  prefix: string;
  nodeId: string;
  /** This node's public base URL (runners and clients reach it there). */
  publicUrl: () => string;
  /** A node whose key was not refreshed for this long is dead. Heartbeats go every third of it. */
  ttlMs: number;
  logger: Logger;
  /** Every node: `nodeId` stopped heartbeating (links through it are lost). */
  onNodeDown?: (nodeId: string) => void;
  /** Every node: `nodeId`, reported down before, heartbeats again. */
  onNodeUp?: (nodeId: string) => void;
  /** Exactly one survivor per death: clean up after `nodeId` (its calls, its reservations). */
  onSweep?: (nodeId: string) => Promise<void>;
}

/** What a node publishes about itself under `<prefix>node:<id>`. */
export interface NodeInfo {
  node_id: string;
  url: string;
  started_at: string;
}

/**
 * Node liveness. Each node keeps `<prefix>node:<id>` (JSON `NodeInfo`, `PX ttlMs`) fresh and
 * lists itself in the set `<prefix>nodes`. On each beat it checks the others: a member whose key
 * is gone is dead; every node learns it (`onNodeDown`), and one survivor, elected with
 * `SET <prefix>sweep:<id> NX`, runs `onSweep` and then drops the id from the set. A node that
 * restarts (same or new id) simply starts beating again: no manual step.
 */
export class NodeMembership {
  private timer: NodeJS.Timeout | null = null;
  private readonly down = new Set<string>();
  private readonly startedAt = new Date().toISOString();
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private beaten = false;

  constructor(private readonly options: MembershipOptions) {}

  private get nodeKey(): string {
    return `${this.options.prefix}node:${this.options.nodeId}`;
  }

  private get setKey(): string {
    return `${this.options.prefix}nodes`;
  }

  /** Announce this node and check the others once; then keep doing it in the background. */
  async start(): Promise<void> {
    await this.beat();
    await this.check();
    const interval = Math.max(50, Math.floor(this.options.ttlMs / 3));
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = this.beat()
        .then(() => this.check())
        .catch((err: unknown) => this.options.logger.warn({ err }, 'node heartbeat failed (Redis unavailable?)'))
        .finally(() => (this.ticking = null));
    }, interval);
    this.timer.unref();
  }

  /** Live nodes as Redis sees them now. */
  async members(): Promise<NodeInfo[]> {
    const { redis, prefix } = this.options;
    const ids = await redis.smembers(this.setKey);
    const values = ids.length === 0 ? [] : await redis.mget(ids.map((id) => `${prefix}node:${id}`));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as NodeInfo);
  }

  private async beat(): Promise<void> {
    const info: NodeInfo = { node_id: this.options.nodeId, url: this.options.publicUrl(), started_at: this.startedAt };
    const replies = await this.options.redis
      .multi()
      .exists(this.nodeKey)
      .set(this.nodeKey, JSON.stringify(info), 'PX', this.options.ttlMs)
      .sadd(this.setKey, this.options.nodeId)
      .exec();
    if (this.beaten && replies?.[0]?.[1] === 0) {
      this.options.logger.error(
        { ttl_ms: this.options.ttlMs },
        'this node missed its heartbeat window (event loop stalled or Redis unreachable): other nodes may have ended its calls',
      );
    }
    this.beaten = true;
  }

  private async check(): Promise<void> {
    const { redis, prefix, nodeId, logger } = this.options;
    const ids = (await redis.smembers(this.setKey)).filter((id) => id !== nodeId);
    if (ids.length === 0) return;
    const alive = await Promise.all(ids.map((id) => redis.exists(`${prefix}node:${id}`)));
    for (const [i, id] of ids.entries()) {
      if (this.stopped) return;
      if (alive[i]) {
        if (this.down.delete(id)) {
          logger.info({ node: id }, 'node heartbeats again');
          this.options.onNodeUp?.(id);
        }
        continue;
      }
      if (!this.down.has(id)) {
        this.down.add(id);
        logger.warn({ dead_node: id }, 'node stopped heartbeating; treating it as dead');
        this.options.onNodeDown?.(id);
      }
      const claimed = await redis.set(`${prefix}sweep:${id}`, nodeId, 'PX', this.options.ttlMs * 10, 'NX');
      if (claimed !== 'OK') continue;
      try {
        // Re-check under the claim: the node may have come back in between.
        if ((await redis.exists(`${prefix}node:${id}`)) === 0) {
          await this.options.onSweep?.(id);
          await redis.srem(this.setKey, id);
        }
      } catch (err) {
        // The member stays listed, so the next check (here or on another node) retries.
        logger.error({ err, dead_node: id }, 'sweeping a dead node failed; retrying on the next check');
      } finally {
        await redis.del(`${prefix}sweep:${id}`);
      }
    }
  }

  /** Stop beating and leave the set, so survivors do not treat a clean stop as a death. */
  async leave(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.options.redis.multi().del(this.nodeKey).srem(this.setKey, this.options.nodeId).exec();
  }
}
