import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOrchestrator } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from './agent-runner.js';
import { resolveRunnerConfig, type AgentRunnerOptions } from './config.js';
import { RunnerConfigError } from './errors.js';

// Several cluster nodes: the runner rotates its control socket through them (issue 9).

const fakes: FakeOrchestrator[] = [];
const runners: AgentRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.shutdown()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function fake(): Promise<FakeOrchestrator> {
  const f = await FakeOrchestrator.start();
  fakes.push(f);
  return f;
}

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function runner(options: Partial<AgentRunnerOptions>): AgentRunner {
  const r = new AgentRunner({
    agentId: 'agent_a',
    apiKey: 'sk_test',
    env: {},
    logLevel: 'silent',
    drainTimeoutMs: 0,
    timing: { reconnectBaseMs: 5, reconnectMaxMs: 20, closeGraceMs: 200 },
    entrypoint: async (ctx) => {
      await ctx.session.run();
    },
    ...options,
  });
  runners.push(r);
  return r;
}

describe('AgentRunner with several base URLs', () => {
  it('moves to the next node when its node goes away, keeping its worker_id', async () => {
    const a = await fake();
    const b = await fake();
    const r = runner({ baseUrls: [a.baseUrl, b.baseUrl] });
    void r.start();
    const first = await (await a.controls.next()).register();
    await a.close();
    fakes.splice(fakes.indexOf(a), 1);
    const second = await (await b.controls.next()).register();
    expect(second.worker_id).toBe(first.worker_id);
    expect(second.worker_id).toBe(r.workerId);
  });

  it('skips a node that refuses connections', async () => {
    const b = await fake();
    const r = runner({ baseUrls: [`http://127.0.0.1:${await deadPort()}`, b.baseUrl] });
    void r.start();
    const register = await (await b.controls.next()).register();
    expect((register.capabilities as { agent_id: string }).agent_id).toBe('agent_a');
  });

  it('reads a comma-separated UNPOD_BASE_URL', () => {
    const config = resolveRunnerConfig({
      agentId: 'a',
      apiKey: 'sk_x',
      entrypoint: () => undefined,
      logLevel: 'silent',
      env: { UNPOD_BASE_URL: 'http://10.0.0.1:7700, http://10.0.0.2:7700' },
    });
    expect(config.controlUrls).toEqual(['ws://10.0.0.1:7700/v1/internal/workers', 'ws://10.0.0.2:7700/v1/internal/workers']);
    expect(config.controlUrl).toBe(config.controlUrls[0]);
  });

  it('refuses an empty or blank baseUrls list with a clear error', () => {
    const base = { agentId: 'a', apiKey: 'sk_x', entrypoint: () => undefined, logLevel: 'silent' as const, env: {} };
    expect(() => resolveRunnerConfig({ ...base, baseUrls: [] })).toThrow(RunnerConfigError);
    expect(() => resolveRunnerConfig({ ...base, baseUrls: [] })).toThrow(/at least one/);
    expect(() => resolveRunnerConfig({ ...base, baseUrls: ['http://a:1', ' '] })).toThrow(/empty entries/);
  });

  it('takes maxConcurrentCalls from UNPOD_MAX_CONCURRENT_CALLS and refuses a bad value', () => {
    const base = { agentId: 'a', apiKey: 'sk_x', entrypoint: () => undefined, logLevel: 'silent' as const };
    expect(resolveRunnerConfig({ ...base, env: { UNPOD_MAX_CONCURRENT_CALLS: '3' } }).maxConcurrentCalls).toBe(3);
    expect(resolveRunnerConfig({ ...base, maxConcurrentCalls: 7, env: { UNPOD_MAX_CONCURRENT_CALLS: '3' } }).maxConcurrentCalls).toBe(7);
    expect(() => resolveRunnerConfig({ ...base, env: { UNPOD_MAX_CONCURRENT_CALLS: 'lots' } })).toThrow(/UNPOD_MAX_CONCURRENT_CALLS/);
  });
});
