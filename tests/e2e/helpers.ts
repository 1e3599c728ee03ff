import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnNode, waitFor, type WatchedProcess } from '@unpod/testkit/processes';
import type { TestServer } from '@unpod/testkit/server';

const require = createRequire(import.meta.url);

/** The built echo agent (examples/echo-agent) as a real runner process. */
export function startEchoAgent(server: TestServer, agentId: string, extraEnv: Record<string, string> = {}): WatchedProcess {
  const entry = path.join(path.dirname(require.resolve('@unpod/example-echo-agent/package.json')), 'dist', 'index.js');
  return spawnNode(entry, [], { UNPOD_BASE_URL: server.baseUrl, UNPOD_API_KEY: server.apiKey, UNPOD_AGENT_ID: agentId, UNPOD_LOG_LEVEL: 'info', ...extraEnv });
}

/** A runner that acks jobs and never dials the bridge. */
export function startStallingRunner(server: TestServer, agentId: string): WatchedProcess {
  const entry = path.join(path.dirname(require.resolve('@unpod/testkit/package.json')), 'dist', 'fixtures', 'stalling-runner.js');
  return spawnNode(entry, [], { UNPOD_BASE_URL: server.baseUrl, UNPOD_API_KEY: server.apiKey, UNPOD_AGENT_ID: agentId });
}

/** REST call with the server's key; returns status and parsed JSON. */
export async function api<T = Record<string, unknown>>(server: { baseUrl: string; apiKey: string }, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** Wait until `count` runners of `agentId` are listed by `GET /v1/workers`. */
export function waitForWorkers(server: { baseUrl: string; apiKey: string }, agentId: string, count = 1): Promise<Array<{ worker_id: string }>> {
  return waitFor(`${count} runner(s) of ${agentId}`, async () => {
    const res = await api<{ data: Array<{ worker_id: string }> }>(server, 'GET', `/v1/workers?agent_id=${encodeURIComponent(agentId)}`);
    return res.body.data.length >= count ? res.body.data : undefined;
  });
}

/** Wait until the call reaches a terminal status and return it. */
export function waitForCallEnd(server: { baseUrl: string; apiKey: string }, callId: string): Promise<Record<string, unknown>> {
  return waitFor(`call ${callId} to end`, async () => {
    const res = await api(server, 'GET', `/v1/calls/${callId}`);
    return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : undefined;
  });
}
