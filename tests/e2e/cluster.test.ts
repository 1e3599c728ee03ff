/**
 * Scale-out with real processes: two or three `unpod serve` nodes on one PostgreSQL schema and
 * one Redis prefix, real echo-agent runner processes built on the SDK, real text and WebSocket
 * audio clients. Nodes are killed with SIGKILL; nothing is mocked and nothing sleeps: every wait
 * is on a condition (a REST answer, a frame, a process line).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { AudioCallClient } from '@unpod/testkit/audio-client';
import { startTestCluster, type ClusterNode, type TestCluster } from '@unpod/testkit/cluster';
import { createPgSchema } from '@unpod/testkit/postgres';
import { spawnNode, waitFor, type WatchedProcess } from '@unpod/testkit/processes';
import { runUnpod } from '@unpod/testkit/server';
import { TextCallClient } from '@unpod/testkit/text-client';
import { api } from './helpers.js';

const require = createRequire(import.meta.url);

interface CallBody {
  id: string;
  status: string;
  client_url?: string;
  end_reason?: string | null;
  error?: { code: string; message: string } | null;
  transcript?: Array<{ role: string; text: string }>;
}

interface WorkerBody {
  worker_id: string;
  node_id: string;
  in_flight: number;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function cluster(options: Parameters<typeof startTestCluster>[0] = {}): Promise<TestCluster> {
  const c = await startTestCluster(options);
  cleanups.push(() => c.close());
  return c;
}

/** What `api()` needs to talk to one node with the cluster's key. */
const on = (c: TestCluster, node: ClusterNode) => ({ baseUrl: node.baseUrl, apiKey: c.apiKey });

/** The built echo agent as a runner process; `nodes` become its comma-separated UNPOD_BASE_URL. */
function echoRunner(c: TestCluster, nodes: ClusterNode[], env: Record<string, string> = {}): WatchedProcess {
  const entry = path.join(path.dirname(require.resolve('@unpod/example-echo-agent/package.json')), 'dist', 'index.js');
  const p = spawnNode(entry, [], {
    UNPOD_BASE_URL: nodes.map((n) => n.baseUrl).join(','),
    UNPOD_API_KEY: c.apiKey,
    UNPOD_AGENT_ID: 'echo',
    UNPOD_LOG_LEVEL: 'info',
    ...env,
  });
  cleanups.push(() => p.kill('SIGKILL'));
  return p;
}

/** Wait until `node` lists the echo runner(s) as held by `holder`. */
function runnerOn(c: TestCluster, node: ClusterNode, holder: string, count = 1): Promise<WorkerBody[]> {
  return waitFor(`${count} echo runner(s) on ${holder}, seen from ${node.nodeId}`, async () => {
    const res = await api<{ data: WorkerBody[] }>(on(c, node), 'GET', '/v1/workers?agent_id=echo');
    const held = res.body.data.filter((w) => w.node_id === holder);
    return held.length >= count ? held : undefined;
  });
}

async function textCall(c: TestCluster, node: ClusterNode): Promise<{ call: CallBody; client: TextCallClient }> {
  const created = await api<CallBody>(on(c, node), 'POST', '/v1/calls', { transport: 'text', agent_id: 'echo' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.client_url, JSON.stringify(created.body)).toBeTruthy();
  expect(created.body.client_url!.startsWith(node.baseUrl.replace(/^http/, 'ws'))).toBe(true);
  const client = await TextCallClient.connect(created.body.client_url!);
  cleanups.push(async () => client.close());
  return { call: created.body, client };
}

/** Send a turn and wait for the echo agent's reply to it. */
async function turn(client: TextCallClient, text: string): Promise<string> {
  const from = client.frames.length;
  client.say(text);
  const end = await client.waitFor((f) => f.event === 'agent.text.end' && client.frames.indexOf(f) >= from && String(f.text).includes(text));
  return String(end.text);
}

function callEnded(c: TestCluster, node: ClusterNode, callId: string): Promise<CallBody> {
  return waitFor(`call ${callId} to end`, async () => {
    const res = await api<CallBody>(on(c, node), 'GET', `/v1/calls/${callId}`);
    return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : undefined;
  }, 20_000);
}

/** The space's live event stream (`GET /v1/events`) of one node, collected as it arrives. */
async function liveEvents(c: TestCluster, node: ClusterNode): Promise<{ events: Array<Record<string, unknown>>; until: (match: (e: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> }> {
  const controller = new AbortController();
  cleanups.push(async () => controller.abort());
  const res = await fetch(`${node.baseUrl}/v1/events`, { headers: { authorization: `Bearer ${c.apiKey}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<Record<string, unknown>> = [];
  let buffer = '';
  // The stream opens with a comment once the subscription is in place.
  const first = await reader.read();
  buffer += decoder.decode(first.value, { stream: true });
  const until = async (match: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      const next = await reader.read();
      if (next.done) throw new Error(`the event stream of ${node.nodeId} ended; got ${JSON.stringify(events)}`);
      buffer += decoder.decode(next.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data) events.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
      }
    }
  };
  return { events, until };
}

describe('cluster of nodes on PostgreSQL and Redis', () => {
  test('the live event stream of node A shows a call that runs on node B, as it happens', { timeout: 60_000 }, async () => {
    const c = await cluster();
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    echoRunner(c, [b]);
    await runnerOn(c, a, b.nodeId);
    const stream = await liveEvents(c, a);
    const { call, client } = await textCall(c, b);
    await stream.until((e) => e.type === 'call.started' && e.call_id === call.id);
    expect(await turn(client, 'seen from the other node')).toContain('seen from the other node');
    await stream.until((e) => e.type === 'call.state' && e.state === 'speaking' && e.call_id === call.id);
    client.send({ event: 'hangup' });
    await stream.until((e) => e.type === 'call.ended' && e.call_id === call.id);
    // Each event arrived once, not once per node.
    expect(stream.events.filter((e) => e.type === 'call.started' && e.call_id === call.id)).toHaveLength(1);
  });

  test('a runner on node A takes a text call and a WebSocket audio call created on node B', { timeout: 60_000 }, async () => {
    const c = await cluster();
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    echoRunner(c, [a]);
    await runnerOn(c, b, a.nodeId);

    const { call, client } = await textCall(c, b);
    expect(await turn(client, 'hello across nodes')).toContain('hello across nodes');
    client.send({ event: 'hangup' });
    const record = await callEnded(c, a, call.id);
    expect(record.status).toBe('completed');
    const full = (await api<CallBody>(on(c, a), 'GET', `/v1/calls/${call.id}`)).body;
    expect(full.transcript?.some((t) => t.role === 'agent' && t.text.includes('hello across nodes'))).toBe(true);

    const voice = await api<CallBody>(on(c, b), 'POST', '/v1/calls', { transport: 'websocket', agent_id: 'echo' });
    expect(voice.status, JSON.stringify(voice.body)).toBe(201);
    expect(voice.body.client_url!.startsWith(b.baseUrl.replace(/^http/, 'ws'))).toBe(true);
    const audio = await AudioCallClient.connect(voice.body.client_url!, 16_000);
    cleanups.push(async () => audio.close());
    await audio.next('call.connected', 0);
    audio.startLine();
    audio.send({ event: 'user.text', text: 'typed on a voice call' });
    const reply = await audio.waitFor((f) => f.event === 'agent.text.end' && String(f.text).includes('typed on a voice call'));
    await audio.next('agent.audio.started', audio.frames.indexOf(reply));
    audio.send({ event: 'hangup' });
    expect((await callEnded(c, a, voice.body.id)).status).toBe('completed');
  });

  test('two nodes never overbook a capacity-1 runner under concurrent dispatch', { timeout: 60_000 }, async () => {
    const c = await cluster();
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    // This runner advertises capacity 1 but acks every job it gets: only the reservation stops a second one.
    const entry = path.join(path.dirname(require.resolve('@unpod/testkit/package.json')), 'dist', 'fixtures', 'stalling-runner.js');
    const runner = spawnNode(entry, [], { UNPOD_BASE_URL: a.baseUrl, UNPOD_API_KEY: c.apiKey, UNPOD_AGENT_ID: 'echo', UNPOD_MAX_CONCURRENT_CALLS: '1' });
    cleanups.push(() => runner.kill('SIGKILL'));
    await runnerOn(c, b, a.nodeId);
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api<CallBody>(on(c, i % 2 === 0 ? a : b), 'POST', '/v1/calls', { transport: 'text', agent_id: 'echo' })),
    );
    expect(created.every((r) => r.status === 201)).toBe(true);
    const placed = created.filter((r) => r.body.client_url);
    expect(placed).toHaveLength(1);
    await runner.waitForLine(new RegExp(`^ACKED ${placed[0]!.body.id}$`));
    for (const r of created.filter((x) => !x.body.client_url)) {
      const ended = (await api<CallBody>(on(c, a), 'GET', `/v1/calls/${r.body.id}`)).body;
      expect(ended.status).toBe('failed');
      expect(ended.end_reason).toBe('no_worker_available');
    }
    const workers = (await api<{ data: WorkerBody[] }>(on(c, b), 'GET', '/v1/workers?agent_id=echo')).body.data;
    expect(workers.map((w) => w.in_flight)).toEqual([1]);

    // A hangup sent to the node that does not own the call reaches the owner, which ends the
    // dispatch at once (well before the 10 s pairing window) and frees the slot on every node.
    const owner = placed[0]!.body.client_url!.startsWith(a.baseUrl.replace(/^http/, 'ws')) ? a : b;
    const other = owner === a ? b : a;
    expect((await api(on(c, other), 'POST', `/v1/calls/${placed[0]!.body.id}/hangup`)).status).toBeLessThan(300);
    expect((await api<CallBody>(on(c, owner), 'GET', `/v1/calls/${placed[0]!.body.id}`)).body.end_reason).toBe('api_hangup');
    await waitFor('slot released', async () => {
      const list = (await api<{ data: WorkerBody[] }>(on(c, other), 'GET', '/v1/workers?agent_id=echo')).body.data;
      return list[0]?.in_flight === 0 ? true : undefined;
    }, 5_000);
    const again = await Promise.all([a, b, a, b].map((n) => api<CallBody>(on(c, n), 'POST', '/v1/calls', { transport: 'text', agent_id: 'echo' })));
    expect(again.filter((r) => r.body.client_url)).toHaveLength(1);
  });

  test('SIGKILL of node A: its runner moves to node B, its live call ends with its record kept, other calls go on', { timeout: 90_000 }, async () => {
    const c = await cluster();
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const runner = echoRunner(c, [a, b]);
    await runnerOn(c, b, a.nodeId);

    const done = await textCall(c, a);
    expect(await turn(done.client, 'finished before the crash')).toContain('finished before the crash');
    done.client.send({ event: 'hangup' });
    await callEnded(c, a, done.call.id);

    const onA = await textCall(c, a);
    expect(await turn(onA.client, 'live on the doomed node')).toContain('live on the doomed node');
    const onB = await textCall(c, b);
    expect(await turn(onB.client, 'live on the surviving node')).toContain('live on the surviving node');

    await a.kill('SIGKILL');

    // The runner re-registers on B by itself; the call whose media is on B never noticed.
    await runnerOn(c, b, b.nodeId);
    await runner.waitForLine(/registered/i);
    expect(await turn(onB.client, 'still here after the crash')).toContain('still here after the crash');

    // The call that lived on A is ended by the survivor, transcript kept.
    const lost = await callEnded(c, b, onA.call.id);
    expect(lost.status).toBe('failed');
    expect(lost.end_reason).toBe('server_shutdown');
    expect(lost.error?.code).toBe('node_lost');
    const lostFull = (await api<CallBody>(on(c, b), 'GET', `/v1/calls/${onA.call.id}`)).body;
    expect(lostFull.transcript?.some((t) => t.role === 'user' && t.text === 'live on the doomed node')).toBe(true);

    // Nothing finished earlier was lost.
    const kept = (await api<CallBody>(on(c, b), 'GET', `/v1/calls/${done.call.id}`)).body;
    expect(kept.status).toBe('completed');
    expect(kept.transcript?.some((t) => t.role === 'agent' && t.text.includes('finished before the crash'))).toBe(true);

    // New calls succeed on the survivor.
    const fresh = await textCall(c, b);
    expect(await turn(fresh.client, 'new call after the crash')).toContain('new call after the crash');
    onB.client.send({ event: 'hangup' });
    expect((await callEnded(c, b, onB.call.id)).status).toBe('completed');
  });

  test('rolling restart: a node stops and rejoins by itself; no call on the other node is dropped', { timeout: 90_000 }, async () => {
    const c = await cluster({ nodes: 3 });
    const [a, b, third] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    echoRunner(c, [a, b]);
    await runnerOn(c, third, a.nodeId);
    const onB = await textCall(c, b);
    expect(await turn(onB.client, 'before the restart')).toContain('before the restart');

    await a.kill('SIGTERM');
    await runnerOn(c, third, b.nodeId);
    expect(await turn(onB.client, 'during the restart')).toContain('during the restart');

    const again = await c.startNode(a.nodeId);
    const viaRestarted = await textCall(c, again);
    expect(await turn(viaRestarted.client, 'through the restarted node')).toContain('through the restarted node');
    expect(await turn(onB.client, 'after the restart')).toContain('after the restart');
    onB.client.send({ event: 'hangup' });
    expect((await callEnded(c, third, onB.call.id)).status).toBe('completed');
  });

  test('a node that cannot reach Redis refuses to start, naming the problem', { timeout: 30_000 }, async () => {
    const pg = await createPgSchema('cl');
    cleanups.push(() => pg.drop());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-noredis-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const out = await runUnpod(['serve', '--port', '0', '--sip-port', 'off', '--redis-url', 'redis://127.0.0.1:1'], {
      UNPOD_DATABASE_URL: pg.url,
      UNPOD_DATA_DIR: dataDir,
    });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
