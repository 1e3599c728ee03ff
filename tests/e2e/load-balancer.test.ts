/**
 * The HTTP load balancer examples, black box: nginx with `deploy/nginx/unpod.conf` and HAProxy with
 * `deploy/haproxy/unpod.cfg` (only the upstream addresses, the listen port and the check interval
 * replaced) in front of real `unpod serve` nodes on one PostgreSQL schema. Checks the REST API,
 * the runner's control WebSocket through the balancer (a call then reaches that runner), `/metrics`
 * refused from outside, a stopped node skipped (nginx), and a node whose `/readyz` is 503 taken out
 * by HAProxy's active check. Waits are on process output and HTTP answers, each bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPgSchema } from '@unpod/testkit/postgres';
import { createRedisPrefix } from '@unpod/testkit/redis';
import { waitFor } from '@unpod/testkit/processes';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { TextCallClient } from '@unpod/testkit/text-client';
import { api, startEchoAgent, waitForCallEnd } from './helpers.js';

const DEPLOY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy');
const has = (cmd: string, args: string[]) => !spawnSync(cmd, args, { encoding: 'utf8' }).error;
const NGINX = has('nginx', ['-v']);
const HAPROXY = has('haproxy', ['-v']);
const REDIS_URL = process.env.UNPOD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TCP proxy to Redis; `cut()` stops listening and drops every connection through it. */
async function redisProxy(target: URL): Promise<{ port: number; cut: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port || 6379) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let cut: Promise<void> | null = null;
  return {
    port: (server.address() as { port: number }).port,
    cut: () =>
      (cut ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}

async function freeTcpPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function tcpAccepting(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/** Runs a balancer process until the tests end; resolves once it accepts connections on `port`. */
async function runBalancer(cmd: string, args: string[], port: number): Promise<string> {
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  cleanups.push(() => void child.kill('SIGKILL'));
  await waitFor(`${cmd} to accept on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`${cmd} exited (${child.exitCode}):\n${output}`);
    return tcpAccepting(port);
  }, 10_000);
  return `http://127.0.0.1:${port}`;
}

/** Which node answered: `/healthz` carries the node id. */
async function healthzVia(url: string): Promise<{ status: number; node: string | undefined }> {
  const res = await fetch(`${url}/healthz`);
  const body = (await res.json().catch(() => ({}))) as { node_id?: string };
  return { status: res.status, node: body.node_id };
}

async function nodes(pgUrl: string, space: string, specs: Array<{ id: string; env?: Record<string, string> }>): Promise<TestServer[]> {
  const out: TestServer[] = [];
  for (const spec of specs) {
    const s = await startTestServer({ databaseUrl: pgUrl, space, args: ['--sip-port', 'off', '--node-id', spec.id], env: spec.env ?? {} });
    cleanups.push(() => s.close());
    out.push(s);
  }
  return out;
}

/** The shipped upstream lines replaced by `servers`, the listen port by `port`. */
function withServers(config: string, pattern: RegExp, servers: string[], listen: [RegExp, string]): string {
  const lines = config.split('\n');
  const first = lines.findIndex((l) => pattern.test(l));
  expect(first, 'the shipped config has upstream lines').toBeGreaterThan(0);
  const kept = lines.filter((l) => !pattern.test(l));
  kept.splice(first, 0, ...servers);
  const out = kept.join('\n');
  expect(out).toMatch(listen[0]);
  return out.replace(listen[0], listen[1]);
}

describe.skipIf(!NGINX)('nginx example (deploy/nginx/unpod.conf)', () => {
  let cluster: TestServer[];
  let lb: string;

  beforeAll(async () => {
    const pg = await createPgSchema('lb');
    cleanups.push(() => pg.drop());
    cluster = await nodes(pg.url, `lb-${Math.random().toString(36).slice(2, 10)}`, [{ id: 'lb-a' }, { id: 'lb-b' }]);
    const dir = mkdtempSync(path.join(tmpdir(), 'unpod-nginx-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freeTcpPort();
    const site = withServers(
      readFileSync(path.join(DEPLOY, 'nginx', 'unpod.conf'), 'utf8'),
      /^\s*server 10\.0\.0\.\d+:7700/,
      cluster.map((n) => `    server ${new URL(n.baseUrl).host} max_fails=2 fail_timeout=10s;`),
      [/listen 80;/, `listen 127.0.0.1:${port};`],
    );
    writeFileSync(path.join(dir, 'unpod.conf'), site);
    // A minimal main config around the shipped site file; temp files stay in the test's folder.
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        'user root;', 'worker_processes 1;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log warn;`, 'events { worker_connections 256; }',
        'http {', `  access_log off;`, `  client_body_temp_path ${dir}/body;`, `  proxy_temp_path ${dir}/proxy;`, `  fastcgi_temp_path ${dir}/fcgi;`,
        `  uwsgi_temp_path ${dir}/uwsgi;`, `  scgi_temp_path ${dir}/scgi;`, `  include ${dir}/unpod.conf;`, '}', '',
      ].join('\n'),
    );
    const check = spawnSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    lb = await runBalancer('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], port);
  }, 90_000);

  test('REST and readiness pass through to both nodes; /metrics is refused from outside', async () => {
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) {
      const r = await healthzVia(lb);
      expect(r.status).toBe(200);
      seen.add(r.node);
    }
    expect(seen).toEqual(new Set(['lb-a', 'lb-b']));
    expect((await fetch(`${lb}/readyz`)).status).toBe(200);
    expect((await fetch(`${lb}/metrics`)).status).toBe(403);
    const pipes = await api({ baseUrl: lb, apiKey: cluster[0]!.apiKey }, 'GET', '/v1/pipes');
    expect(pipes.status).toBe(200);
  });

  test("a runner's control WebSocket through nginx stays up and takes a call", async () => {
    const agent = startEchoAgent({ ...cluster[0]!, baseUrl: lb }, 'lb-echo');
    cleanups.push(() => void agent.kill('SIGKILL'));
    // The upgrade went to one of the nodes; find it by asking each node directly.
    const owner = await waitFor('the runner registered on a node', async () => {
      for (const n of cluster) {
        const list = await api<{ data: Array<{ node_id: string }> }>(n, 'GET', '/v1/workers?agent_id=lb-echo');
        if (list.body.data.length > 0) return { node: n, nodeId: list.body.data[0]!.node_id };
      }
      return undefined;
    });
    expect(['lb-a', 'lb-b']).toContain(owner.nodeId);
    // job.assign reaches the runner over the proxied socket; the bridge and client sockets go to the node directly.
    const created = await api<{ id: string; client_url: string }>(owner.node, 'POST', '/v1/calls', { transport: 'text', agent_id: 'lb-echo' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const client = await TextCallClient.connect(created.body.client_url);
    cleanups.push(() => client.close());
    client.say('through the balancer');
    await client.waitFor((f) => f.event === 'agent.text.end' && String(f.text).includes('through the balancer'));
    client.send({ event: 'hangup' });
    expect(await waitForCallEnd(owner.node, created.body.id)).toMatchObject({ status: 'completed', end_reason: 'user_hangup' });
  });

  test('a stopped node is skipped: every request is answered by the other', async () => {
    await cluster[0]!.close();
    for (let i = 0; i < 4; i++) expect(await healthzVia(lb)).toEqual({ status: 200, node: 'lb-b' });
  });
});

describe.skipIf(!HAPROXY)('HAProxy example (deploy/haproxy/unpod.cfg)', () => {
  test('the /readyz check takes a node whose Redis became unreachable out of rotation', async () => {
    const pg = await createPgSchema('lb');
    cleanups.push(() => pg.drop());
    const redis = createRedisPrefix('lb');
    cleanups.push(() => redis.drop());
    // Node hap-down reaches Redis through a proxy the test cuts once the node is up.
    const proxy = await redisProxy(new URL(REDIS_URL));
    cleanups.push(() => proxy.cut());
    const cluster = await nodes(pg.url, `hap-${Math.random().toString(36).slice(2, 10)}`, [
      { id: 'hap-down', env: { UNPOD_REDIS_URL: `redis://127.0.0.1:${proxy.port}`, UNPOD_REDIS_PREFIX: redis.prefix } },
      { id: 'hap-up', env: { UNPOD_REDIS_URL: REDIS_URL, UNPOD_REDIS_PREFIX: redis.prefix } },
    ]);
    expect((await fetch(`${cluster[0]!.baseUrl}/readyz`)).status).toBe(200);
    await proxy.cut();
    const dir = mkdtempSync(path.join(tmpdir(), 'unpod-haproxy-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freeTcpPort();
    const config = withServers(
      readFileSync(path.join(DEPLOY, 'haproxy', 'unpod.cfg'), 'utf8'),
      /^\s*server node-\d 10\.0\.0\.\d+:7700/,
      // A short check interval keeps the test quick; the shipped config checks every 5 s.
      cluster.map((n, i) => `    server node-${i + 1} ${new URL(n.baseUrl).host} check inter 300ms fall 2 rise 2`),
      [/bind :80/, `bind 127.0.0.1:${port}`],
    );
    writeFileSync(path.join(dir, 'haproxy.cfg'), config);
    const check = spawnSync('haproxy', ['-c', '-f', path.join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const lb = await runBalancer('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], port);
    expect((await fetch(`${cluster[0]!.baseUrl}/readyz`)).status).toBe(503);
    // Once the failed checks are counted, only the ready node answers.
    await waitFor('HAProxy to take the unready node out', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => healthzVia(lb)));
      return answers.every((a) => a.status === 200 && a.node === 'hap-up') ? true : undefined;
    }, 15_000);
    for (let i = 0; i < 4; i++) expect(await healthzVia(lb)).toEqual({ status: 200, node: 'hap-up' });
    expect((await fetch(`${lb}/metrics`)).status).toBe(403);
  }, 90_000);
});
