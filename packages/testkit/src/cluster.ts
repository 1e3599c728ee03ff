import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPgSchema, type PgSchema } from './postgres.js';
import { spawnNode, type WatchedProcess } from './processes.js';
import { createRedisPrefix, type RedisPrefix } from './redis.js';
import { runUnpod, unpodCliPath } from './server.js';

export interface TestClusterOptions {
  /** Nodes started at once (default 2). */
  nodes?: number;
  /**
   * `UNPOD_NODE_TTL_MS` of every node: how soon a killed node is declared dead (default 3000:
   * short for tests, long enough that a node starved of CPU on a loaded machine is not taken for dead).
   */
  nodeTtlMs?: number;
  /** Extra environment for every node. */
  env?: Record<string, string>;
}

/** One `unpod serve` process of a test cluster. */
export interface ClusterNode {
  nodeId: string;
  baseUrl: string;
  process: WatchedProcess;
  /** SIGKILL by default (a crash): no cleanup runs on the node. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Several real `unpod serve` processes sharing one PostgreSQL schema and one Redis key prefix,
 * each with its own data dir and node id (`node-1`, `node-2`, ...), SIP off. One API key works
 * on every node (the database is shared).
 */
export interface TestCluster {
  nodes: ClusterNode[];
  apiKey: string;
  spaceId: string;
  databaseUrl: string;
  redis: RedisPrefix;
  /** Start (or restart, after `kill`) the node with this id. */
  startNode(nodeId: string): Promise<ClusterNode>;
  /** Stop every node, drop the schema and the Redis keys. */
  close(): Promise<void>;
}

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const pg: PgSchema = await createPgSchema('cl');
  const redis = createRedisPrefix('cl');
  const root = await mkdtemp(path.join(tmpdir(), 'unpod-cluster-'));
  const env: Record<string, string> = {
    UNPOD_LOG_LEVEL: process.env.UNPOD_TEST_LOG_LEVEL ?? 'warn',
    UNPOD_DATABASE_URL: pg.url,
    UNPOD_REDIS_URL: redis.url,
    UNPOD_REDIS_PREFIX: redis.prefix,
    UNPOD_NODE_TTL_MS: String(options.nodeTtlMs ?? 3000),
    ...options.env,
  };
  const space = `cluster-${Math.random().toString(36).slice(2, 10)}`;
  const created = await runUnpod(['keys', 'create', '--name', 'test', '--space', space, '--json', '--data-dir', path.join(root, 'keys')], env);
  if (created.code !== 0) throw new Error(`unpod keys create failed: ${created.stderr}`);
  const key = JSON.parse(created.stdout) as { key: string; space_id: string };
  const live = new Map<string, ClusterNode>();

  const startNode = async (nodeId: string): Promise<ClusterNode> => {
    const dataDir = path.join(root, nodeId);
    const proc = spawnNode(unpodCliPath(), ['serve', '--port', '0', '--sip-port', 'off', '--data-dir', dataDir, '--node-id', nodeId], env);
    const line = await proc.waitForLine(/^unpod listening on (\S+)/, 30_000);
    const node: ClusterNode = {
      nodeId,
      baseUrl: /^unpod listening on (\S+)/.exec(line)![1]!,
      process: proc,
      kill: async (signal = 'SIGKILL') => {
        await proc.kill(signal);
        if (live.get(nodeId) === node) live.delete(nodeId);
      },
    };
    live.set(nodeId, node);
    return node;
  };

  const nodes: ClusterNode[] = [];
  try {
    for (let i = 1; i <= (options.nodes ?? 2); i++) nodes.push(await startNode(`node-${i}`));
  } catch (err) {
    await Promise.all([...live.values()].map((n) => n.kill()));
    await pg.drop();
    await redis.drop();
    throw err;
  }
  return {
    nodes,
    apiKey: key.key,
    spaceId: key.space_id,
    databaseUrl: pg.url,
    redis,
    startNode,
    async close() {
      await Promise.all([...live.values()].map((n) => n.kill('SIGTERM')));
      await pg.drop().catch(() => undefined);
      await redis.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
