import { afterEach, describe, expect, it } from 'vitest';
import { EXTENSION_VERBS } from '@unpod/protocol';
import { FakeOrchestrator, type BridgeBehaviour, type BridgePeer } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from './agent-runner.js';
import type { CallContext } from './call-context.js';
import { RunnerError, SessionClosedError, VerbNotSupportedError } from './errors.js';

// CallSession controls (spec 6.1, 4.3) and negotiated extension verbs.

let fake: FakeOrchestrator | null = null;
const runners: AgentRunner[] = [];

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.shutdown()));
  await fake?.close();
  fake = null;
});

async function liveCall(bridge: Partial<BridgeBehaviour> = {}): Promise<{ bridge: BridgePeer; ctx: CallContext; ended: Promise<void> }> {
  fake = await FakeOrchestrator.start();
  let resolveCtx!: (ctx: CallContext) => void;
  const live = new Promise<CallContext>((resolve) => (resolveCtx = resolve));
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const runner = new AgentRunner({
    agentId: 'agent_c',
    apiKey: 'sk_test',
    baseUrl: fake.baseUrl,
    env: {},
    logLevel: 'silent',
    drainTimeoutMs: 0,
    timing: { closeGraceMs: 200, endCallGraceMs: 200 },
    entrypoint: async (ctx) => {
      resolveCtx(ctx);
      await ctx.session.run();
    },
  });
  runner.on('call_end', () => resolveEnded());
  runners.push(runner);
  await runner.start();
  const socket = await (await fake.nextWorker()).assign({ bridge }).bridge();
  return { bridge: socket, ctx: await live, ended };
}

describe('CallSession controls', () => {
  it('sends the reference verbs with their wire defaults (spec 4.3)', async () => {
    const { bridge, ctx } = await liveCall();
    const s = ctx.session;
    s.say('One moment');
    s.interrupt();
    s.transfer('+15550001234');
    s.transferToHuman('billing', { mode: 'warm', announcement: 'Caller needs a refund' });
    s.transferToAgent('agent_sales');
    s.dispatch('agent_other', { reason: 'handoff' });
    s.addParticipant('supervisor', { listen_only: true });
    s.removeParticipant('p_1');
    s.merge('SCL_other');
    s.end();
    s.end('again');
    await bridge.frames.next((f) => f.event === 'agent.end_call');
    expect(bridge.frames.items.slice(1)).toEqual([
      { event: 'agent.say', text: 'One moment' },
      { event: 'agent.text.end' },
      { event: 'agent.transfer', transfer_type: 'number', target: '+15550001234', mode: 'cold', announcement: '' },
      { event: 'agent.transfer', transfer_type: 'human', target: 'billing', mode: 'warm', announcement: 'Caller needs a refund' },
      { event: 'agent.transfer', transfer_type: 'agent', target: 'agent_sales', mode: 'cold', announcement: '' },
      { event: 'agent.dispatch', agent_id: 'agent_other', metadata: { reason: 'handoff' } },
      { event: 'agent.add_participant', participant_type: 'supervisor', config: { listen_only: true } },
      { event: 'agent.remove_participant', participant_id: 'p_1' },
      { event: 'agent.merge', source_session_id: 'SCL_other' },
      { event: 'agent.end_call', reason: 'completed' },
    ]);
  });

  it('validates arguments client-side', async () => {
    const { ctx } = await liveCall();
    expect(() => ctx.session.transfer('x', { mode: 'lukewarm' as never })).toThrow(RunnerError);
    expect(() => ctx.session.sendDtmf('12x')).toThrow(/digits/);
    expect(() => ctx.session.say('')).toThrow(RunnerError);
    expect(() => (ctx.session.dialogMachine = { stream: () => undefined } as never)).toThrow(TypeError);
  });

  it('sends negotiated extension verbs as real frames, never as sentinel text', async () => {
    const { bridge, ctx } = await liveCall();
    const s = ctx.session;
    for (const verb of EXTENSION_VERBS) expect(s.supports(verb)).toBe(true);
    s.setFiller('Let me check');
    s.recording.pause('card number');
    s.recording.resume();
    s.sendDtmf('1#');
    s.setHints(['yes', 'no']);
    s.say('This call is recorded.', { interruptible: false });
    await bridge.frames.next((f) => f.event === 'agent.say');
    expect(bridge.frames.items.slice(1)).toEqual([
      { event: 'agent.filler', text: 'Let me check' },
      { event: 'agent.recording.pause', reason: 'card number' },
      { event: 'agent.recording.resume' },
      { event: 'agent.dtmf', digits: '1#' },
      { event: 'agent.hints', phrases: ['yes', 'no'] },
      { event: 'agent.say', text: 'This call is recorded.', interruptible: false },
    ]);
  });

  it('refuses an extension verb the server did not negotiate, with a typed error and nothing spoken', async () => {
    const { bridge, ctx } = await liveCall({ supportedVerbs: [] });
    expect(ctx.negotiatedVerbs).not.toContain('agent.filler');
    expect(ctx.session.supports('agent.filler')).toBe(false);
    expect(() => ctx.session.setFiller('Let me check')).toThrow(VerbNotSupportedError);
    expect(() => ctx.session.recording.pause()).toThrow(/does not support "agent.recording.pause"/);
    expect(() => ctx.session.say('Please hold.', { interruptible: false })).toThrow(/does not support "agent.say.interruptible"/);
    ctx.session.say('barrier');
    await bridge.frames.next((f) => f.event === 'agent.say');
    expect(bridge.frames.items.slice(1)).toEqual([{ event: 'agent.say', text: 'barrier' }]);
  });

  it('throws SessionClosedError after the bridge closed', async () => {
    const { bridge, ctx, ended } = await liveCall();
    bridge.close();
    await ended;
    expect(() => ctx.session.say('hello?')).toThrow(SessionClosedError);
    expect(ctx.session.isOpen).toBe(false);
    expect(ctx.session.signal.aborted).toBe(true);
  });
});

describe('CallContext from call.started (spec 5)', () => {
  it('"call_id = call.started.session_id", job/room ids surfaced, data built with routing keys winning', async () => {
    const { ctx } = await liveCall({
      metadata: {
        direction: 'inbound',
        from_number: '+15550001111',
        to_number: '+15552223333',
        agent_id: 'agent_c',
        playbook_id: null,
        project_id: 'prj_1',
        org_id: 'org_1',
        pipe_id: 'PIPE_1',
        instructions: 'Be brief',
        data: { org_handle: 'acme', agent_id: 'caller_choice' },
      },
      voiceProfileId: 'VP_1',
    });
    expect(ctx.callId).toBe(ctx.sessionId);
    expect(ctx.sessionId).toMatch(/^SCL_/);
    expect(ctx.jobId).toMatch(/^job_/);
    expect(ctx.roomId).toMatch(/^room_/);
    expect(ctx.agentId).toBe('agent_c');
    expect(ctx.runnerId).toBe('agent_c');
    expect(ctx.direction).toBe('inbound');
    expect(ctx.userNumber).toBe('+15550001111');
    expect(ctx.instructions).toBe('Be brief');
    expect(ctx.voiceProfileId).toBe('VP_1');
    expect(ctx.data).toEqual({ org_handle: 'acme', agent_id: 'agent_c', project_id: 'prj_1', org_id: 'org_1', voice_profile_id: 'VP_1' });
    expect(ctx.session.callId).toBe(ctx.callId);
  });
});
