import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSchema } from '@unpod/testkit/postgres';
import { DATABASES, nodeOn, withNode } from './testing/databases.js';
import { FrameSocket } from './testing/frame-socket.js';
import { RawRunner, referenceHello } from './testing/raw-runner.js';
import { createPipe, finishedCall, startTextCall, uniqueAgent } from './testing/scenario.js';
import type { TestNode } from './testing/test-node.js';

describe.each(DATABASES)('bridge acceptor and handshake (%s)', (db) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await nodeOn(db, createPgSchema);
  });
  afterAll(async () => {
    await node?.close();
  });

  async function runnerFor(agentId: string, suffix = '00000001') {
    return RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#${suffix}`, agentId });
  }

  /** Create a call and return its (acked, not yet dialed) assignment. */
  async function assigned(runner: RawRunner, agentId: string) {
    const assignP = runner.nextAssign();
    const created = node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
    const assign = await assignP;
    runner.ack(assign);
    return { assign, call: (await created).body };
  }

  describe('pairing (spec 3.5: 4003 pairing rejected, 4009 bridge already live)', () => {
    it('closes 4003 for an unknown call', async () => {
      const socket = await FrameSocket.open(`${node.wsUrl}/v1/internal/bridge/SCL_nope?token=abc`);
      expect((await socket.closed).code).toBe(4003);
    });

    it('closes 4003 for a wrong or missing token, and the right token still pairs afterwards', async () => {
      const agentId = uniqueAgent();
      const runner = await runnerFor(agentId);
      const { assign, call } = await assigned(runner, agentId);
      expect((await (await runner.dial(assign, 'wrong-token')).closed).code).toBe(4003);
      const missing = await FrameSocket.open(String(assign.bridge_url));
      expect((await missing.closed).code).toBe(4003);
      const bridge = await runner.dial(assign);
      const { callStarted } = await runner.handshake(bridge);
      expect(callStarted.session_id).toBe(call.id);
      runner.close();
    });

    it('closes 4009 for a second dial while the bridge is live, and 4003 once the token was used', async () => {
      const agentId = uniqueAgent();
      const runner = await runnerFor(agentId);
      const { assign, call } = await assigned(runner, agentId);
      const bridge = await runner.dial(assign);
      await runner.handshake(bridge);
      const dup = await runner.dial(assign);
      expect((await dup.closed).code).toBe(4009);
      expect(bridge.isOpen).toBe(true);
      bridge.close();
      await finishedCall(node, call.id);
      expect((await (await runner.dial(assign)).closed).code).toBe(4003);
      runner.close();
    });
  });

  describe('handshake (spec 4.1)', () => {
    it('answers hello with hello.ack then call.started, negotiating the intersection plus error', async () => {
      const agentId = uniqueAgent();
      const pipe = await createPipe(node, agentId);
      const runner = await runnerFor(agentId);
      const live = await startTextCall(node, runner, { pipe_id: pipe.id }, {
        hello: { events: ['user.text', 'state', 'dtmf', 'bogus.event'], verbs: ['agent.text.delta', 'agent.text.end', 'agent.hints', 'agent.bogus'] },
      });
      expect(live.helloAck).toEqual({
        event: 'hello.ack',
        protocol_version: 2,
        negotiated_events: ['user.text', 'state', 'dtmf', 'error'],
        negotiated_verbs: ['agent.text.delta', 'agent.text.end', 'agent.hints'],
        call_id: live.callId,
        session_id: live.callId,
        job_id: live.assign.job_id,
        room_id: live.callId,
      });
      expect(live.callStarted).toEqual({
        event: 'call.started',
        session_id: live.callId,
        job_id: live.assign.job_id,
        room_id: live.callId,
        metadata: live.assign.metadata,
        voice_profile_id: pipe.voice_profile,
        agent_id: agentId,
      });
      const row = (await node.api('GET', `/v1/calls/${live.callId}`)).body;
      expect(row).toMatchObject({ status: 'active', worker_id: `${agentId}#00000001` });
      expect(row.answered_at).not.toBeNull();
      live.client.close();
      runner.close();
    });

    it('sends optional and extension events only when negotiated', async () => {
      const agentId = uniqueAgent();
      const runner = await runnerFor(agentId);
      const bare = await startTextCall(node, runner, { agent_id: agentId }, { hello: { events: ['user.text', 'user.interrupted', 'error', 'call.started'] } });
      bare.client.send({ event: 'dtmf', digits: '5' });
      bare.client.send({ event: 'user.text', text: 'hi' });
      const first = await bare.bridge.next();
      expect(first).toMatchObject({ event: 'user.text', text: 'hi', is_final: true, turn_id: 1 });
      bare.bridge.send({ event: 'agent.text.end' });
      bare.client.send({ event: 'user.text', text: 'again' });
      expect(await bare.bridge.next()).toMatchObject({ event: 'user.text', text: 'again', turn_id: 2 });
      expect(bare.bridge.received.map((f) => f.event)).toEqual(['hello.ack', 'call.started', 'user.text', 'user.text']);

      const full = await startTextCall(node, runner, { agent_id: agentId }, { hello: { events: ['user.text', 'state', 'turn.metrics', 'dtmf'] } });
      expect(await full.bridge.next()).toMatchObject({ event: 'state', state: 'listening', call_id: full.callId });
      full.client.send({ event: 'dtmf', digits: '7#' });
      expect(await full.bridge.next()).toEqual({ event: 'dtmf', digits: '7#' });
      full.client.send({ event: 'user.text', text: 'hello' });
      expect(await full.bridge.next()).toMatchObject({ event: 'user.text', text: 'hello', turn_id: 1 });
      expect(await full.bridge.next()).toMatchObject({ event: 'state', state: 'thinking', turn_id: 1 });
      full.bridge.send({ event: 'agent.text.delta', text: 'Hi' });
      full.bridge.send({ event: 'agent.text.end' });
      expect(await full.bridge.next()).toMatchObject({ event: 'state', state: 'speaking' });
      const metrics = await full.bridge.next();
      expect(metrics).toMatchObject({ event: 'turn.metrics', call_id: full.callId, turn_id: 1, llm_call_count: 0, interrupted: false });
      expect(typeof metrics.ttfa_ms).toBe('number');
      expect(await full.bridge.next()).toMatchObject({ event: 'state', state: 'listening', turn_id: 1 });
      bare.client.close();
      full.client.close();
      runner.close();
    });

    it('closes 4010 when the first bridge frame is not hello, then re-dispatches', async () => {
      const agentId = uniqueAgent();
      const a = await runnerFor(agentId, '0000000a');
      const { assign, call } = await assigned(a, agentId);
      const b = await runnerFor(agentId, '0000000b');
      const bAccepts = b.acceptNext();
      const bridge = await a.dial(assign);
      bridge.send({ event: 'agent.text.delta', text: 'too early' });
      expect((await bridge.closed).code).toBe(4010);
      const onB = await bAccepts;
      expect(onB.callStarted.session_id).toBe(call.id);
      a.close();
      b.close();
    });

    it('closes 4010 when no hello arrives in time, and fails the call once attempts run out', () =>
      withNode(db, createPgSchema, { helloTimeoutMs: 300 }, async (node) => {
        const agentId = uniqueAgent();
        const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
        const assignP = runner.nextAssign();
        const created = node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
        const assign = await assignP;
        runner.ack(assign);
        const call = (await created).body;
        const bridge = await runner.dial(assign);
        expect((await bridge.closed).code).toBe(4010);
        const done = await finishedCall(node, call.id);
        expect(done).toMatchObject({ status: 'failed', end_reason: 'pairing_timeout' });
      }));

    it('accepts hello from a runner that lists nothing and still carries user text', async () => {
      const agentId = uniqueAgent();
      const runner = await runnerFor(agentId);
      const live = await startTextCall(node, runner, { agent_id: agentId }, { hello: { events: [], verbs: [] } });
      expect(live.helloAck.negotiated_events).toEqual(['error']);
      expect(live.helloAck.negotiated_verbs).toEqual([]);
      live.client.send({ event: 'user.text', text: 'anyone?' });
      expect(await live.bridge.next()).toMatchObject({ event: 'user.text', text: 'anyone?' });
      live.client.close();
      runner.close();
    });
  });

  describe('malformed runner frames (never fatal for other calls)', () => {
    it('answers a malformed verb with a warn error and keeps the call', async () => {
      const agentId = uniqueAgent();
      const runner = await runnerFor(agentId);
      const live = await startTextCall(node, runner, { agent_id: agentId });
      await live.client.waitFor('call.connected');
      live.bridge.sendRaw('{nope');
      expect(await live.bridge.waitFor('error')).toMatchObject({ event: 'error', severity: 'warn', source: 'internal', code: 'invalid_frame' });
      live.bridge.send({ event: 'agent.text.delta' });
      expect(await live.bridge.waitFor('error')).toMatchObject({ code: 'invalid_frame' });
      live.bridge.send({ event: 'agent.future.verb', x: 1 });
      live.bridge.send({ event: 'agent.say', text: 'still here' });
      expect(await live.client.waitFor('agent.text.end')).toMatchObject({ text: 'still here' });
      live.client.close();
      runner.close();
    });

    it('an oversized bridge frame (1009) ends only that call', async () => {
      const agentId = uniqueAgent();
      const runner = await runnerFor(agentId);
      const victim = await startTextCall(node, runner, { agent_id: agentId });
      const bystander = await startTextCall(node, runner, { agent_id: agentId });
      victim.bridge.sendRaw(JSON.stringify({ event: 'agent.say', text: 'x'.repeat(300 * 1024) }));
      expect((await victim.bridge.closed).code).toBe(1009);
      expect(await victim.client.waitFor('call.ended')).toMatchObject({ reason: 'runner_lost' });
      bystander.bridge.send({ event: 'agent.say', text: 'unaffected' });
      expect(await bystander.client.waitFor('agent.text.end')).toMatchObject({ text: 'unaffected' });
      expect((await node.api('GET', `/v1/calls/${bystander.callId}`)).body.status).toBe('active');
      bystander.client.close();
      runner.close();
    });
  });

  it('a hello with extra fields and the reference event list is accepted', async () => {
    const agentId = uniqueAgent();
    const runner = await runnerFor(agentId);
    const assignP = runner.nextAssign();
    void node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
    const assign = await assignP;
    runner.ack(assign);
    const bridge = await runner.dial(assign);
    bridge.send({ ...referenceHello(), sdk: 'python/0.2.1' });
    expect((await bridge.next()).event).toBe('hello.ack');
    expect((await bridge.next()).event).toBe('call.started');
    runner.close();
  });
});
