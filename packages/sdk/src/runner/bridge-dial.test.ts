import { afterEach, describe, expect, it, vi } from 'vitest';
import { BASE_EVENTS, BASE_VERBS, EXTENSION_EVENTS, EXTENSION_VERBS } from '@unpod/protocol';
import { FakeOrchestrator, type ControlPeer } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from './agent-runner.js';
import type { AgentRunnerOptions, RunnerTiming } from './config.js';
import type { CallContext } from './call-context.js';
import { bridgeUrlWithToken, redactUrl } from './redact.js';

// Bridge dial and handshake (spec 3.5, 4.1).

const FAST: Partial<RunnerTiming> = {
  bridgeRetryDelaysMs: [5, 10],
  handshakeTimeoutMs: 2_000,
  reconnectBaseMs: 5,
  reconnectMaxMs: 20,
  endCallGraceMs: 200,
  closeGraceMs: 200,
  turnMetricsWaitMs: 0,
};

let fake: FakeOrchestrator | null = null;
const runners: AgentRunner[] = [];

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.shutdown()));
  await fake?.close();
  fake = null;
});

async function registered(options: Partial<AgentRunnerOptions> = {}): Promise<{ peer: ControlPeer; runner: AgentRunner }> {
  fake = await FakeOrchestrator.start();
  const runner = new AgentRunner({
    agentId: 'agent_b',
    apiKey: 'sk_test',
    baseUrl: fake.baseUrl,
    env: {},
    logLevel: 'silent',
    drainTimeoutMs: 0,
    entrypoint: async (ctx) => void (await ctx.session.run()),
    ...options,
    timing: { ...FAST, ...options.timing },
  });
  runners.push(runner);
  await runner.start();
  return { peer: await fake.nextWorker(), runner };
}

describe('bridge URL (spec 3.5)', () => {
  it('appends token=<call_token>, keeping existing query parameters', () => {
    expect(bridgeUrlWithToken('ws://h/v1/internal/bridge/c1?a=1', 'ct_x')).toBe('ws://h/v1/internal/bridge/c1?a=1&token=ct_x');
  });

  it('redacts token, call_token, signature and api_key values in logged URLs', () => {
    expect(redactUrl('ws://h/b?token=s3cret&a=1&signature=x&api_key=k&call_token=t')).toBe(
      'ws://h/b?token=***&a=1&signature=***&api_key=***&call_token=***',
    );
  });
});

describe('bridge handshake (spec 4.1)', () => {
  it('dials with the token and query preserved; hello (v2, reference lists plus extensions) is the first frame', async () => {
    const { peer } = await registered();
    const call = peer.assign();
    const bridge = await call.bridge();
    expect(bridge.token).toBe(call.token);
    expect(bridge.query.get('via')).toBe('fake');
    const hello = await bridge.frames.next();
    expect(hello).toEqual({
      event: 'hello',
      protocol_version: 2,
      supported_events: [...BASE_EVENTS, ...EXTENSION_EVENTS],
      supported_verbs: [...BASE_VERBS, ...EXTENSION_VERBS],
    });
  });

  it('runs call_start, then the entrypoint exactly once, then call_end "ended"', async () => {
    const order: string[] = [];
    const { peer, runner } = await registered({
      entrypoint: async (ctx) => {
        order.push(`entrypoint:${ctx.callId}`);
        await ctx.session.run();
      },
    });
    runner.on('call_start', () => void order.push('call_start'));
    const ended = new Promise<string>((resolve) => runner.on('call_end', (_ctx, state) => resolve(state)));
    const call = peer.assign();
    const bridge = await call.bridge();
    await bridge.frames.next((f) => f.event === 'hello');
    bridge.close(1000, 'caller hung up');
    expect(await ended).toBe('ended');
    expect(order).toEqual(['call_start', `entrypoint:${call.sessionId}`]);
    expect(runner.stats().completedLastHour).toBe(1);
  });

  it('no hello.ack within the handshake timeout: 3 attempts, then the job fails without running the entrypoint', async () => {
    const entrypoint = vi.fn();
    const { peer, runner } = await registered({ entrypoint, timing: { handshakeTimeoutMs: 30 } });
    const call = peer.assign({ bridge: { autoHandshake: false } });
    for (let i = 0; i < 3; i++) {
      const dial = await call.dials.next();
      expect((await dial.frames.next()).event).toBe('hello');
      await dial.closed;
    }
    await vi.waitFor(() => expect(runner.stats().failedLastHour).toBe(1));
    expect(call.dials.items).toHaveLength(3);
    expect(entrypoint).not.toHaveBeenCalled();
  });

  it('call.started before hello.ack fails that attempt; the retry succeeds', async () => {
    const { peer, runner } = await registered();
    const live = new Promise<CallContext>((resolve) => runner.on('call_start', resolve));
    const call = peer.assign({ bridge: { autoHandshake: false } });
    const first = await call.dials.next();
    await first.frames.next((f) => f.event === 'hello');
    first.send({ event: 'call.started', session_id: call.sessionId, job_id: call.jobId, room_id: 'r', metadata: {} });
    await first.closed;
    const second = await call.dials.next();
    second.handshake(await second.frames.next((f) => f.event === 'hello'));
    expect((await live).sessionId).toBe(call.sessionId);
  });

  it('retries only failures before the handshake: two dropped dials, the third runs the call once', async () => {
    let entered!: () => void;
    const live = new Promise<void>((resolve) => (entered = resolve));
    const entrypoint = vi.fn(async (ctx: CallContext) => {
      entered();
      await ctx.session.run();
    });
    const { peer } = await registered({ entrypoint });
    const call = peer.assign({ bridge: { dropFirstDials: 2 } });
    const bridge = await call.bridge();
    await live;
    expect(call.dials.items).toHaveLength(3);
    expect(entrypoint).toHaveBeenCalledTimes(1);
    bridge.close();
  });

  it('a 4003 pairing rejection is final: no retry', async () => {
    const { peer, runner } = await registered();
    peer.assign({ extra: { call_token: 'ct_wrong' } });
    await vi.waitFor(() => expect(runner.stats().failedLastHour).toBe(1));
    expect(fake!.rejectedDials.items).toHaveLength(1);
  });

  it('an entrypoint that throws runs once: bridge closed with 1011, call_end "failed", never redialled', async () => {
    const entrypoint = vi.fn(async () => {
      throw new Error('boom');
    });
    const { peer, runner } = await registered({ entrypoint });
    const ended = new Promise<string>((resolve) => runner.on('call_end', (_ctx, state) => resolve(state)));
    const call = peer.assign();
    const bridge = await call.bridge();
    expect((await bridge.closed).code).toBe(1011);
    expect(await ended).toBe('failed');
    expect(entrypoint).toHaveBeenCalledTimes(1);
    expect(call.dials.items).toHaveLength(1);
    expect(runner.stats()).toMatchObject({ failedLastHour: 1, completedLastHour: 0, inFlight: 0 });
  });

  it('an entrypoint that ends the call waits for the server to close after agent.end_call', async () => {
    const { peer, runner } = await registered({
      entrypoint: (ctx) => {
        ctx.session.say('Goodbye');
        ctx.session.end();
      },
      timing: { endCallGraceMs: 10_000 },
    });
    const ended = new Promise<string>((resolve) => runner.on('call_end', (_ctx, state) => resolve(state)));
    const bridge = await peer.assign().bridge();
    expect(await bridge.frames.next((f) => f.event === 'agent.end_call')).toEqual({ event: 'agent.end_call', reason: 'completed' });
    expect(bridge.isOpen).toBe(true);
    bridge.close(1000, 'speech drained');
    expect(await ended).toBe('ended');
  });
});
