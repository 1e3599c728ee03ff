import { describe, expect, it } from 'vitest';
import { buildCallContext, buildCallData, pickDirection, pickUserNumber } from './call-context.js';
import type { CallSession } from './call-session.js';

// CallContext construction rules (spec 5), quoted in the test names.

describe('CallContext data (spec 5)', () => {
  it('"if metadata.data is an object, use a copy of it (the frame is never mutated)"', () => {
    const metadata = { data: { nested: { n: 1 } }, org_id: 'org_1' };
    const data = buildCallData(metadata, 'VP_1');
    (data.nested as { n: number }).n = 2;
    data.extra = true;
    expect(metadata).toEqual({ data: { nested: { n: 1 } }, org_id: 'org_1' });
  });

  it('"otherwise use all metadata keys except the reserved ones"', () => {
    const data = buildCallData(
      { direction: 'inbound', user_number: '1', caller_number: '2', to_number: '3', from_number: '4', instructions: 'x', topic: 'refund', pipe_id: 'P' },
      null,
    );
    expect(data).toEqual({ topic: 'refund', pipe_id: 'P', voice_profile_id: null });
  });

  it('"overlay routing identity ... whenever truthy, server value wins over a same-named caller key"', () => {
    const data = buildCallData({ agent_id: 'srv_agent', playbook_id: '', project_id: 'prj', org_id: 'org', data: { agent_id: 'evil', playbook_id: 'mine' } }, null);
    expect(data).toMatchObject({ agent_id: 'srv_agent', playbook_id: 'mine', project_id: 'prj', org_id: 'org' });
  });

  it('"set voice_profile_id from the frame\'s top-level field only if not already present"', () => {
    expect(buildCallData({ data: { voice_profile_id: 'VP_caller' } }, 'VP_frame').voice_profile_id).toBe('VP_caller');
    expect(buildCallData({ data: {} }, 'VP_frame').voice_profile_id).toBe('VP_frame');
  });

  it('reproduces the spec example: pipe_id dropped, null playbook_id skipped', () => {
    const metadata = { agent_id: 'a1', playbook_id: null, project_id: 'p1', org_id: 'o1', pipe_id: 'PIPE_1', data: { org_handle: 'acme' } };
    expect(buildCallData(metadata, 'VP_9')).toEqual({ org_handle: 'acme', agent_id: 'a1', project_id: 'p1', org_id: 'o1', voice_profile_id: 'VP_9' });
  });
});

describe('CallContext user number and direction (spec 5, DID pitfall fixed)', () => {
  it('"direction: metadata.direction, default inbound"', () => {
    expect(pickDirection({})).toBe('inbound');
    expect(pickDirection({ direction: 'outbound' })).toBe('outbound');
    expect(pickDirection({ direction: 'sideways' })).toBe('inbound');
  });

  it('inbound with both to_number and from_number picks the caller (from), never the DID (to)', () => {
    expect(pickUserNumber({ to_number: '+1DID', from_number: '+1CALLER' }, 'inbound')).toBe('+1CALLER');
    expect(pickUserNumber({ to_number: '+1DID', caller_number: '+1CALLER' }, 'inbound')).toBe('+1CALLER');
    expect(pickUserNumber({ to_number: '+1DID' }, 'inbound')).toBe('');
  });

  it('outbound picks the dialled number (to)', () => {
    expect(pickUserNumber({ to_number: '+1CALLEE', from_number: '+1OURS' }, 'outbound')).toBe('+1CALLEE');
  });

  it('an explicit user_number wins', () => {
    expect(pickUserNumber({ user_number: '+1U', from_number: '+1F' }, 'inbound')).toBe('+1U');
  });
});

describe('buildCallContext', () => {
  const session = {} as CallSession;
  const helloAck = {
    event: 'hello.ack' as const,
    protocol_version: 2,
    negotiated_events: ['user.text'],
    negotiated_verbs: ['agent.say'],
    call_id: 'c',
    session_id: 'S1',
    job_id: 'J1',
    room_id: 'R1',
  };

  it('"agent_id: call.started.agent_id, falling back to the runner\'s own agent_id"; metadata is a copy', () => {
    const metadata = { direction: 'outbound', to_number: '+1', instructions: 42 };
    const ctx = buildCallContext({
      helloAck,
      callStarted: { event: 'call.started', session_id: 'S1', job_id: 'J1', room_id: 'R1', metadata, agent_id: null },
      runnerAgentId: 'runner_agent',
      session,
    });
    expect(ctx).toMatchObject({ callId: 'S1', sessionId: 'S1', jobId: 'J1', roomId: 'R1', agentId: 'runner_agent', runnerId: 'runner_agent' });
    expect(ctx.direction).toBe('outbound');
    expect(ctx.userNumber).toBe('+1');
    expect(ctx.instructions).toBeNull();
    expect(ctx.metadata).toEqual(metadata);
    expect(ctx.metadata).not.toBe(metadata);
    expect(ctx.negotiatedVerbs).toEqual(['agent.say']);
  });
});
