import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeOrchestrator, type ControlPeer, type Frame } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from './agent-runner.js';
import type { AgentRunnerOptions, RunnerTiming } from './config.js';
import { RunnerAuthError, RunnerConfigError, TransportRejectedError } from './errors.js';
import type { CallContext } from './call-context.js';
import { functionAdapter } from './adapters/function-adapter.js';
import type { LogFields, Logger } from '../logger.js';

// Control protocol (spec 3.3 / 3.4) against a real WebSocket server on port 0.

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

async function setup(
  fakeOptions: Parameters<typeof FakeOrchestrator.start>[0] = {},
  options: Partial<AgentRunnerOptions> = {},
): Promise<{ fake: FakeOrchestrator; runner: AgentRunner }> {
  fake = await FakeOrchestrator.start(fakeOptions);
  const runner = new AgentRunner({
    agentId: 'agent_a',
    apiKey: 'sk_test',
    baseUrl: fake.baseUrl,
    env: {},
    logLevel: 'silent',
    drainTimeoutMs: 0,
    timing: FAST,
    entrypoint: async (ctx) => {
      await ctx.session.run();
    },
    ...options,
  });
  runners.push(runner);
  return { fake, runner };
}

function callStarted(runner: AgentRunner): Promise<CallContext> {
  return new Promise((resolve) => {
    const off = runner.on('call_start', (ctx) => {
      off();
      resolve(ctx);
    });
  });
}

describe('AgentRunner registration (spec 3.3)', () => {
  it('sends register with worker_id "<agent_id>#<8 hex>", pool and dial_out brain capabilities, with the bearer key', async () => {
    const { fake, runner } = await setup({}, { maxConcurrentCalls: 7, hostInfo: { region: 'eu-test' } });
    await runner.start();
    const peer = await fake.nextWorker();
    const register = await peer.register();
    expect(peer.headers.authorization).toBe('Bearer sk_test');
    expect(register.worker_id).toMatch(/^agent_a#[0-9a-f]{8}$/);
    expect(register.worker_id).toBe(runner.workerId);
    expect(register.pool).toBe('agent_a');
    expect(register.capabilities).toMatchObject({
      voice_profiles: [],
      max_concurrent: 7,
      agent_id: 'agent_a',
      transport: 'dial_out',
      kind: 'brain',
      region: 'eu-test',
      deployment: 'local',
    });
    expect(register.capabilities).not.toHaveProperty('bridge_base');
  });

  it('registers in the "<agent_id>@dev" pool in dev mode', async () => {
    const { fake, runner } = await setup({}, { devMode: true });
    await runner.start();
    expect((await (await fake.nextWorker()).register()).pool).toBe('agent_a@dev');
  });

  it('heartbeats at the advertised interval with active_jobs counting live calls only', async () => {
    const { fake, runner } = await setup({ heartbeatIntervalS: 0.02 });
    await runner.start();
    const peer = await fake.nextWorker();
    for (let i = 0; i < 3; i++) {
      expect(await peer.frames.next((f) => f.type === 'heartbeat')).toEqual({ type: 'heartbeat', active_jobs: 0, worker_id: runner.workerId });
    }
    const live = callStarted(runner);
    peer.assign();
    await live;
    await peer.frames.next((f) => f.type === 'heartbeat' && f.active_jobs === 1);
  });

  it('fails fast without an API key', () => {
    expect(() => new AgentRunner({ agentId: 'a', entrypoint: () => undefined, env: {} })).toThrow(RunnerConfigError);
    try {
      new AgentRunner({ agentId: 'a', entrypoint: () => undefined, env: {} });
    } catch (err) {
      expect((err as RunnerConfigError).code).toBe('missing_api_key');
    }
  });
});

describe('job.assign / job.ack (spec 3.3)', () => {
  async function registered(fakeOptions = {}, options: Partial<AgentRunnerOptions> = {}): Promise<{ peer: ControlPeer; runner: AgentRunner }> {
    const { fake, runner } = await setup(fakeOptions, options);
    await runner.start();
    return { peer: await fake.nextWorker(), runner };
  }

  it('accepts and echoes assign_id with reason null', async () => {
    const { peer } = await registered();
    const call = peer.assign({ assignId: 'as_1' });
    expect(await peer.ack('as_1')).toEqual({ type: 'job.ack', job_id: call.jobId, assign_id: 'as_1', accepted: true, reason: null });
  });

  it('rejects a different agent_id with agent_id_mismatch', async () => {
    const { peer } = await registered();
    peer.assign({ agentId: 'someone_else', assignId: 'as_2' });
    expect(await peer.ack('as_2')).toMatchObject({ accepted: false, reason: 'agent_id_mismatch', assign_id: 'as_2' });
  });

  it('rejects at_capacity counting jobs still dialing', async () => {
    const { peer, runner } = await registered({}, { maxConcurrentCalls: 1 });
    const dialing = peer.assign({ assignId: 'first', bridge: { autoHandshake: false } });
    expect((await peer.ack('first')).accepted).toBe(true);
    await (await dialing.bridge()).frames.next((f) => f.event === 'hello');
    expect(runner.stats()).toMatchObject({ dialing: 1, inFlight: 0 });
    peer.assign({ assignId: 'second' });
    expect(await peer.ack('second')).toMatchObject({ accepted: false, reason: 'at_capacity' });
  });

  it('ignores unknown control frames instead of reconnecting', async () => {
    const { peer } = await registered();
    peer.send({ type: 'something.new', x: 1 });
    peer.assign({ assignId: 'after' });
    expect((await peer.ack('after')).accepted).toBe(true);
    expect(peer.isOpen).toBe(true);
  });

  it('job.cancel aborts a job that is still dialing; the entrypoint never runs', async () => {
    const entrypoint = vi.fn();
    const { peer, runner } = await registered({}, { entrypoint });
    const call = peer.assign({ bridge: { autoHandshake: false } });
    const bridge = await call.bridge();
    await bridge.frames.next((f) => f.event === 'hello');
    peer.cancel(call.jobId, 'caller hung up');
    await bridge.closed;
    await vi.waitFor(() => expect(runner.stats().dialing).toBe(0));
    expect(entrypoint).not.toHaveBeenCalled();
    expect(runner.stats().failedLastHour).toBe(0);
  });

  it('job.cancel ends a live call: run() resolves "cancelled", call_end reports failed', async () => {
    let runResult: Promise<string> | null = null;
    const { peer, runner } = await registered(
      {},
      {
        entrypoint: async (ctx) => {
          runResult = ctx.session.run();
          await runResult;
        },
      },
    );
    const ended = new Promise<string>((resolve) => runner.on('call_end', (_ctx, state) => resolve(state)));
    const live = callStarted(runner);
    const call = peer.assign();
    const bridge = await call.bridge();
    await live;
    peer.cancel(call.jobId);
    expect((await bridge.closed).code).toBe(1000);
    expect(await ended).toBe('failed');
    expect(await runResult!).toBe('cancelled');
  });
});

describe('control-socket lifecycle (spec 3.4)', () => {
  it('reconnects with the same worker_id after the server drops the socket; the live call survives', async () => {
    const { fake, runner } = await setup({}, {});
    const reconnects: boolean[] = [];
    runner.on('registered', (info) => void reconnects.push(info.reconnect));
    await runner.start();
    const first = await fake.nextWorker();
    const live = callStarted(runner);
    const call = first.assign();
    const bridge = await call.bridge();
    const ctx = await live;
    ctx.session.dialogMachine = functionAdapter(async (t) => `echo ${t}`);
    first.terminate();
    const second = await fake.nextWorker();
    expect((await second.register()).worker_id).toBe(runner.workerId);
    await vi.waitFor(() => expect(reconnects).toEqual([false, true]));
    bridge.userText('still there?');
    expect(await bridge.frames.next((f) => f.event === 'agent.text.delta')).toMatchObject({ text: 'echo still there?' });
  });

  it('close 4001 is fatal: start() rejects with RunnerAuthError pointing at UNPOD_API_KEY, no reconnect', async () => {
    const { fake, runner } = await setup({}, { apiKey: 'sk_wrong' });
    const err = await runner.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunnerAuthError);
    expect((err as RunnerAuthError).closeCode).toBe(4001);
    expect((err as Error).message).toContain('UNPOD_API_KEY');
    expect(fake.authFailures.items).toHaveLength(1);
    expect(fake.controls.items).toHaveLength(0);
  });

  it('an HTTP 401 upgrade refusal is fatal too', async () => {
    const { runner } = await setup({ authFailure: 'http401' }, { apiKey: 'sk_wrong' });
    await expect(runner.start()).rejects.toBeInstanceOf(RunnerAuthError);
  });

  it('close 1008 after registration stops the runner and fires the error hook', async () => {
    const { fake, runner } = await setup();
    const errors: unknown[] = [];
    const gotError = new Promise<void>((resolve) =>
      runner.on('error', (e) => {
        errors.push(e);
        resolve();
      }),
    );
    await runner.start();
    const done = runner.run().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    (await fake.nextWorker()).close(1008, 'key revoked');
    await gotError;
    expect(errors[0]).toBeInstanceOf(RunnerAuthError);
    expect(await done).toBeInstanceOf(RunnerAuthError);
    expect(fake.controls.items).toHaveLength(1);
  });

  it('a transport_ack other than dial_out is fatal (TransportRejectedError)', async () => {
    const { runner } = await setup({ transportAck: 'serve' });
    await expect(runner.start()).rejects.toBeInstanceOf(TransportRejectedError);
  });

  it('backs off with jitter between failures and resets the ladder after a successful registration', async () => {
    const records: LogFields[] = [];
    const capture = (bindings: LogFields): Logger => {
      const push = (fields: LogFields, msg?: string) => void records.push({ ...bindings, ...fields, msg });
      return { debug: push, info: push, warn: push, error: push, child: (more) => capture({ ...bindings, ...more }) };
    };
    const { fake, runner } = await setup({ autoRegister: false }, { logger: capture({}), timing: { ...FAST, reconnectBaseMs: 2, random: () => 0.5 } });
    const started = runner.start();
    (await fake.nextWorker()).terminate();
    (await fake.nextWorker()).terminate();
    const third = await fake.nextWorker();
    third.sendRegistered();
    await started;
    third.terminate();
    await fake.nextWorker();
    const ladder = records.filter((r) => r.msg === 'control socket down; reconnecting').map((r) => [r.attempt, r.delay_ms]);
    expect(ladder).toEqual([
      [1, 2],
      [2, 4],
      [1, 2],
    ]);
  });

  it('keeps retrying while the server is unreachable, then registers', async () => {
    const { fake, runner } = await setup({ autoRegister: false });
    const started = runner.start();
    const first = await fake.nextWorker();
    first.terminate();
    const second = await fake.nextWorker();
    second.sendRegistered();
    await started;
    const frames: Frame[] = second.frames.items;
    expect(frames[0]).toMatchObject({ type: 'register', worker_id: runner.workerId });
  });
});
