import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSchema } from '@unpod/testkit/postgres';
import { DATABASES, nodeOn, withNode } from './testing/databases.js';
import { RawRunner } from './testing/raw-runner.js';
import { createPipe, finishedCall, uniqueAgent } from './testing/scenario.js';
import type { TestNode } from './testing/test-node.js';

describe.each(DATABASES)('dispatch (%s)', (db) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await nodeOn(db, createPgSchema);
  });
  afterAll(async () => {
    await node?.close();
  });

  const createCall = (body: Record<string, unknown>) => node.api('POST', '/v1/calls', { transport: 'text', ...body });

  it('sends job.assign with the reference fields and call metadata (spec 3.3, 5)', async () => {
    const agentId = uniqueAgent();
    const pipe = await createPipe(node, agentId, { instructions: 'Be brief.' });
    const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
    const assignP = runner.nextAssign();
    const created = createCall({ pipe_id: pipe.id, data: { order: 42 } });
    const assign = await assignP;
    runner.ack(assign);
    const call = (await created).body;
    expect(call.status).toBe('pending');
    expect(assign).toMatchObject({
      type: 'job.assign',
      call_id: call.id,
      agent_id: agentId,
      bridge_url: `${node.wsUrl}/v1/internal/bridge/${call.id}`,
      deadline_ms: 2000,
    });
    expect(assign.job_id).toMatch(/^job_/);
    expect(String(assign.assign_id)).not.toBe('');
    expect(String(assign.call_token).length).toBeGreaterThanOrEqual(32);
    expect(assign.metadata).toEqual({
      call_id: call.id,
      direction: 'inbound',
      transport: 'text',
      agent_id: agentId,
      space_id: node.spaceId,
      pipe_id: pipe.id,
      voice_profile_id: pipe.voice_profile,
      instructions: 'Be brief.',
      data: { order: 42 },
    });
    runner.close();
  });

  it('fails the call with no_worker_available when no runner is registered', async () => {
    const agentId = uniqueAgent();
    const res = await createCall({ agent_id: agentId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'failed', end_reason: 'no_worker_available', error: { code: 'no_worker_available' } });
    expect(res.body.client_url).toBeUndefined();
  });

  it('never routes a call to a runner of another space with the same agent_id', async () => {
    const agentId = uniqueAgent();
    const other = await node.newKey();
    const foreign = await RawRunner.start(node.wsUrl, other.key, { workerId: `${agentId}#0000000b`, agentId });
    const res = await createCall({ agent_id: agentId });
    expect(res.body.end_reason).toBe('no_worker_available');
    expect(foreign.control.pending().filter((f) => f.type === 'job.assign')).toHaveLength(0);
    // ...while the other space's own call does reach it.
    const assignP = foreign.nextAssign();
    const theirs = node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId }, other.key);
    const assign = await assignP;
    foreign.ack(assign);
    expect((await theirs).body.status).toBe('pending');
    foreign.close();
  });

  it('spreads concurrent calls by load and never overbooks a runner (20 calls, 2 runners x 5)', async () => {
    const agentId = uniqueAgent();
    const a = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#aaaaaaaa`, agentId, maxConcurrent: 5 });
    const b = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#bbbbbbbb`, agentId, maxConcurrent: 5 });
    const autoA = a.autoAccept();
    const autoB = b.autoAccept();
    const results = await Promise.all(Array.from({ length: 20 }, () => createCall({ agent_id: agentId })));
    const failed = results.filter((r) => r.body.status === 'failed');
    const accepted = results.filter((r) => r.body.status !== 'failed');
    expect(accepted).toHaveLength(10);
    expect(failed).toHaveLength(10);
    for (const f of failed) expect(f.body.end_reason).toBe('no_worker_available');
    expect(autoA.assigns).toHaveLength(5);
    expect(autoB.assigns).toHaveLength(5);
    await Promise.all([...autoA.bridges, ...autoB.bridges]);
    const workers = (await node.api('GET', `/v1/workers?agent_id=${agentId}`)).body.data;
    expect(workers.map((w: { in_flight: number }) => w.in_flight)).toEqual([5, 5]);
    for (const r of accepted) {
      const call = (await node.api('GET', `/v1/calls/${r.body.id}`)).body;
      expect(call.status).toBe('active');
    }
    a.close();
    b.close();
  });

  /** A runner that never acks makes these tests wait one ack timeout; keep it short but safe. */
  const ACK_TIMEOUT = { assignAckTimeoutMs: 800 };

  it('retries a different runner with a fresh assign_id after an ack timeout, and ignores the late ack', () =>
    withNode(db, createPgSchema, ACK_TIMEOUT, async (node) => {
      const agentId = uniqueAgent();
      const slow = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000510`, agentId });
      const created = node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
      const first = await slow.nextAssign();
      expect(first.deadline_ms).toBe(800);
      // A second runner registers after the first was picked, so the retry must go there.
      const fast = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#000000fa`, agentId });
      const cancel = await slow.control.waitFor('job.cancel');
      expect(cancel.job_id).toBe(first.job_id);
      const second = await fast.nextAssign();
      expect(second.job_id).toBe(first.job_id);
      expect(second.assign_id).not.toBe(first.assign_id);
      expect(second.call_token).not.toBe(first.call_token);
      slow.ack(first); // late: must not resolve the second attempt
      fast.ack(second);
      const call = (await created).body;
      expect(call.status).toBe('pending');
      // The stale attempt's token no longer pairs.
      const stale = await slow.dial(first);
      expect((await stale.closed).code).toBe(4003);
      const bridge = await fast.dial(second);
      await fast.handshake(bridge);
      expect((await node.api('GET', `/v1/calls/${call.id}`)).body.worker_id).toBe(`${agentId}#000000fa`);
    }));

  it('a late accept for an old attempt never resolves a newer one', () =>
    withNode(db, createPgSchema, ACK_TIMEOUT, async (node) => {
      const agentId = uniqueAgent();
      const silent = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
      const created = node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
      const first = await silent.nextAssign();
      const refuser = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000002`, agentId });
      const second = await refuser.nextAssign();
      silent.ack(first, true);
      refuser.ack(second, false, 'at_capacity');
      const call = (await created).body;
      expect(call).toMatchObject({ status: 'failed', end_reason: 'no_worker_available' });
      expect(silent.control.pending().filter((f) => f.type === 'job.assign')).toHaveLength(0);
    }));

  it('stops after 3 attempts when every runner rejects', async () => {
    const agentId = uniqueAgent();
    const runners = await Promise.all(
      [1, 2, 3, 4].map((i) => RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#0000000${i}`, agentId })),
    );
    const seen: string[] = [];
    for (const r of runners) {
      void (async () => {
        for (;;) {
          const assign = await r.nextAssign(10_000).catch(() => null);
          if (!assign) return;
          seen.push(String(assign.assign_id));
          r.ack(assign, false, 'at_capacity');
        }
      })();
    }
    const call = (await createCall({ agent_id: agentId })).body;
    expect(call).toMatchObject({ status: 'failed', end_reason: 'no_worker_available' });
    expect(call.error.message).toMatch(/3 attempts/);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    for (const r of runners) r.close();
  });

  it('re-dispatches to another runner when the accepting runner drops before call.started', async () => {
    const agentId = uniqueAgent();
    const flaky = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#0000f1a0`, agentId });
    const created = createCall({ agent_id: agentId });
    const first = await flaky.nextAssign();
    const steady = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00057ead`, agentId });
    flaky.ack(first);
    const call = (await created).body;
    expect(call.status).toBe('pending');
    const secondP = steady.nextAssign();
    flaky.control.terminate();
    const second = await secondP;
    expect(second.job_id).toBe(first.job_id);
    steady.ack(second);
    const bridge = await steady.dial(second);
    const { callStarted } = await steady.handshake(bridge);
    expect(callStarted.session_id).toBe(call.id);
    await expect.poll(async () => (await node.api('GET', `/v1/calls/${call.id}`)).body).toMatchObject({ status: 'active', worker_id: `${agentId}#00057ead` });
    steady.close();
  });

  it('re-dispatches when the runner does not dial within the pairing window, then fails with pairing_timeout', () =>
    withNode(db, createPgSchema, { pairingWindowMs: 600 }, async (node) => {
      const agentId = uniqueAgent();
      const a = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#0000000a`, agentId });
      const created = node.api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
      const first = await a.nextAssign();
      const b = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#0000000b`, agentId });
      a.ack(first);
      const call = (await created).body;
      expect((await a.control.waitFor('job.cancel')).reason).toMatch(/pairing/);
      const second = await b.nextAssign();
      b.ack(second);
      expect((await b.control.waitFor('job.cancel')).job_id).toBe(first.job_id);
      const done = await finishedCall(node, call.id);
      expect(done).toMatchObject({ status: 'failed', end_reason: 'pairing_timeout', error: { code: 'pairing_timeout' } });
      // A dial after the window is refused.
      expect((await (await b.dial(second)).closed).code).toBe(4003);
    }));

  it('gives draining runners no new jobs', async () => {
    const agentId = uniqueAgent();
    const workerId = `${agentId}#000d7a1n`;
    const runner = await RawRunner.start(node.wsUrl, node.key, { workerId, agentId });
    runner.heartbeat(0, workerId, true);
    await expect.poll(async () => (await node.api('GET', `/v1/workers?agent_id=${agentId}`)).body.data[0].draining).toBe(true);
    const call = (await createCall({ agent_id: agentId })).body;
    expect(call.end_reason).toBe('no_worker_available');
    runner.close();
  });

  it('routes to a dev-mode runner (<agent_id>@dev) only while no ordinary runner is live', async () => {
    const agentId = uniqueAgent();
    const dev = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000dev`, agentId, pool: `${agentId}@dev` });
    const onDev = dev.acceptNext();
    const created = createCall({ agent_id: agentId });
    const first = await onDev;
    expect(first.callStarted.session_id).toBe((await created).body.id);
    const prod = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#0000prod`, agentId });
    const onProd = prod.acceptNext();
    const created2 = createCall({ agent_id: agentId });
    expect((await onProd).callStarted.session_id).toBe((await created2).body.id);
    expect(dev.control.pending().filter((f) => f.type === 'job.assign')).toHaveLength(0);
    dev.close();
    prod.close();
  });
});
