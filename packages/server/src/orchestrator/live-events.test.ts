import { LiveEvent } from '@unpod/protocol';
import { createPgSchema } from '@unpod/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, nodeOn } from './testing/databases.js';
import { RawRunner } from './testing/raw-runner.js';
import { createPipe, finishedCall, startTextCall, uniqueAgent } from './testing/scenario.js';
import type { TestNode } from './testing/test-node.js';

/** Follow an SSE endpoint of the node over real HTTP, collecting parsed events until it closes. */
function follow(
  node: TestNode,
  path: string,
  key = node.key,
): { events: LiveEvent[]; ready: Promise<void>; done: Promise<void>; next: (type: LiveEvent['type']) => Promise<LiveEvent>; stop: () => void } {
  const abort = new AbortController();
  let opened!: () => void;
  const ready = new Promise<void>((resolve) => (opened = resolve));
  const events: LiveEvent[] = [];
  const waiters: Array<{ type: string; resolve: (e: LiveEvent) => void }> = [];
  const done = (async () => {
    const res = await fetch(`${node.httpUrl}${path}`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    // The server subscribes before it answers, so from here on nothing is missed.
    opened();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        const event = LiveEvent.parse(JSON.parse(data.slice(6)));
        events.push(event);
        for (const w of [...waiters]) {
          if (w.type !== event.type) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    }
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) throw err;
  });
  const next = (type: LiveEvent['type']) => {
    const seen = events.find((e) => e.type === type);
    return seen ? Promise.resolve(seen) : new Promise<LiveEvent>((resolve) => waiters.push({ type, resolve }));
  };
  return { events, ready, done, next, stop: () => abort.abort() };
}

describe.each(DATABASES)('live events of calls and workers (%s)', (db) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await nodeOn(db, createPgSchema);
  });
  afterAll(async () => {
    await node?.close();
  });

  it('publishes a text call as it happens; a late subscriber gets the replay, then the rest, then the stream closes', async () => {
    const agentId = uniqueAgent('live');
    const space = follow(node, '/v1/events');
    await space.ready;
    const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
    expect(await space.next('worker.changed')).toMatchObject({ worker_id: `${agentId}#00000001`, agent_id: agentId, change: 'registered' });
    const pipe = await createPipe(node, agentId, { greeting: 'Hello!' });
    const live = await startTextCall(node, runner, { pipe_id: pipe.id });
    const { client, bridge } = live;
    await client.waitFor('state');

    // Joins after the greeting: replayed first, in order, then live events.
    const call = follow(node, `/v1/calls/${live.callId}/events`);
    await call.ready;
    client.send({ event: 'user.text', text: 'What are your hours?' });
    await bridge.waitFor('user.text');
    bridge.send({ event: 'agent.text.delta', text: 'We open ' });
    bridge.send({ event: 'agent.text.delta', text: 'at nine.' });
    bridge.send({ event: 'agent.text.end' });
    await call.next('call.metrics');
    client.send({ event: 'hangup' });
    await call.done;
    await finishedCall(node, live.callId);

    const e = call.events;
    expect(e[0]).toMatchObject({ type: 'call.started', call_id: live.callId, agent_id: agentId, transport: 'text' });
    const finals = e.filter((x) => x.type === 'transcript.final').map((x) => (x.type === 'transcript.final' ? [x.role, x.text] : []));
    expect(finals).toEqual([
      ['agent', 'Hello!'],
      ['user', 'What are your hours?'],
      ['agent', 'We open at nine.'],
    ]);
    expect(e.filter((x) => x.type === 'agent.delta').map((x) => (x.type === 'agent.delta' ? x.text : ''))).toEqual(['We open ', 'at nine.']);
    expect(e.filter((x) => x.type === 'call.state').map((x) => (x.type === 'call.state' ? x.state : ''))).toEqual(['listening', 'thinking', 'speaking', 'listening']);
    expect(e.find((x) => x.type === 'call.event')).toMatchObject({ name: 'runner.assigned' });
    expect(e.at(-1)).toMatchObject({ type: 'call.ended', reason: 'user_hangup' });
    expect(new Set(e.map((x) => JSON.stringify(x))).size).toBe(e.length);

    // The space stream saw the call start, change state and end; never its words.
    await space.next('call.ended');
    expect(space.events.some((x) => x.type === 'call.started' && x.call_id === live.callId)).toBe(true);
    expect(space.events.some((x) => x.type === 'transcript.final' || x.type === 'agent.delta' || x.type === 'transcript.partial')).toBe(false);

    runner.close();
    expect(await space.next('worker.changed').then(() => waitRemoved(space, agentId))).toMatchObject({ change: 'removed' });
    space.stop();
  });

  it("does not show a call's events to another space", async () => {
    const other = await node.newKey();
    const agentId = uniqueAgent('private');
    const runner = await RawRunner.start(node.wsUrl, node.key, { workerId: `${agentId}#00000001`, agentId });
    const pipe = await createPipe(node, agentId);
    const live = await startTextCall(node, runner, { pipe_id: pipe.id });
    const res = await fetch(`${node.httpUrl}/v1/calls/${live.callId}/events`, { headers: { authorization: `Bearer ${other.key}` } });
    expect(res.status).toBe(404);
    await res.body?.cancel();
    live.client.send({ event: 'hangup' });
    await finishedCall(node, live.callId);
    runner.close();
  });
});

async function waitRemoved(space: { events: LiveEvent[]; next: (t: LiveEvent['type']) => Promise<LiveEvent> }, agentId: string): Promise<LiveEvent> {
  for (;;) {
    const removed = space.events.find((x) => x.type === 'worker.changed' && x.agent_id === agentId && x.change === 'removed');
    if (removed) return removed;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
