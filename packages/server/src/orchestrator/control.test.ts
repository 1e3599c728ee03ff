import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSchema } from '@unpod/testkit/postgres';
import { DATABASES, nodeOn } from './testing/databases.js';
import { FrameSocket } from './testing/frame-socket.js';
import { RawRunner } from './testing/raw-runner.js';
import type { TestNode } from './testing/test-node.js';

let seq = 0;
const agent = () => `agent-${++seq}-${Math.random().toString(36).slice(2, 6)}`;

describe.each(DATABASES)('runner control socket (%s)', (db) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await nodeOn(db, createPgSchema);
  });
  afterAll(async () => {
    await node?.close();
  });

  describe('authentication (spec 3.4: 4001 = credential refused)', () => {
    it('closes 4001 without an Authorization header', async () => {
      const runner = await RawRunner.connect(node.wsUrl, null);
      expect((await runner.control.closed).code).toBe(4001);
    });

    it('closes 4001 for an unknown key', async () => {
      const runner = await RawRunner.connect(node.wsUrl, 'sk_not_a_real_key');
      expect((await runner.control.closed).code).toBe(4001);
    });

    it('closes 4001 for a revoked key', async () => {
      const { key, spaceId } = await node.newKey();
      const keys = await node.server.store.apiKeys.list(spaceId, { limit: 10 });
      await node.server.store.apiKeys.revoke(spaceId, keys.data[0]!.id);
      const runner = await RawRunner.connect(node.wsUrl, key);
      expect((await runner.control.closed).code).toBe(4001);
    });
  });

  describe('registration (spec 3.3)', () => {
    it('answers register with registered {heartbeat_interval_s: 10, transport_ack: "dial_out"}', async () => {
      const runner = await RawRunner.connect(node.wsUrl, node.key);
      const reply = await runner.register({ workerId: 'w#00000001', agentId: agent() });
      expect(reply).toEqual({ type: 'registered', heartbeat_interval_s: 10, transport_ack: 'dial_out' });
      runner.close();
    });

    it('answers a legacy serve runner (no transport) without transport_ack, and never lists it as having capacity', async () => {
      const agentId = agent();
      const runner = await RawRunner.connect(node.wsUrl, node.key);
      const reply = await runner.register({ workerId: `${agentId}#serve0001`, agentId, transport: null });
      expect(reply).toEqual({ type: 'registered', heartbeat_interval_s: 10 });
      const workers = await node.api('GET', `/v1/workers?agent_id=${agentId}`);
      expect(workers.body.data).toHaveLength(1);
      expect(workers.body.data[0].has_capacity).toBe(false);
      runner.close();
    });

    it('refuses a brain that advertises bridge_base (close 1008)', async () => {
      const runner = await RawRunner.connect(node.wsUrl, node.key);
      runner.sendRegister({ workerId: 'w#bb', agentId: agent(), capabilities: { bridge_base: 'wss://media.example' } });
      const closed = await runner.control.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/bridge_base/);
    });

    it('refuses a pool that is neither the agent id nor <agent_id>@dev (close 1008)', async () => {
      const runner = await RawRunner.connect(node.wsUrl, node.key);
      runner.sendRegister({ workerId: 'w#pool', agentId: agent(), pool: 'other-pool' });
      expect((await runner.control.closed).code).toBe(1008);
    });

    it('requires register as the first frame (close 1002)', async () => {
      const runner = await RawRunner.connect(node.wsUrl, node.key);
      runner.heartbeat(0, 'w#first');
      expect((await runner.control.closed).code).toBe(1002);
    });

    it('closes 1002 on a frame that is not JSON, and 1009 on an oversized frame', async () => {
      const a = await RawRunner.start(node.wsUrl, node.key, { workerId: 'w#json', agentId: agent() });
      a.control.sendRaw('{not json');
      expect((await a.control.closed).code).toBe(1002);
      const b = await RawRunner.start(node.wsUrl, node.key, { workerId: 'w#big', agentId: agent() });
      b.control.sendRaw(JSON.stringify({ type: 'heartbeat', active_jobs: 0, worker_id: 'w#big', pad: 'x'.repeat(300 * 1024) }));
      expect((await b.control.closed).code).toBe(1009);
    });

    it('ignores unknown frame types (forward compatibility)', async () => {
      const agentId = agent();
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
      runner.control.send({ type: 'future.frame', x: 1 });
      runner.heartbeat(0, `${agentId}#00000001`);
      const workers = await node.api('GET', `/v1/workers?agent_id=${agentId}`);
      expect(workers.body.data).toHaveLength(1);
      expect(runner.control.isOpen).toBe(true);
      runner.close();
    });
  });

  describe('registry', () => {
    it('lists live runners of the key space only on GET /v1/workers', async () => {
      const agentId = agent();
      const other = await node.newKey();
      const mine = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#aaaaaaaa`, agentId, maxConcurrent: 7 });
      const theirs = await RawRunner.start(node.wsUrl, other.key, { workerId: `${agentId}#bbbbbbbb`, agentId });
      const list = await node.api('GET', `/v1/workers?agent_id=${agentId}`);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.data[0]).toMatchObject({
        worker_id: `${agentId}#aaaaaaaa`,
        agent_id: agentId,
        pool: agentId,
        max_concurrent: 7,
        in_flight: 0,
        has_capacity: true,
        draining: false,
        hostname: 'test-host',
        node_id: 'test-node',
      });
      const theirList = await node.api('GET', `/v1/workers?agent_id=${agentId}`, undefined, other.key);
      expect(theirList.body.data.map((w: { worker_id: string }) => w.worker_id)).toEqual([`${agentId}#bbbbbbbb`]);
      mine.close();
      theirs.close();
    });

    it('replaces the entry when a runner reconnects with the same worker_id, closing the old socket', async () => {
      const agentId = agent();
      const workerId = `${agentId}#cccccccc`;
      const first = await RawRunner.start(node.wsUrl, node.key, { workerId, agentId });
      const second = await RawRunner.start(node.wsUrl, node.key, { workerId, agentId, maxConcurrent: 9 });
      expect((await first.control.closed).code).toBe(1000);
      const list = await node.api('GET', `/v1/workers?agent_id=${agentId}`);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.data[0].max_concurrent).toBe(9);
      // The old socket closing must not remove the new entry.
      second.heartbeat(0, workerId);
      expect((await node.api('GET', `/v1/workers?agent_id=${agentId}`)).body.data).toHaveLength(1);
      second.close();
    });

    it('removes a runner when its control socket closes', async () => {
      const agentId = agent();
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#dddddddd`, agentId });
      runner.close();
      await runner.control.closed;
      await expect.poll(async () => (await node.api('GET', `/v1/workers?agent_id=${agentId}`)).body.data.length).toBe(0);
    });

    it('shows heartbeat active_jobs and draining', async () => {
      const agentId = agent();
      const workerId = `${agentId}#eeeeeeee`;
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId, agentId });
      runner.heartbeat(3, workerId, true);
      await expect.poll(async () => (await node.api('GET', `/v1/workers?agent_id=${agentId}`)).body.data[0]?.draining).toBe(true);
      const view = (await node.api('GET', `/v1/workers?agent_id=${agentId}`)).body.data[0];
      expect(view).toMatchObject({ active_jobs: 3, has_capacity: false });
      runner.close();
    });
  });
});

describe('registry TTL', () => {
  it('evicts a runner that stops heartbeating and closes its socket', async () => {
    const node = await nodeOn('sqlite', createPgSchema, { registryTtlMs: 200 });
    try {
      const agentId = agent();
      const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#ffffffff`, agentId });
      const closed = await runner.control.closed;
      expect(closed.reason).toMatch(/expired/);
      expect((await node.api('GET', `/v1/workers?agent_id=${agentId}`)).body.data).toHaveLength(0);
    } finally {
      await node.close();
    }
  });
});

describe('control socket on a closing server', () => {
  it('closes runner sockets with 1001 on graceful shutdown', async () => {
    const node = await nodeOn('sqlite', createPgSchema);
    const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: 'w#shutdown', agentId: agent() });
    await node.close();
    expect((await runner.control.closed).code).toBe(1001);
  });

  it('refuses a non-WebSocket path under the control prefix', async () => {
    const node = await nodeOn('sqlite', createPgSchema);
    try {
      const socket = await FrameSocket.open(`${node.wsUrl}/v1/internal/workersX`, { authorization: `Bearer ${node.key}` });
      expect(socket.isOpen).toBe(false);
    } finally {
      await node.close();
    }
  });
});
