/**
 * Operations endpoints on a real `unpod serve` over PostgreSQL with Redis: `/healthz`,
 * `/readyz` (a real query, a real PING, the SIP listener; 503 when Redis is unreachable),
 * `/metrics` values after real text calls through the echo runner, the node id on call rows.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Readiness, Store } from '@unpod/server';
import { createPgSchema } from '@unpod/testkit/postgres';
import { createRedisPrefix } from '@unpod/testkit/redis';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { TextCallClient } from '@unpod/testkit/text-client';
import type { WatchedProcess } from '@unpod/testkit/processes';
import { api, startEchoAgent, waitForCallEnd, waitForWorkers } from './helpers.js';

const REDIS_URL = process.env.UNPOD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.close());
  return s;
}

function track(p: WatchedProcess): WatchedProcess {
  cleanups.push(() => p.kill('SIGKILL'));
  return p;
}

/** A TCP port that was free a moment ago and has no listener (connections are refused). */
/** A fresh PostgreSQL schema, dropped after the test (a cluster node needs PostgreSQL). */
async function pgSchemaForBoot(): Promise<{ url: string }> {
  const schema = await createPgSchema();
  cleanups.push(() => schema.drop());
  return schema;
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** One sample value from the Prometheus text format; 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) return Number(m[3]);
  }
  return 0;
}

async function scrape(s: TestServer): Promise<string> {
  const res = await fetch(`${s.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

async function textCall(s: TestServer, text: string): Promise<string> {
  const created = await api<{ id: string; client_url: string }>(s, 'POST', '/v1/calls', { transport: 'text', agent_id: 'echo' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const client = await TextCallClient.connect(created.body.client_url);
  cleanups.push(() => client.close());
  client.say(text);
  await client.waitFor((f) => f.event === 'agent.text.end' && String(f.text).includes(text));
  client.send({ event: 'hangup' });
  await client.next('call.ended', 0);
  await waitForCallEnd(s, created.body.id);
  return created.body.id;
}

describe('health, readiness and metrics (PostgreSQL, Redis)', () => {
  test('healthz and readyz answer without auth; readyz reports the database, Redis and SIP; /v1/health still works', async () => {
    const redis = createRedisPrefix('ops');
    cleanups.push(() => redis.drop());
    const s = await server({ database: 'postgres', args: ['--sip-port', '0', '--node-id', 'ops-node-a'], env: { UNPOD_REDIS_URL: REDIS_URL, UNPOD_REDIS_PREFIX: redis.prefix } });
    const health = await fetch(`${s.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', node_id: 'ops-node-a' });

    const ready = await fetch(`${s.baseUrl}/readyz`);
    const body = (await ready.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.node_id).toBe('ops-node-a');
    expect(body.checks.database).toMatchObject({ ok: true, kind: 'postgres' });
    expect(body.checks.redis).toMatchObject({ configured: true, ok: true });
    expect(body.checks.sip).toMatchObject({ ok: true, state: 'listening', udpPort: s.sip!.udpPort, tcpPort: s.sip!.tcpPort });

    const legacy = await fetch(`${s.baseUrl}/v1/health`);
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toMatchObject({ status: 'ok', database: 'postgres', node_id: 'ops-node-a' });
  });

  test('every log line carries the node id', async () => {
    const s = await server({ args: ['--sip-port', 'off', '--node-id', 'ops-node-log'], env: { UNPOD_LOG_LEVEL: 'info' } });
    let stderr = '';
    s.process.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Stopping logs at info level (lines from before the listener was attached are not needed).
    await s.close();
    const lines = stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ node_id: 'ops-node-log' });
  });

  test('a node whose Redis is unreachable at boot refuses to start and names it', async () => {
    const port = await closedPort();
    const { runUnpod } = await import('@unpod/testkit/server');
    const { url } = await pgSchemaForBoot();
    const res = await runUnpod(['serve', '--port', '0', '--sip-port', 'off', '--database-url', url, '--redis-url', `redis://127.0.0.1:${port}`]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`redis://127.0.0.1:${port}`);
  });

  test('readiness is not_ready when Redis stops answering, and says which dependency is down', async () => {
    const port = await closedPort();
    const store = await Store.open({ databaseUrl: null, dataDir: await mkdtemp(path.join(tmpdir(), 'unpod-ready-')) });
    cleanups.push(() => store.close());
    const readiness = new Readiness({ nodeId: 'ops-node-r', db: store.db, redisUrl: `redis://127.0.0.1:${port}`, timeoutMs: 1000 }, false);
    const report = await readiness.check();
    expect(report.status).toBe('not_ready');
    expect(report.checks.redis).toMatchObject({ configured: true, ok: false, error: 'ECONNREFUSED' });
    expect(report.checks.database.ok).toBe(true);
    expect(report.checks.sip).toMatchObject({ state: 'disabled', ok: true });
  });

  test('a bad Redis URL or node id fails at boot with a clear message', async () => {
    const { runUnpod } = await import('@unpod/testkit/server');
    const bad = await runUnpod(['serve', '--port', '0', '--sip-port', 'off', '--redis-url', 'http://127.0.0.1:6379']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('UNPOD_REDIS_URL / --redis-url');
    const badNode = await runUnpod(['serve', '--port', '0', '--sip-port', 'off', '--node-id', 'has space']);
    expect(badNode.code).not.toBe(0);
    expect(badNode.stderr).toContain('UNPOD_NODE_ID / --node-id');
  });

  test('/metrics counts real calls, dispatches, runners and HTTP requests; calls carry the node id', async () => {
    const s = await server({ database: 'postgres', args: ['--sip-port', 'off', '--node-id', 'ops-node-m'] });
    await api(s, 'POST', '/v1/pipes', { name: 'echo', agent_id: 'echo', greeting: null });
    track(startEchoAgent(s, 'echo'));
    await waitForWorkers(s, 'echo');
    const before = await scrape(s);
    expect(sample(before, 'unpod_runners_connected')).toBe(1);
    expect(sample(before, 'unpod_runner_capacity')).toBeGreaterThan(0);
    expect(sample(before, 'unpod_calls_live', { transport: 'text' })).toBe(0);

    const ids = [await textCall(s, 'first question'), await textCall(s, 'second question')];
    const after = await scrape(s);
    expect(sample(after, 'unpod_calls_started_total', { transport: 'text' }) - sample(before, 'unpod_calls_started_total', { transport: 'text' })).toBe(2);
    expect(
      sample(after, 'unpod_calls_ended_total', { transport: 'text', outcome: 'user_hangup' }) - sample(before, 'unpod_calls_ended_total', { transport: 'text', outcome: 'user_hangup' }),
    ).toBe(2);
    expect(sample(after, 'unpod_calls_live', { transport: 'text' })).toBe(0);
    expect(sample(after, 'unpod_dispatch_duration_seconds_count', { result: 'ok' }) - sample(before, 'unpod_dispatch_duration_seconds_count', { result: 'ok' })).toBe(2);
    expect(sample(after, 'unpod_dispatch_duration_seconds_sum', { result: 'ok' })).toBeGreaterThan(0);
    expect(sample(after, 'unpod_runner_jobs_in_flight')).toBe(0);
    expect(sample(after, 'unpod_http_request_duration_seconds_count', { method: 'POST', route: '/v1/calls', status: '201' })).toBe(2);
    expect(sample(after, 'unpod_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after).toContain('# TYPE unpod_provider_failovers_total counter');

    for (const id of ids) {
      const call = await api<Record<string, unknown>>(s, 'GET', `/v1/calls/${id}`);
      expect(call.status).toBe(200);
    }
    const { Client } = await import('pg');
    const url = new URL(s.databaseUrl!);
    const schema = url.searchParams.get('schema')!;
    url.search = '';
    const pg = new Client({ connectionString: url.toString() });
    await pg.connect();
    try {
      const rows = await pg.query<{ node_id: string }>(`select node_id from "${schema}".calls where id = any($1)`, [ids]);
      expect(rows.rows.map((r) => r.node_id)).toEqual(['ops-node-m', 'ops-node-m']);
    } finally {
      await pg.end();
    }
  });

  test('a live call shows in the live gauge while it runs', async () => {
    const s = await server({ args: ['--sip-port', 'off'] });
    await api(s, 'POST', '/v1/pipes', { name: 'echo', agent_id: 'echo', greeting: null });
    track(startEchoAgent(s, 'echo'));
    await waitForWorkers(s, 'echo');
    const created = await api<{ id: string; client_url: string }>(s, 'POST', '/v1/calls', { transport: 'text', agent_id: 'echo' });
    const client = await TextCallClient.connect(created.body.client_url);
    cleanups.push(() => client.close());
    client.say('are you there');
    await client.waitFor((f) => f.event === 'agent.text.end');
    const during = await scrape(s);
    expect(sample(during, 'unpod_calls_live', { transport: 'text' })).toBe(1);
    expect(sample(during, 'unpod_runner_jobs_in_flight')).toBe(1);
    client.send({ event: 'hangup' });
    await waitForCallEnd(s, created.body.id);
    expect(sample(await scrape(s), 'unpod_calls_live', { transport: 'text' })).toBe(0);
  });
});
