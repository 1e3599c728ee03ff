import { afterEach, describe, expect, it } from 'vitest';
import { FakeOrchestrator } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from './agent-runner.js';
import type { CallContext } from './call-context.js';
import type { SessionEndReason } from './session-events.js';
import type { RunnerError } from './errors.js';

// Real draining (spec 3.7, gap 11.1 #9 fixed): stop accepting, wait for calls, then end them.

let fake: FakeOrchestrator | null = null;

afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setup(drainTimeoutMs: number) {
  fake = await FakeOrchestrator.start();
  const runs: Promise<SessionEndReason>[] = [];
  const runner = new AgentRunner({
    agentId: 'agent_d',
    apiKey: 'sk_test',
    baseUrl: fake.baseUrl,
    env: {},
    logLevel: 'silent',
    drainTimeoutMs,
    timing: { closeGraceMs: 1_000 },
    entrypoint: async (ctx) => {
      const run = ctx.session.run();
      runs.push(run);
      await run;
    },
  });
  const live = new Promise<CallContext>((resolve) => runner.on('call_start', resolve));
  const finalStates: string[] = [];
  runner.on('call_end', (_ctx, state) => void finalStates.push(state));
  await runner.start();
  const peer = await fake.nextWorker();
  const bridge = await peer.assign().bridge();
  await live;
  return { runner, peer, bridge, runs, finalStates };
}

describe('AgentRunner.shutdown()', () => {
  it('stops accepting, advertises draining, waits for the live call to end, then closes the control socket', async () => {
    const { runner, peer, bridge, finalStates } = await setup(30_000);
    let resolved = false;
    const done = runner.shutdown().then(() => (resolved = true));
    expect(await peer.frames.next((f) => f.type === 'heartbeat' && f.draining === true)).toMatchObject({ active_jobs: 1 });
    peer.assign({ assignId: 'late' });
    expect(await peer.ack('late')).toMatchObject({ accepted: false, reason: 'draining' });
    expect(runner.stats().draining).toBe(true);
    expect(resolved).toBe(false);
    expect(bridge.isOpen).toBe(true);
    bridge.close(1000, 'caller hung up');
    await done;
    expect((await peer.closed).code).toBe(1000);
    expect(finalStates).toEqual(['ended']);
    expect(runner.stats()).toMatchObject({ inFlight: 0, completedLastHour: 1 });
  });

  it('ends calls still live at the drain timeout (bridge closed 1000) and resolves when all is closed', async () => {
    const { runner, peer, bridge, runs, finalStates } = await setup(20);
    await runner.shutdown();
    expect((await bridge.closed).code).toBe(1000);
    expect(await runs[0]).toBe('cancelled');
    expect(finalStates).toEqual(['failed']);
    expect((await peer.closed).code).toBe(1000);
    expect(runner.activeCalls()).toEqual([]);
  });

  it('is idempotent, and start() afterwards rejects with runner_stopped', async () => {
    const { runner, bridge } = await setup(0);
    const a = runner.shutdown();
    expect(runner.shutdown()).toBe(a);
    await a;
    await bridge.closed;
    await expect(runner.start()).rejects.toMatchObject({ code: 'runner_stopped' } satisfies Partial<RunnerError>);
  });
});
