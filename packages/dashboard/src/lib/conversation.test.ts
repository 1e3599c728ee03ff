import type { LiveEvent } from '@unpod/protocol';
import { describe, expect, it } from 'vitest';
import { EMPTY_CONVERSATION, addOwnText, applyClientFrame, applyLiveEvent, type ConversationView } from './conversation.js';

const at = '2026-01-01T00:00:00.000Z';
const fold = (events: LiveEvent[]): ConversationView => events.reduce(applyLiveEvent, EMPTY_CONVERSATION);

describe('conversation view from live events', () => {
  it('streams partials and agent text, then replaces them with final turns', () => {
    let v = fold([
      { type: 'call.started', call_id: 'c', at, agent_id: 'a', transport: 'websocket' },
      { type: 'call.state', call_id: 'c', at, state: 'listening' },
      { type: 'transcript.partial', call_id: 'c', at, text: 'what ti' },
    ]);
    expect(v).toMatchObject({ status: 'live', state: 'listening', partial: 'what ti', turns: [] });
    v = [
      { type: 'transcript.final', call_id: 'c', at, role: 'user', text: 'what time', interrupted: false },
      { type: 'agent.delta', call_id: 'c', at, text: 'You said: ' },
      { type: 'agent.delta', call_id: 'c', at, text: 'what time' },
    ].reduce((acc, e) => applyLiveEvent(acc, e as LiveEvent), v);
    expect(v.partial).toBe('');
    expect(v.agentDraft).toBe('You said: what time');
    v = applyLiveEvent(v, { type: 'transcript.final', call_id: 'c', at, role: 'agent', text: 'You said', interrupted: true });
    expect(v.agentDraft).toBe('');
    expect(v.turns).toEqual([
      { role: 'user', text: 'what time', interrupted: false },
      { role: 'agent', text: 'You said', interrupted: true },
    ]);
  });

  it('keeps one metrics row per turn, in turn order, and collects events', () => {
    const m = (turn_id: number, ttfa_ms: number) => ({ turn_id, stt_ms: null, agent_ttft_ms: 1, tts_ttfb_ms: null, ttfa_ms, agent_total_ms: 2, interrupted: false });
    const v = fold([
      { type: 'call.metrics', call_id: 'c', at, metrics: m(2, 20) },
      { type: 'call.metrics', call_id: 'c', at, metrics: m(1, 10) },
      { type: 'call.metrics', call_id: 'c', at, metrics: m(2, 25) },
      { type: 'call.event', call_id: 'c', at, name: 'runner.assigned', data: { worker_id: 'w' } },
    ]);
    expect(v.metrics.map((x) => [x.turn_id, x.ttfa_ms])).toEqual([
      [1, 10],
      [2, 25],
    ]);
    expect(v.events).toEqual([{ at, name: 'runner.assigned', data: { worker_id: 'w' } }]);
  });

  it('ends: no state, no drafts, the reason kept; later state events do not revive it', () => {
    let v = fold([
      { type: 'agent.delta', call_id: 'c', at, text: 'Hi' },
      { type: 'call.ended', call_id: 'c', at, reason: 'user_hangup' },
    ]);
    expect(v).toMatchObject({ status: 'ended', state: null, agentDraft: '', endReason: 'user_hangup' });
    v = applyLiveEvent(v, { type: 'call.state', call_id: 'c', at, state: 'listening' });
    expect(v.status).toBe('ended');
  });
});

describe('conversation view from client socket frames', () => {
  it('builds a text chat: own lines, streamed replies, interruptions, errors, end', () => {
    let v = applyClientFrame(EMPTY_CONVERSATION, { event: 'call.connected', call_id: 'c' });
    expect(v.status).toBe('live');
    v = addOwnText(v, 'hello');
    v = applyClientFrame(v, { event: 'state', state: 'thinking' });
    v = applyClientFrame(v, { event: 'agent.text.delta', text: 'You said: ', turn_id: 1 });
    expect(v.agentDraft).toBe('You said: ');
    v = applyClientFrame(v, { event: 'agent.text.end', text: 'You said: hello', turn_id: 1 });
    v = applyClientFrame(v, { event: 'user.interrupted', turn_id: 1, heard_prefix: 'You' });
    v = applyClientFrame(v, { event: 'error', code: 'invalid_frame', message: 'bad' });
    v = applyClientFrame(v, { event: 'some.future.event' });
    v = applyClientFrame(v, { event: 'call.ended', reason: 'user_hangup' });
    expect(v).toMatchObject({ status: 'ended', state: null, endReason: 'user_hangup', error: 'invalid_frame: bad' });
    expect(v.turns).toEqual([
      { role: 'user', text: 'hello', interrupted: false },
      { role: 'agent', text: 'You said: hello', interrupted: true },
    ]);
  });

  it('takes voice transcripts from user.partial and user.text', () => {
    let v = applyClientFrame(EMPTY_CONVERSATION, { event: 'user.partial', text: 'what' });
    expect(v.partial).toBe('what');
    v = applyClientFrame(v, { event: 'user.text', text: 'what time' });
    expect(v.partial).toBe('');
    expect(v.turns).toEqual([{ role: 'user', text: 'what time', interrupted: false }]);
  });
});
