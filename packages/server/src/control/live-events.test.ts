import type { LiveEvent } from '@unpod/protocol';
import { describe, expect, it } from 'vitest';
import { InMemoryLiveEventHub } from './live-events.js';

const at = '2026-01-01T00:00:00.000Z';
const state = (callId: string): LiveEvent => ({ type: 'call.state', call_id: callId, at, state: 'listening' });

describe('InMemoryLiveEventHub', () => {
  it('delivers per space, by call and by type, in publication order', () => {
    const hub = new InMemoryLiveEventHub();
    const all: LiveEvent[] = [];
    const one: LiveEvent[] = [];
    const workers: LiveEvent[] = [];
    hub.subscribe('S1', {}, (e) => all.push(e));
    hub.subscribe('S1', { callId: 'c1' }, (e) => one.push(e));
    hub.subscribe('S1', { types: new Set(['worker.changed']) }, (e) => workers.push(e));
    const w: LiveEvent = { type: 'worker.changed', at, worker_id: 'w', agent_id: 'a', change: 'registered' };
    hub.publish('S1', state('c1'));
    hub.publish('S1', state('c2'));
    hub.publish('S2', state('c1'));
    hub.publish('S1', w);
    expect(all).toEqual([state('c1'), state('c2'), w]);
    expect(one).toEqual([state('c1')]);
    expect(workers).toEqual([w]);
  });

  it('unsubscribes idempotently and forgets empty spaces', () => {
    const hub = new InMemoryLiveEventHub();
    const got: LiveEvent[] = [];
    const off = hub.subscribe('S', {}, (e) => got.push(e));
    const off2 = hub.subscribe('S', {}, () => {});
    off();
    off();
    hub.publish('S', state('c'));
    expect(got).toEqual([]);
    expect(hub.subscriberCount).toBe(1);
    off2();
    expect(hub.subscriberCount).toBe(0);
  });

  it('reports a throwing listener and still delivers to the others', () => {
    const errors: unknown[] = [];
    const hub = new InMemoryLiveEventHub((err) => errors.push(err));
    const got: LiveEvent[] = [];
    hub.subscribe('S', {}, () => {
      throw new Error('boom');
    });
    hub.subscribe('S', {}, (e) => got.push(e));
    hub.publish('S', state('c'));
    expect(got).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('lets a listener unsubscribe itself while being called', () => {
    const hub = new InMemoryLiveEventHub();
    let calls = 0;
    const off = hub.subscribe('S', {}, () => {
      calls++;
      off();
    });
    hub.publish('S', state('c'));
    hub.publish('S', state('c'));
    expect(calls).toBe(1);
  });
});
