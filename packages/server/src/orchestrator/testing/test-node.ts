import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config.js';
import { UnpodServer } from '../../server.js';
import { wsBase } from '../../transports/ws.js';
import type { OrchestratorTimings } from '../timings.js';

/**
 * Timers for nodes shared by many tests: short enough to keep failures quick, long enough that
 * a loaded machine never trips them. Tests of a timer start their own node with that timer short.
 */
export const TEST_TIMINGS: Partial<OrchestratorTimings> = {
  assignAckTimeoutMs: 2_000,
  pairingWindowMs: 10_000,
  helloTimeoutMs: 5_000,
  registerTimeoutMs: 5_000,
  interruptGraceMs: 5_000,
  endCallDrainMs: 5_000,
};

export interface TestNode {
  server: UnpodServer;
  httpUrl: string;
  wsUrl: string;
  /** A key of space A. */
  key: string;
  spaceId: string;
  /** A key in a new (or named) space. */
  newKey(space?: string): Promise<{ key: string; spaceId: string }>;
  /** JSON request to the REST API with `key` (default: space A's). */
  api<T = any>(method: string, route: string, body?: unknown, key?: string): Promise<{ status: number; body: T }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

/**
 * A real in-process Unpod node on port 0 over SQLite (fresh data dir) or a given PostgreSQL URL.
 */
export async function startTestNode(options: { databaseUrl?: string | undefined; timings?: Partial<OrchestratorTimings>; nodeId?: string; dataDir?: string } = {}): Promise<TestNode> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'unpod-orch-')));
  const config = loadConfig(
    {
      port: 0,
      dataDir,
      logLevel: process.env.UNPOD_TEST_LOG_LEVEL ?? 'silent',
      nodeId: options.nodeId ?? 'test-node',
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    },
    {},
  );
  const server = await UnpodServer.start(config, { writeRuntimeFile: false, timings: { ...TEST_TIMINGS, ...options.timings } });
  let spaceSeq = 0;
  const newKey = async (name?: string) => {
    const { space } = await server.store.spaces.ensure(name ?? `space-${++spaceSeq}-${Math.random().toString(36).slice(2, 8)}`);
    const key = await server.store.apiKeys.create(space.id, 'test');
    return { key: key.key, spaceId: space.id };
  };
  const a = await newKey();
  return {
    server,
    httpUrl: server.url,
    wsUrl: wsBase(server.url),
    key: a.key,
    spaceId: a.spaceId,
    newKey,
    async api(method, route, body, key = a.key) {
      const res = await fetch(`${server.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await server.close();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
