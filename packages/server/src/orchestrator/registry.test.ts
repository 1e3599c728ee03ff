import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { InMemoryRunnerRegistry, type RunnerLink, type RunnerRegistration } from './registry.js';

function fakeLink(): RunnerLink & { closes: Array<{ code: number; reason: string }> } {
  const abort = new AbortController();
  const closes: Array<{ code: number; reason: string }> = [];
  return {
    closed: abort.signal,
    closes,
    assign: async () => ({ kind: 'accepted' }),
    cancel: () => undefined,
    close: (code, reason) => {
      closes.push({ code, reason });
      abort.abort();
    },
  };
}

function reg(workerId: string, overrides: Partial<RunnerRegistration> = {}): RunnerRegistration {
  return {
    spaceId: 'SPC_a',
    workerId,
    agentId: 'bot',
    pool: 'bot',
    dev: false,
    maxConcurrent: 2,
    dispatchable: true,
    placement: { hostname: null, address: null, region: null, deployment: null },
    link: fakeLink(),
    ...overrides,
  };
}

describe('InMemoryRunnerRegistry', () => {
  let registry: InMemoryRunnerRegistry;
  beforeEach(() => {
    vi.useFakeTimers();
    registry = new InMemoryRunnerRegistry({ ttlMs: 30_000, nodeId: 'n1', logger: pino({ level: 'silent' }) });
  });
  afterEach(() => {
    registry.close(1000, 'test over');
    vi.useRealTimers();
  });

  it('reserves synchronously and never beyond capacity', () => {
    registry.register(reg('a', { maxConcurrent: 2 }));
    const none = new Set<string>();
    expect(registry.reserve('SPC_a', 'bot', none)?.workerId).toBe('a');
    expect(registry.reserve('SPC_a', 'bot', none)?.workerId).toBe('a');
    expect(registry.reserve('SPC_a', 'bot', none)).toBeNull();
  });

  it('picks the least utilised runner, then the fewest in flight, then the least recently assigned', () => {
    registry.register(reg('small', { maxConcurrent: 2 }));
    registry.register(reg('big', { maxConcurrent: 10 }));
    const none = new Set<string>();
    const picks = Array.from({ length: 6 }, () => registry.reserve('SPC_a', 'bot', none)!.workerId);
    // small: 0/2 vs big: 0/10 tie on ratio and count -> least recently assigned; then ratios decide.
    expect(picks.filter((p) => p === 'small')).toHaveLength(1);
    expect(picks.filter((p) => p === 'big')).toHaveLength(5);
  });

  it('frees a slot on release, once', () => {
    registry.register(reg('a', { maxConcurrent: 1 }));
    const r = registry.reserve('SPC_a', 'bot', new Set())!;
    expect(registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
    r.release();
    r.release();
    expect(registry.list('SPC_a', {})[0]!.in_flight).toBe(0);
    expect(registry.reserve('SPC_a', 'bot', new Set())).not.toBeNull();
    expect(registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
  });

  it('never routes to a draining runner', () => {
    const r = reg('d');
    registry.register(r);
    registry.heartbeat('SPC_a', 'd', r.link, { activeJobs: 0, draining: true });
    expect(registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
    expect(registry.list('SPC_a', {})[0]).toMatchObject({ draining: true, has_capacity: false });
  });

  it('routes only within the space and agent of the call', () => {
    registry.register(reg('b-runner', { spaceId: 'SPC_b' }));
    registry.register(reg('bot2-runner', { agentId: 'bot2', pool: 'bot2' }));
    registry.register(reg('serve-runner', { dispatchable: false }));
    expect(registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
    registry.register(reg('a-runner'));
    expect(registry.reserve('SPC_a', 'bot', new Set(['a-runner']))).toBeNull();
    expect(registry.reserve('SPC_a', 'bot', new Set())?.workerId).toBe('a-runner');
  });

  it('uses the dev pool only while no ordinary runner of the agent is live', () => {
    const dev = reg('dev', { pool: 'bot@dev', dev: true });
    registry.register(dev);
    expect(registry.reserve('SPC_a', 'bot', new Set())?.workerId).toBe('dev');
    const prod = reg('prod', { maxConcurrent: 1 });
    registry.register(prod);
    expect(registry.reserve('SPC_a', 'bot', new Set())?.workerId).toBe('prod');
    // prod is full: overflow does not spill into the dev pool
    expect(registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
    registry.unregister('SPC_a', 'prod', prod.link);
    expect(registry.reserve('SPC_a', 'bot', new Set())?.workerId).toBe('dev');
  });

  it('evicts after the TTL unless heartbeats refresh it', () => {
    const a = reg('a');
    const b = reg('b');
    registry.register(a);
    registry.register(b);
    vi.advanceTimersByTime(20_000);
    registry.heartbeat('SPC_a', 'a', a.link, { activeJobs: 0, draining: false });
    vi.advanceTimersByTime(20_000);
    expect(registry.list('SPC_a', {}).map((w) => w.worker_id)).toEqual(['a']);
    expect((b.link as ReturnType<typeof fakeLink>).closes[0]?.reason).toMatch(/expired/);
    vi.advanceTimersByTime(10_001);
    expect(registry.list('SPC_a', {})).toEqual([]);
  });

  it('replaces an entry on re-register and keeps counting its live reservations', () => {
    const first = reg('a', { maxConcurrent: 2 });
    registry.register(first);
    const held = registry.reserve('SPC_a', 'bot', new Set())!;
    const second = reg('a', { maxConcurrent: 2 });
    registry.register(second);
    expect((first.link as ReturnType<typeof fakeLink>).closes).toHaveLength(1);
    expect(registry.list('SPC_a', {})).toHaveLength(1);
    expect(registry.list('SPC_a', {})[0]!.in_flight).toBe(1);
    // the old link leaving does not remove the new entry
    registry.unregister('SPC_a', 'a', first.link);
    expect(registry.list('SPC_a', {})).toHaveLength(1);
    expect(registry.reserve('SPC_a', 'bot', new Set())!.link).toBe(second.link);
    expect(registry.reserve('SPC_a', 'bot', new Set())).toBeNull();
    held.release();
  });
});
