import type { Redis } from 'ioredis';
import type { ClusterBus } from '../cluster/bus.js';
import { NodeMembership } from '../cluster/membership.js';
import { connectRedis, quitRedis, type RedisTarget } from '../cluster/redis.js';
import { RedisClusterBus } from '../cluster/redis-bus.js';
import type { Store } from '../control/store/store.js';
import type { Logger } from '../logger.js';
import { RedisRunnerRegistry } from './redis-registry.js';
import { RemoteCalls } from './remote-calls.js';
import { RunnerLinkRouter } from './remote-links.js';

export interface ClusterOptions {
  redis: RedisTarget;
  nodeId: string;
  /** A node silent for this long is dead: its calls are ended and its slots released. */
  nodeTtlMs: number;
  /** Runner entries expire this long after their last heartbeat. */
  registryTtlMs: number;
  publicUrl: () => string;
  store: Store;
  logger: Logger;
}

/**
 * Everything a node needs to be one of several on a shared Redis: the bus, the shared runner
 * registry, job routing to runners held by other nodes, and node liveness with the cleanup of a
 * dead node (its unfinished calls are ended with `server_shutdown` / `node_lost`, their
 * transcripts and recordings kept; its runner slots are released).
 */
export class OrchestratorCluster {
  private constructor(
    private readonly redis: Redis,
    readonly bus: ClusterBus,
    readonly registry: RedisRunnerRegistry,
    private readonly router: RunnerLinkRouter,
    readonly membership: NodeMembership,
    private readonly options: ClusterOptions,
  ) {
    this.calls = new RemoteCalls(bus, options.nodeId, options.logger.child({ component: 'cluster' }));
  }

  /** Call control between nodes (hangup of a call another node owns). */
  readonly calls: RemoteCalls;

  static async connect(options: ClusterOptions): Promise<OrchestratorCluster> {
    const logger = options.logger.child({ component: 'cluster' });
    const redis = await connectRedis(options.redis, logger, `unpod-${options.nodeId}`);
    let bus: RedisClusterBus;
    try {
      bus = await RedisClusterBus.connect(options.redis, logger, redis);
    } catch (err) {
      await quitRedis(redis);
      throw err;
    }
    const router = new RunnerLinkRouter(bus, options.nodeId, logger);
    const registry = new RedisRunnerRegistry({ redis, prefix: options.redis.prefix, nodeId: options.nodeId, ttlMs: options.registryTtlMs, router, logger });
    const membership = new NodeMembership({
      redis,
      prefix: options.redis.prefix,
      nodeId: options.nodeId,
      publicUrl: options.publicUrl,
      ttlMs: options.nodeTtlMs,
      logger,
      onNodeDown: (id) => router.nodeLost(id),
      onNodeUp: (id) => router.nodeBack(id),
      onSweep: (id) => sweepNode(id, registry, options.store, logger),
    });
    return new OrchestratorCluster(redis, bus, registry, router, membership, options);
  }

  /**
   * Join: route jobs, serve hangups of calls live here (`hangup` resolves whether the call was
   * live), release slots a previous run of this node left, start heartbeating.
   */
  async start(hangup: (callId: string) => Promise<boolean>): Promise<void> {
    await this.router.start();
    await this.calls.start(hangup);
    const stale = await this.registry.releaseNode(this.options.nodeId);
    if (stale > 0) this.options.logger.warn({ slots: stale }, 'runner slots held by a previous run of this node released');
    await this.membership.start();
  }

  /** Leave the cluster and close the connections (after the registry was closed). */
  async close(): Promise<void> {
    await this.membership.leave().catch(() => undefined);
    await this.registry.releaseNode(this.options.nodeId).catch(() => undefined);
    this.router.close();
    this.calls.close();
    await this.bus.close();
    await quitRedis(this.redis);
  }
}

/** Clean up after a dead node: end its unfinished calls, free the runner slots it held. */
export async function sweepNode(nodeId: string, registry: RedisRunnerRegistry, store: Store, logger: Logger): Promise<void> {
  const calls = await store.calls.unfinishedOnNode(nodeId);
  let ended = 0;
  for (const call of calls) {
    const done = await store.calls.finish(call.id, 'server_shutdown', { code: 'node_lost', message: `node ${nodeId} stopped heartbeating while the call was live` });
    if (done) ended += 1;
  }
  const slots = await registry.releaseNode(nodeId);
  logger.warn({ dead_node: nodeId, calls_ended: ended, slots_released: slots }, 'dead node swept');
}
