import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSchema } from '@unpod/testkit/postgres';
import { DATABASES, nodeOn, withNode } from '../../orchestrator/testing/databases.js';
import { FrameSocket } from '../../orchestrator/testing/frame-socket.js';
import { RawRunner } from '../../orchestrator/testing/raw-runner.js';
import { createPipe, finishedCall, startTextCall, uniqueAgent } from '../../orchestrator/testing/scenario.js';
import type { TestNode } from '../../orchestrator/testing/test-node.js';
import { BASE_EVENTS, BASE_VERBS, EXTENSION_EVENTS, EXTENSION_VERBS } from '@unpod/protocol';

/** What our SDK advertises: the reference lists plus every extension. */
const FULL_HELLO = { events: [...BASE_EVENTS, ...EXTENSION_EVENTS], verbs: [...BASE_VERBS, ...EXTENSION_VERBS] };

describe.each(DATABASES)('text calls end to end (%s)', (db) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await nodeOn(db, createPgSchema);
  });
  afterAll(async () => {
    await node?.close();
  });

  async function setup(pipeFields: Record<string, unknown> = {}) {
    const agentId = uniqueAgent();
    const pipe = await createPipe(node, agentId, pipeFields);
    const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
    return { agentId, pipe, runner };
  }

  it('runs a conversation: greeting, user text, streamed reply, hangup; stores transcript and turn metrics', async () => {
    const { pipe, runner } = await setup({ greeting: 'Hello! How can I help?' });
    const live = await startTextCall(node, runner, { pipe_id: pipe.id }, { hello: FULL_HELLO });
    expect(live.call.client_url).toMatch(new RegExp(`^${node.wsUrl}/v1/calls/${live.callId}/client\\?token=ct_`));
    const { client, bridge } = live;
    expect(await client.next()).toEqual({ event: 'call.connected', call_id: live.callId });
    expect(await client.next()).toEqual({ event: 'agent.text.delta', text: 'Hello! How can I help?', turn_id: 1 });
    expect(await client.next()).toEqual({ event: 'agent.text.end', turn_id: 1, text: 'Hello! How can I help?' });
    expect(await client.next()).toEqual({ event: 'state', state: 'listening' });

    client.send({ event: 'user.text', text: 'What are your hours?' });
    const userText = await bridge.waitFor('user.text');
    expect(userText).toEqual({ event: 'user.text', text: 'What are your hours?', is_final: true, turn_id: 1 });
    expect(await client.next()).toEqual({ event: 'state', state: 'thinking' });
    bridge.send({ event: 'agent.text.delta', text: 'We open ' });
    bridge.send({ event: 'agent.text.delta', text: 'at nine.' });
    bridge.send({ event: 'agent.text.end' });
    expect(await client.next()).toEqual({ event: 'state', state: 'speaking' });
    expect(await client.next()).toEqual({ event: 'agent.text.delta', text: 'We open ', turn_id: 2 });
    expect(await client.next()).toEqual({ event: 'agent.text.delta', text: 'at nine.', turn_id: 2 });
    expect(await client.next()).toEqual({ event: 'agent.text.end', turn_id: 2, text: 'We open at nine.' });
    expect(await client.next()).toEqual({ event: 'state', state: 'listening' });
    const metricsFrame = await bridge.waitFor('turn.metrics');
    expect(metricsFrame).toMatchObject({ call_id: live.callId, turn_id: 1, interrupted: false });

    client.send({ event: 'hangup' });
    expect(await client.waitFor('call.ended')).toEqual({ event: 'call.ended', reason: 'user_hangup', call_id: live.callId });
    expect((await client.closed).code).toBe(1000);
    expect((await bridge.closed).code).toBe(1000);

    const call = await finishedCall(node, live.callId);
    expect(call).toMatchObject({ status: 'completed', end_reason: 'user_hangup', error: null, transport: 'text', worker_id: live.assign.metadata && `${pipe.agent_id}#00000001` });
    expect(call.transcript.map((t: { role: string; text: string; interrupted: boolean }) => [t.role, t.text, t.interrupted])).toEqual([
      ['agent', 'Hello! How can I help?', false],
      ['user', 'What are your hours?', false],
      ['agent', 'We open at nine.', false],
    ]);
    expect(call.turn_metrics).toHaveLength(1);
    const m = call.turn_metrics[0]!;
    expect(m).toMatchObject({ turn_id: 1, stt_ms: null, tts_ttfb_ms: null, interrupted: false });
    expect(m.agent_ttft_ms).toBeGreaterThanOrEqual(0);
    expect(m.ttfa_ms).toBe(m.agent_ttft_ms);
    expect(m.agent_total_ms).toBeGreaterThanOrEqual(m.agent_ttft_ms!);
    runner.close();
  });

  it('buffers frames for a client that connects late', async () => {
    const { pipe, runner } = await setup({ greeting: 'Hi there' });
    const live = await startTextCall(node, runner, { pipe_id: pipe.id }, { connectClient: false });
    live.bridge.send({ event: 'agent.say', text: 'Are you there?' });
    // The say reaches the store before the client exists.
    await expect.poll(async () => (await node.api('GET', `/v1/calls/${live.callId}`)).body.transcript.length).toBe(2);
    const client = await FrameSocket.open(String(live.call.client_url));
    expect((await client.next()).event).toBe('call.connected');
    expect(await client.next()).toMatchObject({ event: 'agent.text.delta', text: 'Hi there' });
    await client.waitFor((f) => f.event === 'agent.text.end' && f.text === 'Are you there?');
    client.close();
    runner.close();
  });

  it('treats user text during a reply as barge-in: user.interrupted with what was delivered, then the new turn', async () => {
    const { pipe, runner } = await setup();
    const { client, bridge, callId } = await startTextCall(node, runner, { pipe_id: pipe.id }, { hello: FULL_HELLO });
    client.send({ event: 'user.text', text: 'Tell me a story' });
    await bridge.waitFor('user.text');
    bridge.send({ event: 'agent.text.delta', text: 'Once upon ' });
    await client.waitFor((f) => f.event === 'agent.text.delta');
    client.send({ event: 'user.text', text: 'Actually, stop' });
    expect(await bridge.waitFor('user.interrupted')).toEqual({ event: 'user.interrupted', turn_id: 1, heard_prefix: 'Once upon ' });
    expect(await client.waitFor('user.interrupted')).toEqual({ event: 'user.interrupted', turn_id: 1, heard_prefix: 'Once upon ' });
    // Output the runner sent before it saw the interruption is dropped.
    bridge.send({ event: 'agent.text.delta', text: 'a time' });
    bridge.send({ event: 'agent.text.end' });
    expect(await bridge.waitFor('user.text')).toMatchObject({ text: 'Actually, stop', turn_id: 2 });
    bridge.send({ event: 'agent.text.delta', text: 'Sure.' });
    bridge.send({ event: 'agent.text.end' });
    await client.waitFor((f) => f.event === 'agent.text.end' && f.text === 'Sure.');
    expect(client.received.some((f) => f.text === 'a time')).toBe(false);
    client.send({ event: 'hangup' });
    const call = await finishedCall(node, callId);
    expect(call.transcript.map((t: { role: string; text: string; interrupted: boolean; heard_text: string | null }) => [t.role, t.text, t.interrupted, t.heard_text])).toEqual([
      ['user', 'Tell me a story', false, null],
      ['agent', 'Once upon ', true, 'Once upon '],
      ['user', 'Actually, stop', false, null],
      ['agent', 'Sure.', false, null],
    ]);
    expect(call.turn_metrics.map((m: { turn_id: number; interrupted: boolean }) => [m.turn_id, m.interrupted])).toEqual([
      [1, true],
      [2, false],
    ]);
    runner.close();
  });

  it('forwards the waiting text after the grace period when the runner never closes an interrupted reply', () =>
    withNode(db, createPgSchema, { interruptGraceMs: 300 }, async (node) => {
      const agentId = uniqueAgent();
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
      const { client, bridge } = await startTextCall(node, runner, { agent_id: agentId });
      client.send({ event: 'user.text', text: 'one' });
      await bridge.waitFor('user.text');
      client.send({ event: 'user.text', text: 'two' });
      await bridge.waitFor('user.interrupted');
      expect(await bridge.waitFor('user.text')).toMatchObject({ text: 'two', turn_id: 2 });
    }));

  it('ends a still-streaming reply after the drain period when agent.end_call arrives mid-reply', () =>
    withNode(db, createPgSchema, { endCallDrainMs: 300 }, async (node) => {
      const agentId = uniqueAgent();
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
      const { client, bridge, callId } = await startTextCall(node, runner, { agent_id: agentId });
      client.send({ event: 'user.text', text: 'bye' });
      await bridge.waitFor('user.text');
      bridge.send({ event: 'agent.text.delta', text: 'Goodb' });
      bridge.send({ event: 'agent.end_call', reason: 'completed' });
      expect(await client.waitFor('call.ended')).toMatchObject({ reason: 'agent_end_call' });
      const call = await finishedCall(node, callId);
      expect(call.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Goodb', interrupted: true, heard_text: 'Goodb' });
    }));

  it('ends with agent_end_call after the reply finishes', async () => {
    const { pipe, runner } = await setup();
    const { client, bridge, callId } = await startTextCall(node, runner, { pipe_id: pipe.id });
    client.send({ event: 'user.text', text: 'bye' });
    await bridge.waitFor('user.text');
    bridge.send({ event: 'agent.text.delta', text: 'Good' });
    bridge.send({ event: 'agent.end_call', reason: 'completed' });
    bridge.send({ event: 'agent.text.delta', text: 'bye!' });
    bridge.send({ event: 'agent.text.end' });
    expect(await client.waitFor('agent.text.end')).toMatchObject({ text: 'Goodbye!' });
    expect(await client.waitFor('call.ended')).toMatchObject({ reason: 'agent_end_call' });
    expect((await bridge.closed).code).toBe(1000);
    const call = await finishedCall(node, callId);
    expect(call).toMatchObject({ status: 'completed', end_reason: 'agent_end_call' });
    runner.close();
  });

  it('ends on API hangup: client told, bridge closed 1000, call completed api_hangup', async () => {
    const { pipe, runner } = await setup();
    const { client, bridge, callId } = await startTextCall(node, runner, { pipe_id: pipe.id });
    const res = await node.api('POST', `/v1/calls/${callId}/hangup`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', end_reason: 'api_hangup' });
    expect(await client.waitFor('call.ended')).toMatchObject({ reason: 'api_hangup' });
    expect((await bridge.closed).code).toBe(1000);
    expect((await node.api('POST', `/v1/calls/${callId}/hangup`)).status).toBe(409);
    runner.close();
  });

  it('ends user_hangup when the client disconnects', async () => {
    const { pipe, runner } = await setup();
    const { client, bridge, callId } = await startTextCall(node, runner, { pipe_id: pipe.id });
    await client.waitFor('call.connected');
    client.close();
    expect((await bridge.closed).code).toBe(1000);
    expect(await finishedCall(node, callId)).toMatchObject({ status: 'completed', end_reason: 'user_hangup' });
    runner.close();
  });

  it('fails with runner_lost when the bridge drops mid-call; the client gets error and call.ended', async () => {
    const { pipe, runner } = await setup();
    const { client, bridge, callId } = await startTextCall(node, runner, { pipe_id: pipe.id });
    await client.waitFor('call.connected');
    bridge.terminate();
    expect(await client.waitFor('error')).toMatchObject({ event: 'error', code: 'runner_lost' });
    expect(await client.next()).toEqual({ event: 'call.ended', reason: 'runner_lost', call_id: callId });
    const call = await finishedCall(node, callId);
    expect(call).toMatchObject({ status: 'failed', end_reason: 'runner_lost', error: { code: 'runner_lost' } });
    const events = await node.server.store.calls.events(callId);
    expect(events.find((e) => e.type === 'error')?.data).toMatchObject({ code: 'runner_lost' });
    runner.close();
  });

  it('keeps live calls when the runner control socket drops', async () => {
    const { pipe, runner } = await setup();
    const { client, bridge } = await startTextCall(node, runner, { pipe_id: pipe.id });
    runner.control.terminate();
    await runner.control.closed;
    client.send({ event: 'user.text', text: 'still there?' });
    expect(await bridge.waitFor('user.text')).toMatchObject({ text: 'still there?' });
    client.close();
  });

  describe('transfer policy (spec 4.4)', () => {
    const refused = "Sorry, I can't do that.";

    async function transferCall(pipeFields: Record<string, unknown>) {
      const { pipe, runner } = await setup({ transfer_refusal_phrase: refused, ...pipeFields });
      const live = await startTextCall(node, runner, { pipe_id: pipe.id }, { hello: FULL_HELLO });
      await live.client.waitFor('call.connected');
      return { ...live, runner };
    }

    it('refuses a malformed number: speaks the refusal phrase, reports refused, records the attempt, call continues', async () => {
      const { client, bridge, callId, runner } = await transferCall({});
      bridge.send({ event: 'agent.transfer', transfer_type: 'number', target: '555-1234' });
      expect(await client.waitFor('agent.text.end')).toMatchObject({ text: refused });
      expect(await bridge.waitFor('transfer.result')).toEqual({ event: 'transfer.result', target: '555-1234', outcome: 'refused', reason: 'invalid_number' });
      bridge.send({ event: 'agent.say', text: 'Anything else?' });
      await client.waitFor((f) => f.event === 'agent.text.end' && f.text === 'Anything else?');
      client.send({ event: 'hangup' });
      const call = await finishedCall(node, callId);
      expect(call.end_reason).toBe('user_hangup');
      expect(call.transcript.map((t: { text: string }) => t.text)).toEqual([refused, 'Anything else?']);
      const events = await node.server.store.calls.events(callId);
      expect(events.find((e) => e.type === 'agent.transfer')?.data).toMatchObject({ outcome: 'refused', reason: 'invalid_number', transfer_type: 'number' });
      runner.close();
    });

    it('applies the allowlist tri-state: unset = any valid number, empty = deny all, else numbers or prefixes', async () => {
      const cases: Array<[Record<string, unknown>, string, 'refused' | 'failed']> = [
        [{}, '+14155550123', 'failed'],
        [{ transfer_allowed_numbers: [] }, '+14155550123', 'refused'],
        [{ transfer_allowed_numbers: [], transfer_allowed_prefixes: [] }, '+14155550123', 'refused'],
        [{ transfer_allowed_numbers: ['+14155550123'] }, '+14155550123', 'failed'],
        [{ transfer_allowed_numbers: ['+14155550123'] }, '+14155550124', 'refused'],
        [{ transfer_allowed_prefixes: ['+4420'] }, '+442071234567', 'failed'],
        [{ transfer_allowed_numbers: ['+14155550123'], transfer_allowed_prefixes: ['+4420'] }, '+442071234567', 'failed'],
      ];
      for (const [fields, target, outcome] of cases) {
        const { client, bridge, runner } = await transferCall(fields);
        bridge.send({ event: 'agent.transfer', transfer_type: 'number', target, mode: 'cold' });
        const result = await bridge.waitFor('transfer.result');
        // failed = allowed by policy, but a text call cannot transfer.
        expect([fields, result.outcome, result.reason]).toEqual([fields, outcome, outcome === 'refused' ? 'not_in_allowlist' : 'transport_unsupported']);
        client.close();
        runner.close();
      }
    });

    it('lets human and agent transfers bypass the allowlist (text: transport_unsupported)', async () => {
      const { client, bridge, runner } = await transferCall({ transfer_allowed_numbers: [] });
      bridge.send({ event: 'agent.transfer', transfer_type: 'human', target: 'support-queue', mode: 'warm', announcement: 'VIP' });
      expect(await bridge.waitFor('transfer.result')).toMatchObject({ outcome: 'failed', reason: 'transport_unsupported' });
      expect(client.received.some((f) => f.text === refused)).toBe(false);
      client.close();
      runner.close();
    });

    it('does not send transfer.result to a runner that did not negotiate it', async () => {
      const { pipe, runner } = await setup({ transfer_refusal_phrase: refused });
      const { client, bridge } = await startTextCall(node, runner, { pipe_id: pipe.id });
      bridge.send({ event: 'agent.transfer', target: 'not-a-number' });
      await client.waitFor((f) => f.event === 'agent.text.end' && f.text === refused);
      bridge.send({ event: 'agent.say', text: 'marker' });
      await client.waitFor((f) => f.event === 'agent.text.end' && f.text === 'marker');
      expect(bridge.received.some((f) => f.event === 'transfer.result')).toBe(false);
      client.close();
      runner.close();
    });
  });

  it('records recording, dtmf and multi-party verbs as call events without affecting the call', async () => {
    const { pipe, runner } = await setup();
    const { client, bridge, callId } = await startTextCall(node, runner, { pipe_id: pipe.id }, { hello: FULL_HELLO });
    bridge.send({ event: 'agent.recording.pause', reason: 'card number' });
    bridge.send({ event: 'agent.recording.resume' });
    bridge.send({ event: 'agent.dtmf', digits: '12#' });
    bridge.send({ event: 'agent.hints', phrases: ['yes', 'no'] });
    bridge.send({ event: 'agent.filler', text: 'One moment' });
    bridge.send({ event: 'agent.dispatch', agent_id: 'other', metadata: {} });
    bridge.send({ event: 'agent.merge', source_session_id: 'x' });
    bridge.send({ event: 'agent.say', text: 'done' });
    await client.waitFor((f) => f.event === 'agent.text.end' && f.text === 'done');
    expect(node.server.orchestrator.liveCall(callId)?.nextTurnHints).toEqual(['yes', 'no']);
    client.send({ event: 'hangup' });
    await finishedCall(node, callId);
    const types = (await node.server.store.calls.events(callId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['runner.assigned', 'recording.paused', 'recording.resumed', 'agent.dtmf', 'agent.dispatch', 'agent.merge']));
    expect(client.received.some((f) => f.text === 'One moment')).toBe(false);
    runner.close();
  });

  describe('client socket', () => {
    it('is one-use: 4009 while connected, 4003 for a bad token or an unknown call', async () => {
      const { pipe, runner } = await setup();
      const live = await startTextCall(node, runner, { pipe_id: pipe.id });
      await live.client.waitFor('call.connected');
      const again = await FrameSocket.open(String(live.call.client_url));
      expect((await again.closed).code).toBe(4009);
      const bad = await FrameSocket.open(`${node.wsUrl}/v1/calls/${live.callId}/client?token=ct_wrong`);
      expect((await bad.closed).code).toBe(4003);
      const unknown = await FrameSocket.open(`${node.wsUrl}/v1/calls/SCL_nope/client?token=ct_x`);
      expect((await unknown.closed).code).toBe(4003);
      expect(live.client.isOpen).toBe(true);
      live.client.close();
      runner.close();
    });

    it('answers malformed client frames with an error and keeps the call; an oversized frame ends only that call', async () => {
      const { pipe, runner } = await setup();
      const a = await startTextCall(node, runner, { pipe_id: pipe.id });
      const b = await startTextCall(node, runner, { pipe_id: pipe.id });
      a.client.sendRaw('not json');
      expect(await a.client.waitFor('error')).toMatchObject({ code: 'invalid_frame' });
      a.client.send({ event: 'user.text', text: '' });
      expect(await a.client.waitFor('error')).toMatchObject({ code: 'invalid_frame' });
      a.client.send({ event: 'something.new' });
      a.client.send({ event: 'user.text', text: 'ok' });
      expect(await a.bridge.waitFor('user.text')).toMatchObject({ text: 'ok' });
      a.client.sendRaw(JSON.stringify({ event: 'user.text', text: 'x'.repeat(300 * 1024) }));
      expect((await a.client.closed).code).toBe(1009);
      expect((await a.bridge.closed).code).toBe(1000);
      b.client.send({ event: 'user.text', text: 'unaffected' });
      expect(await b.bridge.waitFor('user.text')).toMatchObject({ text: 'unaffected' });
      b.client.close();
      runner.close();
    });
  });

  describe('browser path (WS /v1/sessions/connect)', () => {
    it('consumes a session token once and becomes the client of a new text call on the pipe', async () => {
      const { pipe, runner, agentId } = await setup({ greeting: 'Welcome' });
      const token = await node.api('POST', '/v1/sessions/token', { pipe_id: pipe.id, metadata: { visitor: 'v1' } });
      expect(token.status).toBe(201);
      const accepted = runner.acceptNext();
      const client = await FrameSocket.open(`${node.wsUrl}/v1/sessions/connect?token=${token.body.token}`);
      client.send({ event: 'user.text', text: 'typed immediately' });
      const connected = await client.next();
      expect(connected.event).toBe('call.connected');
      const { bridge, callStarted, assign } = await accepted;
      expect(assign.agent_id).toBe(agentId);
      expect(callStarted.session_id).toBe(connected.call_id);
      expect(callStarted.metadata).toMatchObject({ data: { visitor: 'v1' }, pipe_id: pipe.id, direction: 'inbound' });
      expect(await client.waitFor('agent.text.end')).toMatchObject({ text: 'Welcome' });
      expect(await bridge.waitFor('user.text')).toMatchObject({ text: 'typed immediately', turn_id: 1 });
      const reuse = await FrameSocket.open(`${node.wsUrl}/v1/sessions/connect?token=${token.body.token}`);
      expect((await reuse.closed).code).toBe(4001);
      client.send({ event: 'hangup' });
      const call = await finishedCall(node, String(connected.call_id));
      expect(call).toMatchObject({ transport: 'text', pipe_id: pipe.id, end_reason: 'user_hangup', data: { visitor: 'v1' } });
      runner.close();
    });

    it('tells the browser when no runner is available', async () => {
      const agentId = uniqueAgent();
      const pipe = await createPipe(node, agentId);
      const token = await node.api('POST', '/v1/sessions/token', { pipe_id: pipe.id });
      const client = await FrameSocket.open(`${node.wsUrl}/v1/sessions/connect?token=${token.body.token}`);
      expect(await client.waitFor('error')).toMatchObject({ code: 'no_worker_available' });
      expect(await client.next()).toMatchObject({ event: 'call.ended', reason: 'no_worker_available' });
      expect((await client.closed).code).toBe(1000);
    });

    it('refuses a bad session token with 4001', async () => {
      const client = await FrameSocket.open(`${node.wsUrl}/v1/sessions/connect?token=st_bogus`);
      expect((await client.closed).code).toBe(4001);
    });
  });
});

describe('text call timers', () => {
  it('ends with transport_lost when nobody connects to client_url in time', async () => {
    const node = await nodeOn('sqlite', createPgSchema, { clientConnectWindowMs: 200 });
    try {
      const agentId = uniqueAgent();
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
      const live = await startTextCall(node, runner, { agent_id: agentId }, { connectClient: false });
      expect((await live.bridge.closed).code).toBe(1000);
      expect(await finishedCall(node, live.callId)).toMatchObject({ status: 'failed', end_reason: 'transport_lost', error: { code: 'transport_lost' } });
      const late = await FrameSocket.open(String(live.call.client_url));
      expect((await late.closed).code).toBe(4003);
    } finally {
      await node.close();
    }
  });

  it('drops a bridge whose runner stopped answering pings (runner_lost)', async () => {
    const node = await nodeOn('sqlite', createPgSchema, { socketPingIntervalMs: 100 });
    try {
      const agentId = uniqueAgent();
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
      const assignP = runner.nextAssign();
      const created = node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
      const assign = await assignP;
      runner.ack(assign);
      const call = (await created).body;
      const frozen = await runner.dial(assign, String(assign.call_token), { autoPong: false });
      await runner.handshake(frozen);
      const client = await FrameSocket.open(String(call.client_url));
      expect(await client.waitFor('call.ended')).toMatchObject({ reason: 'runner_lost' });
      expect((await frozen.closed).code).toBe(1006);
    } finally {
      await node.close();
    }
  });

  it('enforces the maximum call duration (max_duration)', async () => {
    const node = await nodeOn('sqlite', createPgSchema, { maxCallDurationCapMs: 200 });
    try {
      const agentId = uniqueAgent();
      const pipe = await createPipe(node, agentId, { max_call_duration_s: 60 });
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
      const live = await startTextCall(node, runner, { pipe_id: pipe.id });
      expect(await live.client.waitFor('call.ended')).toMatchObject({ reason: 'max_duration' });
      expect(await finishedCall(node, live.callId)).toMatchObject({ status: 'completed', end_reason: 'max_duration' });
    } finally {
      await node.close();
    }
  });
});

describe.each(DATABASES)('node lifecycle (%s)', (db) => {
  it('ends live calls with server_shutdown on close, telling client and runner', async () => {
    const node = await nodeOn(db, createPgSchema);
    const agentId = uniqueAgent();
    const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
    const live = await startTextCall(node, runner, { agent_id: agentId });
    const store = node.server.store;
    const closing = node.server.orchestrator.close();
    expect(await live.client.waitFor('call.ended')).toMatchObject({ reason: 'server_shutdown' });
    expect((await live.bridge.closed).code).toBe(1001);
    await closing;
    const row = await store.calls.get(null, live.callId);
    expect(row).toMatchObject({ status: 'failed', end_reason: 'server_shutdown' });
    await node.close();
  });

  it('marks calls a crashed run left unfinished as failed (server_shutdown) at boot', async () => {
    const schema = db === 'postgres' ? await createPgSchema() : undefined;
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-crash-'));
    const { startTestNode } = await import('../../orchestrator/testing/test-node.js');
    try {
      const first = await startTestNode({ databaseUrl: schema?.url, dataDir });
      const orphan = await first.server.store.calls.create(first.spaceId, {
        pipe_id: null,
        agent_id: 'crashed',
        direction: 'inbound',
        transport: 'text',
        from_number: null,
        to_number: null,
        instructions: null,
        data: {},
        node_id: 'test-node',
      });
      await first.server.store.calls.markStatus(orphan.id, 'active');
      // Simulate a crash: the store closes without the orchestrator ending anything.
      await first.server.store.close();
      const second = await startTestNode({ databaseUrl: schema?.url, dataDir });
      const row = await second.server.store.calls.get(null, orphan.id);
      expect(row).toMatchObject({ status: 'failed', end_reason: 'server_shutdown', error: { code: 'server_shutdown' } });
      await second.close();
      await first.server.http.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await schema?.drop();
    }
  });
});
