import { afterEach, describe, expect, it } from 'vitest';
import { FakeOrchestrator, type BridgeBehaviour, type BridgePeer, type Frame } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from './agent-runner.js';
import type { AgentRunnerOptions } from './config.js';
import type { CallContext } from './call-context.js';
import { INTERRUPTION_NUDGE, type DialogAdapter, type LlmCallback, type StreamOptions } from './adapters/types.js';
import type { SessionEndReason } from './session-events.js';

// CallSession.run() (spec 6.2 with the known gaps of 11.1 #10 fixed), over a real bridge socket.

let fake: FakeOrchestrator | null = null;
const runners: AgentRunner[] = [];

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.shutdown()));
  await fake?.close();
  fake = null;
});

interface Live {
  bridge: BridgePeer;
  ctx: CallContext;
  run: Promise<SessionEndReason>;
}

async function liveCall(setup: (ctx: CallContext) => void, bridge: Partial<BridgeBehaviour> = {}, options: Partial<AgentRunnerOptions> = {}): Promise<Live> {
  fake = await FakeOrchestrator.start();
  let resolveLive!: (live: Omit<Live, 'bridge'>) => void;
  const live = new Promise<Omit<Live, 'bridge'>>((resolve) => (resolveLive = resolve));
  const runner = new AgentRunner({
    agentId: 'agent_s',
    apiKey: 'sk_test',
    baseUrl: fake.baseUrl,
    env: {},
    logLevel: 'silent',
    drainTimeoutMs: 0,
    timing: { closeGraceMs: 200, endCallGraceMs: 200, turnMetricsWaitMs: 0, ...options.timing },
    entrypoint: async (ctx) => {
      setup(ctx);
      const run = ctx.session.run();
      resolveLive({ ctx, run });
      await run;
    },
    ...options,
  });
  runners.push(runner);
  await runner.start();
  const peer = await fake.nextWorker();
  const call = peer.assign({ bridge });
  const socket = await call.bridge();
  return { bridge: socket, ...(await live) };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** An adapter whose reply per user text is a script of chunks and gates to wait on. */
class ScriptedAdapter implements DialogAdapter {
  readonly calls: { text: string; options: StreamOptions }[] = [];
  readonly assisted: string[] = [];
  readonly marked: (string | null)[] = [];
  llm: LlmCallback | null = null;
  isComplete = false;

  constructor(private readonly script: (text: string) => (string | Promise<void>)[]) {}

  async *stream(text: string, options: StreamOptions): AsyncGenerator<string> {
    this.calls.push({ text, options });
    for (const step of this.script(text)) {
      if (typeof step === 'string') yield step;
      else await step;
    }
  }
  async turn(): Promise<string> {
    return '';
  }
  assist(instruction: string): void {
    this.assisted.push(instruction);
  }
  markInterrupted(heard: string | null): void {
    this.marked.push(heard);
  }
  registerLlmCallback(cb: LlmCallback): void {
    this.llm = cb;
  }
}

const textFrames = (bridge: BridgePeer): Frame[] => bridge.frames.filter((f) => String(f.event).startsWith('agent.text'));

describe('run(): turns', () => {
  it('streams deltas in order and sends exactly one agent.text.end per turn', async () => {
    const adapter = new ScriptedAdapter((t) => ['Hel', 'lo ', '', t]);
    const seen: string[] = [];
    const { bridge } = await liveCall((ctx) => {
      ctx.session.dialogMachine = adapter;
      ctx.session.on('user_turn', (text, info) => void seen.push(`user:${text}:${info.turnId}:${info.language}`));
      ctx.session.on('agent_turn', (text) => void seen.push(`agent:${text}`));
      ctx.session.on('turn_complete', (info) => void seen.push(`complete:${info.turnId}:${info.measuredBy}`));
    });
    bridge.userText('one', { extra: { language: 'en-IN' } });
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    bridge.userText('two');
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(textFrames(bridge)).toEqual([
      { event: 'agent.text.delta', text: 'Hel' },
      { event: 'agent.text.delta', text: 'lo ' },
      { event: 'agent.text.delta', text: 'one' },
      { event: 'agent.text.end' },
      { event: 'agent.text.delta', text: 'Hel' },
      { event: 'agent.text.delta', text: 'lo ' },
      { event: 'agent.text.delta', text: 'two' },
      { event: 'agent.text.end' },
    ]);
    expect(seen).toEqual(['user:one:1:en-IN', 'agent:Hello one', 'complete:1:sdk', 'user:two:2:null', 'agent:Hello two', 'complete:2:sdk']);
    expect(adapter.calls[0]!.options.language).toBe('en-IN');
    expect(adapter.calls[0]!.options.context).toMatchObject({ turnId: 1, agentId: 'agent_s' });
  });

  it('without an adapter still sends agent.text.end so the turn gate releases', async () => {
    const { bridge } = await liveCall(() => undefined);
    bridge.userText('anyone?');
    expect(await bridge.frames.next((f) => String(f.event).startsWith('agent.'))).toEqual({ event: 'agent.text.end' });
  });

  it('treats user.text with is_final:false as a partial (user_partial), not a turn', async () => {
    const partials: string[] = [];
    const turns: string[] = [];
    const { bridge } = await liveCall((ctx) => {
      ctx.session.dialogMachine = new ScriptedAdapter(() => ['ok']);
      ctx.session.on('user_partial', (text) => void partials.push(text));
      ctx.session.on('user_turn', (text) => void turns.push(text));
    });
    bridge.userText('book a', { is_final: false });
    bridge.send({ event: 'user.partial', text: 'book a ta' });
    bridge.userText('book a table');
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(partials).toEqual(['book a', 'book a ta']);
    expect(turns).toEqual(['book a table']);
    expect(bridge.frames.filter((f) => f.event === 'agent.text.end')).toHaveLength(1);
  });

  it('ends the call with agent.end_call "completed" when the adapter reports isComplete', async () => {
    const adapter = new ScriptedAdapter(() => ['Bye']);
    adapter.isComplete = true;
    const { bridge, run } = await liveCall((ctx) => void (ctx.session.dialogMachine = adapter));
    bridge.userText('thanks');
    expect(await bridge.frames.next((f) => f.event === 'agent.end_call')).toEqual({ event: 'agent.end_call', reason: 'completed' });
    expect(await run).toBe('completed');
  });

  it('an adapter failure ends the turn (error hook, source adapter) and the call continues', async () => {
    let fail = true;
    const errors: string[] = [];
    const { bridge } = await liveCall((ctx) => {
      ctx.session.dialogMachine = {
        async *stream() {
          if (fail) {
            fail = false;
            throw new Error('provider down');
          }
          yield 'recovered';
        },
        turn: async () => '',
        assist: () => undefined,
      };
      ctx.session.on('error', (e) => void errors.push(`${e.source}:${e.code}:${e.severity}`));
    });
    bridge.userText('first');
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    bridge.userText('second');
    expect(await bridge.frames.next((f) => f.event === 'agent.text.delta')).toMatchObject({ text: 'recovered' });
    expect(errors).toEqual(['adapter:adapter_failed:error']);
  });
});

describe('run(): barge-in', () => {
  it('mid-stream user.interrupted aborts the stream: signal aborted, no later delta, heard_prefix passed, nudge given', async () => {
    const hold = gate();
    const adapter = new ScriptedAdapter((t) => (t === 'first' ? ['one ', hold.promise, 'LATE'] : ['fresh']));
    const interruptions: unknown[] = [];
    const { bridge } = await liveCall((ctx) => {
      ctx.session.dialogMachine = adapter;
      ctx.session.on('interruption', (info) => void interruptions.push(info));
    });
    bridge.userText('first');
    await bridge.frames.next((f) => f.event === 'agent.text.delta');
    bridge.interrupt('one', 1);
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(adapter.calls[0]!.options.signal.aborted).toBe(true);
    expect(adapter.marked).toEqual(['one']);
    expect(adapter.assisted).toEqual([INTERRUPTION_NUDGE]);
    expect(interruptions).toEqual([{ turnId: 1, heardPrefix: 'one', midStream: true }]);
    hold.open();
    // Barrier: a full second turn; a late delta from the first would have arrived before it.
    bridge.userText('second');
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(textFrames(bridge)).toEqual([
      { event: 'agent.text.delta', text: 'one ' },
      { event: 'agent.text.end' },
      { event: 'agent.text.delta', text: 'fresh' },
      { event: 'agent.text.end' },
    ]);
  });

  it('session.interrupt() mid-stream stops the stream; run() still sends the turn\'s single agent.text.end', async () => {
    const hold = gate();
    const adapter = new ScriptedAdapter(() => ['partial ', hold.promise, 'LATE']);
    const interruptions: unknown[] = [];
    const { bridge, ctx } = await liveCall((c) => {
      c.session.dialogMachine = adapter;
      c.session.on('interruption', (info) => void interruptions.push(info));
    });
    bridge.userText('go');
    await bridge.frames.next((f) => f.event === 'agent.text.delta');
    ctx.session.interrupt();
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    hold.open();
    ctx.session.say('barrier');
    await bridge.frames.next((f) => f.event === 'agent.say');
    expect(adapter.calls[0]!.options.signal.aborted).toBe(true);
    expect(textFrames(bridge)).toEqual([{ event: 'agent.text.delta', text: 'partial ' }, { event: 'agent.text.end' }]);
    expect(interruptions).toEqual([]);
  });

  it('between turns: markInterrupted only with a heard prefix, the nudge always', async () => {
    const adapter = new ScriptedAdapter(() => ['ok']);
    const { bridge } = await liveCall((ctx) => void (ctx.session.dialogMachine = adapter));
    bridge.interrupt(null);
    bridge.interrupt('ok');
    bridge.userText('barrier');
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(adapter.marked).toEqual(['ok']);
    expect(adapter.assisted).toEqual([INTERRUPTION_NUDGE, INTERRUPTION_NUDGE]);
  });
});

describe('run(): events during a turn', () => {
  it('queues user.text and error frames that arrive mid-stream and handles them after the turn, in order', async () => {
    const hold = gate();
    const adapter = new ScriptedAdapter((t) => (t === 'first' ? ['a', hold.promise, 'b'] : [t]));
    const log: string[] = [];
    const { bridge } = await liveCall((ctx) => {
      ctx.session.dialogMachine = adapter;
      ctx.session.on('user_turn', (text) => void log.push(`turn:${text}`));
      ctx.session.on('agent_turn', (text) => void log.push(`agent:${text}`));
      ctx.session.on('error', (e) => void log.push(`error:${e.severity}`));
      ctx.session.on('metric', () => void log.push('metric'));
    });
    bridge.userText('first');
    await bridge.frames.next((f) => f.event === 'agent.text.delta');
    bridge.userText('second');
    bridge.error('warn');
    bridge.userText('third');
    bridge.send({ event: 'metric', turns: 1 });
    // metric is passive: handled while the turn is still blocked.
    await waitUntil(() => log.includes('metric'));
    hold.open();
    await bridge.frames.next((f) => f.event === 'agent.text.end' && textFrames(bridge).filter((x) => x.event === 'agent.text.end').length === 3);
    expect(log).toEqual(['turn:first', 'metric', 'agent:ab', 'turn:second', 'agent:second', 'error:warn', 'turn:third', 'agent:third']);
  });

  it('handles passive events mid-stream: metric, state, turn.metrics, dtmf, silence, transfer.result', async () => {
    const hold = gate();
    const seen: string[] = [];
    const { bridge } = await liveCall((ctx) => {
      ctx.session.dialogMachine = new ScriptedAdapter(() => ['x', hold.promise]);
      ctx.session.on('metric', (m) => void seen.push(`metric:${m.ttfaMs}`));
      ctx.session.on('state', (s) => void seen.push(`state:${s.state}`));
      ctx.session.on('dtmf', (d) => void seen.push(`dtmf:${d.digits}`));
      ctx.session.on('silence', (s) => void seen.push(`silence:${s.durationMs}`));
      ctx.session.on('transfer_result', (r) => void seen.push(`transfer:${r.outcome}`));
    });
    bridge.userText('go');
    await bridge.frames.next((f) => f.event === 'agent.text.delta');
    bridge.send({ event: 'metric', ttfa_ms: 420, turns: 1 });
    bridge.send({ event: 'state', state: 'speaking', turn_id: 1 });
    bridge.send({ event: 'dtmf', digits: '12#' });
    bridge.send({ event: 'silence', duration_ms: 5000 });
    bridge.send({ event: 'transfer.result', target: '+15550009999', outcome: 'busy' });
    bridge.send({ event: 'brand.new.event', x: 1 });
    await waitUntil(() => seen.length === 5);
    expect(seen).toEqual(['metric:420', 'state:speaking', 'dtmf:12#', 'silence:5000', 'transfer:busy']);
    expect(bridge.frames.filter((f) => f.event === 'agent.text.end')).toHaveLength(0);
    hold.open();
    await bridge.frames.next((f) => f.event === 'agent.text.end');
  });
});

describe('run(): errors and hooks', () => {
  it('warn and error frames fire the error hook and the call continues; fatal ends run() with "error"', async () => {
    const errors: string[] = [];
    const ends: string[] = [];
    const { bridge, run } = await liveCall((ctx) => {
      ctx.session.dialogMachine = new ScriptedAdapter(() => ['still here']);
      ctx.session.on('error', (e) => void errors.push(`${e.severity}:${e.code}:${e.source}`));
      ctx.session.on('call_end', (reason) => void ends.push(reason));
    });
    bridge.error('warn', 'tts.pipeline_error', 'tts');
    bridge.error('error', 'stt.processing_failed', 'stt');
    bridge.userText('hello?');
    expect(await bridge.frames.next((f) => f.event === 'agent.text.delta')).toMatchObject({ text: 'still here' });
    bridge.error('fatal', 'transport.lost', 'transport');
    expect(await run).toBe('error');
    expect(errors).toEqual(['warn:tts.pipeline_error:tts', 'error:stt.processing_failed:stt', 'fatal:transport.lost:transport']);
    expect(ends).toEqual(['error']);
  });

  it('isolates a throwing hook: later handlers run and the turn completes', async () => {
    const ran: string[] = [];
    const { bridge } = await liveCall((ctx) => {
      ctx.session.dialogMachine = new ScriptedAdapter(() => ['fine']);
      ctx.session.on('user_turn', () => {
        throw new Error('bad hook');
      });
      ctx.session.on('user_turn', async () => {
        ran.push('second handler');
      });
    });
    bridge.userText('hi');
    expect(await bridge.frames.next((f) => f.event === 'agent.text.delta')).toMatchObject({ text: 'fine' });
    expect(ran).toEqual(['second handler']);
  });

  it('run() resolves "hangup" when the server closes the bridge; call_start and call_end fire', async () => {
    const hooks: string[] = [];
    const { bridge, run } = await liveCall((ctx) => {
      ctx.session.on('call_start', () => void hooks.push('start'));
      ctx.session.on('call_end', (r) => void hooks.push(`end:${r}`));
    });
    bridge.close(1000, 'caller hung up');
    expect(await run).toBe('hangup');
    expect(hooks).toEqual(['start', 'end:hangup']);
  });
});

describe('run(): metrics', () => {
  it('fires turn_complete once per turn, merging the server turn.metrics that arrive after the turn', async () => {
    const completes: { turnId: number; measuredBy: string; ttfaMs: number | null; llmCallCount: number }[] = [];
    const adapter = new ScriptedAdapter(() => ['hi']);
    const { bridge, ctx } = await liveCall(
      (c) => {
        c.session.dialogMachine = {
          ...adapter,
          stream: async function* (text: string, options: StreamOptions) {
            await adapter.llm?.({ model: 'm1', callType: 'chat', latencyMs: 12, tokensIn: 30, tokensOut: 4 });
            yield* adapter.stream(text, options);
          },
          turn: adapter.turn,
          assist: adapter.assist.bind(adapter),
          registerLlmCallback: adapter.registerLlmCallback.bind(adapter),
        };
        c.session.on('turn_complete', (info) => void completes.push(info));
      },
      {},
      { timing: { turnMetricsWaitMs: 10_000 } },
    );
    const llmCalls: number[] = [];
    ctx.session.on('llm_call', (info) => void llmCalls.push(info.turnId));
    bridge.userText('one', { turn_id: 7 });
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    bridge.send({ event: 'turn.metrics', call_id: 'c', turn_id: 7, ttfa_ms: 640, asr_ms: 120, llm_call_count: 0 });
    await waitUntil(() => completes.length === 1);
    expect(completes[0]).toMatchObject({ turnId: 1, measuredBy: 'server', ttfaMs: 640, asrMs: 120, sttMs: 120, llmCallCount: 1 });
    bridge.userText('two', { turn_id: 8 });
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    bridge.close();
    await waitUntil(() => completes.length === 2);
    expect(completes[1]).toMatchObject({ turnId: 2, measuredBy: 'sdk' });
    expect(llmCalls).toEqual([1, 2]);
    const live = ctx.session.metrics.live();
    expect(live).toMatchObject({ turns: 2, llmCalls: 2, tokens: { input: 60, output: 8, cached: 0, cacheWrite: 0 }, model: 'm1', ttfaP95Ms: 640 });
    expect(live.ttftP95Ms).not.toBeNull();
  });
});

/** Wait for a condition driven by frames already sent (bounded; polls the event loop, never sleeps a fixed time). */
async function waitUntil(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
