import { describe, expect, it } from 'vitest';
import { Conversation, type ConversationEffect } from './conversation.js';

const kinds = (effects: ConversationEffect[]) => effects.map((e) => e.kind);

describe('Conversation (turn gate, spec 4.3: agent.text.end releases the gate)', () => {
  it('holds user text until the call starts, then forwards it after the greeting', () => {
    const c = new Conversation();
    expect(kinds(c.userText('early', 0))).toEqual(['record']);
    const start = c.start('Hello', 10);
    expect(start).toEqual([
      { kind: 'say', utteranceId: 1, text: 'Hello', interruptible: true },
      { kind: 'record', role: 'agent', text: 'Hello' },
      { kind: 'forward', turnId: 1, text: 'early' },
      { kind: 'state', state: 'thinking', turnId: 1 },
    ]);
  });

  it('streams a reply and closes it on agent.text.end with text-call metrics', () => {
    const c = new Conversation();
    c.start(null, 0);
    c.userText('hi', 100);
    expect(c.agentDelta('Hel', 150)).toEqual([
      { kind: 'state', state: 'speaking', turnId: 1 },
      { kind: 'delta', utteranceId: 1, text: 'Hel' },
    ]);
    c.agentDelta('lo', 160);
    expect(c.agentSpeaking).toBe(true);
    expect(c.agentEnd(400)).toEqual([
      { kind: 'end', utteranceId: 1, text: 'Hello' },
      { kind: 'record', role: 'agent', text: 'Hello' },
      {
        kind: 'metrics',
        utteranceId: 1,
        metrics: { turn_id: 1, stt_ms: null, agent_ttft_ms: 50, tts_ttfb_ms: null, ttfa_ms: 50, agent_total_ms: 300, interrupted: false },
      },
      { kind: 'reply_closed' },
      { kind: 'state', state: 'listening', turnId: 1 },
    ]);
    expect(c.replyOpen).toBe(false);
  });

  it('turns user text during a reply into a barge-in, drops the rest of that reply, forwards after the gate', () => {
    const c = new Conversation();
    c.start(null, 0);
    c.userText('story', 0);
    c.agentDelta('Once ', 10);
    expect(c.userText('stop', 20)).toEqual([
      { kind: 'interrupt', turnId: 1, utteranceId: 1, generatedText: 'Once ' },
      { kind: 'record', role: 'user', text: 'stop' },
      { kind: 'state', state: 'interrupted', turnId: 1 },
      { kind: 'start_grace', turnId: 1 },
    ]);
    expect(c.agentDelta('upon', 30)).toEqual([]);
    expect(kinds(c.userText('please', 35))).toEqual(['record']);
    const closed = c.agentEnd(40);
    expect(kinds(closed)).toEqual(['metrics', 'reply_closed', 'forward', 'state']);
    expect(closed[0]).toMatchObject({ metrics: { turn_id: 1, interrupted: true } });
    expect(closed[2]).toEqual({ kind: 'forward', turnId: 2, text: 'stop\nplease' });
  });

  it('interrupts a reply that has not produced text yet with an empty prefix', () => {
    const c = new Conversation();
    c.start(null, 0);
    c.userText('a', 0);
    expect(c.userText('b', 5)[0]).toEqual({ kind: 'interrupt', turnId: 1, utteranceId: null, generatedText: '' });
  });

  it('releases an interrupted reply after the grace period when the runner never ends it', () => {
    const c = new Conversation();
    c.start(null, 0);
    c.userText('a', 0);
    c.userText('b', 5);
    expect(c.graceElapsed(2, 100)).toEqual([]);
    const out = c.graceElapsed(1, 100);
    expect(out[0]).toMatchObject({ kind: 'metrics', metrics: { agent_total_ms: null, interrupted: true } });
    expect(out).toContainEqual({ kind: 'forward', turnId: 2, text: 'b' });
  });

  it('keeps agent.say outside the gate and numbers utterances in order', () => {
    const c = new Conversation();
    c.start(null, 0);
    c.userText('q', 0);
    expect(c.say('One moment')).toEqual([
      { kind: 'say', utteranceId: 1, text: 'One moment', interruptible: true },
      { kind: 'record', role: 'agent', text: 'One moment' },
    ]);
    expect(c.replyOpen).toBe(true);
    expect(c.agentDelta('A', 1)).toContainEqual({ kind: 'delta', utteranceId: 2, text: 'A' });
  });

  it('opens a reply for unsolicited deltas without metrics', () => {
    const c = new Conversation();
    c.start(null, 0);
    c.agentDelta('Hey', 0);
    expect(kinds(c.agentEnd(5))).toEqual(['end', 'record', 'reply_closed', 'state']);
  });

  it('cuts a streaming reply when the call ends', () => {
    const c = new Conversation();
    c.start(null, 0);
    c.userText('q', 0);
    c.agentDelta('partial', 1);
    expect(c.callEnding()).toEqual([{ kind: 'cut', utteranceId: 1, generatedText: 'partial' }]);
    expect(c.callEnding()).toEqual([]);
  });
});

describe('Conversation on audio transports (agent messages recorded once played)', () => {
  it('records a reply and a say only when the transport reports them played', () => {
    const c = new Conversation({ deferAgentRecord: true });
    expect(c.start('Hello', 0)).toEqual([
      { kind: 'say', utteranceId: 1, text: 'Hello', interruptible: true },
      { kind: 'state', state: 'listening', turnId: null },
    ]);
    c.userText('hi', 10);
    c.agentDelta('Hey there', 20);
    expect(kinds(c.agentEnd(30))).toEqual(['end', 'metrics', 'reply_closed', 'state']);
    expect(c.played(2)).toEqual([{ kind: 'record', role: 'agent', text: 'Hey there' }]);
    expect(c.played(1)).toEqual([{ kind: 'record', role: 'agent', text: 'Hello' }]);
    expect(c.played(1)).toEqual([]);
  });

  it('a barge-in on the open reply interrupts it like user text, without forwarding anything', () => {
    const c = new Conversation({ deferAgentRecord: true });
    c.start(null, 0);
    c.userText('tell me a story', 0);
    c.agentDelta('Once upon a time', 10);
    expect(c.bargeIn(1)).toEqual([
      { kind: 'interrupt', turnId: 1, utteranceId: 1, generatedText: 'Once upon a time' },
      { kind: 'state', state: 'interrupted', turnId: 1 },
      { kind: 'start_grace', turnId: 1 },
    ]);
    expect(c.agentDelta('there was', 20)).toEqual([]);
    expect(kinds(c.agentEnd(30))).toEqual(['metrics', 'reply_closed', 'state']);
    expect(kinds(c.userText('stop', 40))).toEqual(['record', 'forward', 'state']);
  });

  it('a barge-in on audio of a closed reply tells the runner and records the cut once', () => {
    const c = new Conversation({ deferAgentRecord: true });
    c.start(null, 0);
    c.userText('hours?', 0);
    c.agentDelta('We open at nine.', 10);
    c.agentEnd(20);
    expect(c.bargeIn(1)).toEqual([{ kind: 'interrupt', turnId: 1, utteranceId: 1, generatedText: 'We open at nine.' }]);
    expect(c.played(1)).toEqual([]);
    expect(c.bargeIn(1)).toEqual([]);
  });

  it('the call ending cuts every message still playing', () => {
    const c = new Conversation({ deferAgentRecord: true });
    c.start('Hello', 0);
    expect(c.callEnding()).toEqual([{ kind: 'cut', utteranceId: 1, generatedText: 'Hello' }]);
  });
});
