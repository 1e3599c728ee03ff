import { describe, expect, it } from 'vitest';
import { AnalyticsQuery, LiveEvent, LoginLinkExchange, VoiceSampleRequest } from './dashboard.js';

const at = '2026-01-01T00:00:00.000Z';

describe('dashboard models', () => {
  it('LiveEvent parses every event type and refuses unknown ones', () => {
    const events = [
      { type: 'call.started', call_id: 'c', at, agent_id: 'a', transport: 'text' },
      { type: 'call.ended', call_id: 'c', at, reason: 'user_hangup' },
      { type: 'call.state', call_id: 'c', at, state: 'thinking' },
      { type: 'transcript.partial', call_id: 'c', at, text: 'hel' },
      { type: 'transcript.final', call_id: 'c', at, role: 'agent', text: 'Hi', interrupted: false },
      { type: 'agent.delta', call_id: 'c', at, text: 'Hi' },
      { type: 'call.metrics', call_id: 'c', at, metrics: { turn_id: 1, stt_ms: null, agent_ttft_ms: 3, tts_ttfb_ms: null, ttfa_ms: 3, agent_total_ms: 4, interrupted: false } },
      { type: 'call.event', call_id: 'c', at, name: 'runner.assigned', data: { worker_id: 'w' } },
      { type: 'worker.changed', at, worker_id: 'w', agent_id: 'a', change: 'removed' },
    ];
    for (const e of events) expect(LiveEvent.parse(e)).toEqual(e);
    expect(LiveEvent.safeParse({ type: 'call.deleted', call_id: 'c', at }).success).toBe(false);
    expect(LiveEvent.safeParse({ type: 'call.state', call_id: 'c', at, state: 'dancing' }).success).toBe(false);
  });

  it('AnalyticsQuery takes optional ISO dates in order, at most 366 days', () => {
    expect(AnalyticsQuery.parse({})).toEqual({});
    expect(AnalyticsQuery.parse({ from: '2026-01-01', to: '2026-12-31' })).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    for (const bad of [{ from: '2026-02-30' }, { to: '01/02/2026' }, { from: '2026-02-02', to: '2026-02-01' }, { from: '2025-01-01', to: '2026-01-02' }, { from: '2026-01-01', days: '3' }]) {
      expect(AnalyticsQuery.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('LoginLinkExchange and VoiceSampleRequest are strict and bounded', () => {
    expect(LoginLinkExchange.safeParse({ token: 'll_x', extra: 1 }).success).toBe(false);
    expect(LoginLinkExchange.safeParse({ token: '' }).success).toBe(false);
    expect(VoiceSampleRequest.parse({ text: '  hi  ' })).toEqual({ text: 'hi' });
    expect(VoiceSampleRequest.safeParse({ text: 'x'.repeat(301) }).success).toBe(false);
    expect(VoiceSampleRequest.safeParse({ text: '   ' }).success).toBe(false);
  });
});
