import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessClusterBus } from '../cluster/bus.js';
import { RemoteCalls } from './remote-calls.js';

// Two nodes' call control on one bus (the in-process bus has the Redis bus's delivery contract).

const logger = pino({ level: 'silent' });
const closers: Array<() => void> = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

function remote(bus: InProcessClusterBus, nodeId: string): RemoteCalls {
  const r = new RemoteCalls(bus, nodeId, logger);
  closers.push(() => r.close());
  return r;
}

describe('RemoteCalls', () => {
  it('asks the owning node to hang up and reports whether the call was live there', async () => {
    const bus = new InProcessClusterBus();
    const hungUp: string[] = [];
    const owner = remote(bus, 'a');
    await owner.start(async (callId) => {
      if (callId !== 'live') return false;
      hungUp.push(callId);
      return true;
    });
    const asker = remote(bus, 'b');
    await asker.start(async () => false);
    expect(await asker.hangup('a', 'live', 5_000)).toBe(true);
    expect(hungUp).toEqual(['live']);
    expect(await asker.hangup('a', 'gone', 5_000)).toBe(false);
  });

  it('answers null when the owner does not answer in time (a dead node)', async () => {
    const bus = new InProcessClusterBus();
    const asker = remote(bus, 'b');
    await asker.start(async () => false);
    expect(await asker.hangup('dead', 'c1', 20)).toBeNull();
  });

  it('a failing hangup on the owner is answered as not live instead of hanging the asker', async () => {
    const bus = new InProcessClusterBus();
    await remote(bus, 'a').start(async () => {
      throw new Error('store down');
    });
    const asker = remote(bus, 'b');
    await asker.start(async () => false);
    expect(await asker.hangup('a', 'c1', 5_000)).toBe(false);
  });

  it('close() settles pending requests with null', async () => {
    const bus = new InProcessClusterBus();
    const asker = new RemoteCalls(bus, 'b', logger);
    await asker.start(async () => false);
    const pending = asker.hangup('nobody', 'c1', 60_000);
    asker.close();
    expect(await pending).toBeNull();
  });
});
