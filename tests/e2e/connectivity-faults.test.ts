/**
 * Connectivity faults with real processes: a real `unpod serve`, real runner processes (the echo
 * agent built on the SDK, and a runner that acks but never dials), and text calls over the real
 * client socket. Nothing here is mocked.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { TextCallClient } from '@unpod/testkit/text-client';
import type { WatchedProcess } from '@unpod/testkit/processes';
import { api, startEchoAgent, startStallingRunner, waitForCallEnd, waitForWorkers } from './helpers.js';

interface CallBody {
  id: string;
  status: string;
  client_url?: string;
  end_reason?: string | null;
  transcript?: Array<{ role: string; text: string }>;
  turn_metrics?: Array<{ agent_ttft_ms: number | null }>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.close());
  return s;
}

function track(p: WatchedProcess): WatchedProcess {
  cleanups.push(() => p.kill('SIGKILL'));
  return p;
}

async function textCall(s: TestServer, agentId: string): Promise<{ call: CallBody; client: TextCallClient }> {
  const created = await api<CallBody>(s, 'POST', '/v1/calls', { transport: 'text', agent_id: agentId });
  expect(created.status).toBe(201);
  expect(created.body.client_url, JSON.stringify(created.body)).toBeTruthy();
  const client = await TextCallClient.connect(created.body.client_url!);
  cleanups.push(async () => client.close());
  return { call: created.body, client };
}

/** Send a turn and wait for the echo agent's reply to it (the greeting may arrive in between). */
async function turn(client: TextCallClient, text: string): Promise<string> {
  const from = client.frames.length;
  client.say(text);
  const end = await client.waitFor((f) => f.event === 'agent.text.end' && client.frames.indexOf(f) >= from && String(f.text).includes(text));
  return String(end.text);
}

describe.each(['sqlite', 'postgres'] as const)('connectivity faults (%s)', (database) => {
  test('a text call runs end to end and is recorded with transcript and timings', async () => {
    const s = await server({ database });
    await api(s, 'POST', '/v1/pipes', { name: 'echo', agent_id: 'echo', greeting: null });
    track(startEchoAgent(s, 'echo'));
    await waitForWorkers(s, 'echo');
    const { call, client } = await textCall(s, 'echo');
    expect(await turn(client, 'hello there')).toContain('hello there');
    client.send({ event: 'hangup' });
    const ended = await client.next('call.ended', 0);
    expect(ended.reason).toBe('user_hangup');
    const record = (await waitForCallEnd(s, call.id)) as unknown as CallBody;
    expect(record.status).toBe('completed');
    const full = (await api<CallBody>(s, 'GET', `/v1/calls/${call.id}`)).body;
    expect(full.transcript?.some((t) => t.role === 'user' && t.text === 'hello there')).toBe(true);
    expect(full.transcript?.some((t) => t.role === 'agent' && t.text.includes('hello there'))).toBe(true);
    expect(full.turn_metrics?.some((m) => typeof m.agent_ttft_ms === 'number')).toBe(true);
  });

  test('killing the runner mid-call ends the call cleanly: error recorded, caller told', async () => {
    const s = await server({ database });
    await api(s, 'POST', '/v1/pipes', { name: 'echo', agent_id: 'echo' });
    const runner = track(startEchoAgent(s, 'echo'));
    await waitForWorkers(s, 'echo');
    const { call, client } = await textCall(s, 'echo');
    expect(await turn(client, 'first turn')).toContain('first turn');

    await runner.kill('SIGKILL');
    const ended = await client.waitFor((f) => f.event === 'call.ended');
    expect(ended.reason).toBe('runner_lost');
    expect(client.frames.some((f) => f.event === 'error')).toBe(true);
    const record = (await waitForCallEnd(s, call.id)) as unknown as CallBody & { error: { code: string } | null };
    expect(record.status).toBe('failed');
    expect(record.end_reason).toBe('runner_lost');
    expect(record.error?.code).toBeTruthy();
    // What was said before the crash is kept.
    const full = (await api<CallBody>(s, 'GET', `/v1/calls/${call.id}`)).body;
    expect(full.transcript?.some((t) => t.text === 'first turn')).toBe(true);
  });

  test('a runner killed before call.started: the call lands on another runner', async () => {
    const s = await server({ database });
    await api(s, 'POST', '/v1/pipes', { name: 'echo', agent_id: 'echo' });
    const staller = track(startStallingRunner(s, 'echo'));
    await staller.waitForLine(/^REGISTERED/);
    const { call, client } = await textCall(s, 'echo');
    await staller.waitForLine(new RegExp(`^ACKED ${call.id}`));
    // The job is acked but never paired. Bring up a healthy runner, then kill the stalled one.
    track(startEchoAgent(s, 'echo'));
    await waitForWorkers(s, 'echo', 2);
    await staller.kill('SIGKILL');
    expect(await turn(client, 'are you there')).toContain('are you there');
    const record = (await api<CallBody & { worker_id: string }>(s, 'GET', `/v1/calls/${call.id}`)).body;
    expect(record.status).toBe('active');
    expect(record.worker_id).not.toBe('echo#5a11ed00');
  });
});

test('after a server restart runners reconnect by themselves and finished calls are all still there', async () => {
  const first = await startTestServer({ database: 'sqlite' });
  let current: TestServer = first;
  cleanups.push(() => rm(first.dataDir, { recursive: true, force: true }));
  cleanups.push(() => current.close());
  await api(first, 'POST', '/v1/pipes', { name: 'echo', agent_id: 'echo' });
  const runner = track(startEchoAgent(first, 'echo'));
  await waitForWorkers(first, 'echo');

  const ids: string[] = [];
  for (const text of ['one', 'two']) {
    const { call, client } = await textCall(first, 'echo');
    expect(await turn(client, text)).toContain(text);
    client.send({ event: 'hangup' });
    await waitForCallEnd(first, call.id);
    ids.push(call.id);
  }

  const port = new URL(first.baseUrl).port;
  await first.kill('SIGTERM');
  const second = await startTestServer({ dataDir: first.dataDir, args: ['--port', port] });
  current = second;
  // The runner keeps its key; the restarted server knows it from the same data dir.
  const keyed = { baseUrl: second.baseUrl, apiKey: first.apiKey };
  await waitForWorkers(keyed, 'echo');
  expect(runner.child.exitCode).toBeNull();

  for (const id of ids) {
    const call = (await api<CallBody>(keyed, 'GET', `/v1/calls/${id}`)).body;
    expect(call.status).toBe('completed');
    expect(call.transcript?.length).toBeGreaterThan(0);
  }
  const { client } = await textCall({ ...second, apiKey: first.apiKey } as TestServer, 'echo');
  expect(await turn(client, 'after restart')).toContain('after restart');
});
