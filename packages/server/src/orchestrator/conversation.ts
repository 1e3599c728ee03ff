import type { CallState, TurnMetrics } from '@unpod/protocol';

/**
 * The turn-taking core of one call: a synchronous state machine (no timers, no I/O) that turns
 * inputs (user text, runner verbs, elapsed grace) into effects for `LiveCall` to carry out.
 *
 * The turn gate (spec 4.3): a user turn is forwarded to the runner only while no agent reply is
 * open; the reply closes on `agent.text.end`. User text arriving while a reply is open is a
 * barge-in: the reply is interrupted (the runner gets `user.interrupted`, the rest of that reply
 * is dropped) and the new text waits until the runner closes the interrupted reply (or the grace
 * period ends). Texts that wait are forwarded together as one turn, joined by newlines.
 *
 * Ids: `turnId` numbers user turns as sent to the runner (`user.text.turn_id`, `turn.metrics`);
 * `utteranceId` numbers agent messages (greeting, reply, say) as the transport sees them.
 *
 * Audio transports (`deferAgentRecord`): an agent message is spoken after its text is complete,
 * so its transcript entry waits until the transport reports it played (`played`), or until the
 * caller barged in on it (`bargeIn`), which records it as interrupted with what was heard. A
 * barge-in on the open reply interrupts it as user text would; a barge-in on audio of a reply
 * already closed tells the runner (`user.interrupted`) without touching the turn gate.
 */
export type ConversationEffect =
  | { kind: 'record'; role: 'user' | 'agent'; text: string }
  | { kind: 'forward'; turnId: number; text: string }
  | { kind: 'interrupt'; turnId: number; utteranceId: number | null; generatedText: string }
  | { kind: 'cut'; utteranceId: number; generatedText: string }
  | { kind: 'delta'; utteranceId: number; text: string }
  | { kind: 'end'; utteranceId: number; text: string }
  | { kind: 'say'; utteranceId: number; text: string; interruptible: boolean }
  | { kind: 'metrics'; metrics: TurnMetrics; utteranceId: number | null }
  | { kind: 'state'; state: CallState; turnId: number | null }
  | { kind: 'start_grace'; turnId: number }
  | { kind: 'reply_closed' };

interface Reply {
  /** The user turn this reply answers; null for a reply the runner started on its own. */
  turnId: number | null;
  sentAtMs: number;
  firstDeltaAtMs: number | null;
  utteranceId: number | null;
  text: string;
  interrupted: boolean;
}

export interface ConversationOptions {
  /** Record agent messages once played (audio transports), not when their text is complete. */
  deferAgentRecord?: boolean;
}

export class Conversation {
  private started = false;
  private turnId = 0;
  private utteranceSeq = 0;
  private reply: Reply | null = null;
  private pending: string[] = [];
  /** Agent messages whose text is complete and whose audio has not finished (deferred records). */
  private readonly playing = new Map<number, { turnId: number | null; text: string }>();
  private readonly deferAgentRecord: boolean;

  constructor(options: ConversationOptions = {}) {
    this.deferAgentRecord = options.deferAgentRecord ?? false;
  }

  /** True while an agent reply holds the turn gate. */
  get replyOpen(): boolean {
    return this.reply !== null;
  }

  /** True while the agent is mid-reply: deltas delivered, not interrupted, not yet ended. */
  get agentSpeaking(): boolean {
    return this.reply !== null && !this.reply.interrupted && this.reply.utteranceId !== null;
  }

  /** The call is live: speak the greeting (if any), then forward text typed before the start. */
  start(greeting: string | null, atMs: number): ConversationEffect[] {
    if (this.started) return [];
    this.started = true;
    const out: ConversationEffect[] = [];
    if (greeting) out.push(...this.say(greeting));
    if (this.pending.length > 0) out.push(...this.forwardPending(atMs));
    else out.push({ kind: 'state', state: 'listening', turnId: null });
    return out;
  }

  userText(text: string, atMs: number): ConversationEffect[] {
    const out: ConversationEffect[] = [{ kind: 'record', role: 'user', text }];
    if (!this.started) {
      this.pending.push(text);
      return out;
    }
    if (!this.reply) {
      this.pending.push(text);
      return [...out, ...this.forwardPending(atMs)];
    }
    this.pending.push(text);
    const reply = this.reply;
    if (reply.interrupted) return out;
    reply.interrupted = true;
    const turnId = reply.turnId ?? this.turnId;
    // The cut agent turn precedes the interrupting user turn in the transcript.
    return [
      { kind: 'interrupt', turnId, utteranceId: reply.utteranceId, generatedText: reply.text },
      ...out,
      { kind: 'state', state: 'interrupted', turnId },
      { kind: 'start_grace', turnId },
    ];
  }

  agentDelta(text: string, atMs: number): ConversationEffect[] {
    if (!this.started || text === '') return [];
    if (this.reply?.interrupted) return [];
    const out: ConversationEffect[] = [];
    if (!this.reply) this.reply = { turnId: null, sentAtMs: atMs, firstDeltaAtMs: null, utteranceId: null, text: '', interrupted: false };
    const reply = this.reply;
    if (reply.utteranceId === null) {
      reply.utteranceId = ++this.utteranceSeq;
      reply.firstDeltaAtMs = atMs;
      out.push({ kind: 'state', state: 'speaking', turnId: reply.turnId });
    }
    reply.text += text;
    out.push({ kind: 'delta', utteranceId: reply.utteranceId, text });
    return out;
  }

  /** `agent.text.end`: close the open reply and release the gate. */
  agentEnd(atMs: number): ConversationEffect[] {
    if (!this.reply) return [];
    return this.closeReply(atMs, true);
  }

  /** The runner did not close an interrupted reply within the grace period. */
  graceElapsed(turnId: number, atMs: number): ConversationEffect[] {
    const reply = this.reply;
    if (!reply || !reply.interrupted || (reply.turnId ?? this.turnId) !== turnId) return [];
    return this.closeReply(atMs, false);
  }

  /**
   * A whole agent utterance outside the reply stream; does not touch the gate. A line that is not
   * `interruptible` plays to its end on audio transports whatever the caller says.
   */
  say(text: string, interruptible = true): ConversationEffect[] {
    if (text === '') return [];
    const utteranceId = ++this.utteranceSeq;
    const out: ConversationEffect[] = [{ kind: 'say', utteranceId, text, interruptible }];
    if (this.deferAgentRecord) this.playing.set(utteranceId, { turnId: null, text });
    else out.push({ kind: 'record', role: 'agent', text });
    return out;
  }

  /** Audio transports: the message played to its end; its transcript entry is written now. */
  played(utteranceId: number): ConversationEffect[] {
    const entry = this.playing.get(utteranceId);
    if (!entry) return [];
    this.playing.delete(utteranceId);
    return [{ kind: 'record', role: 'agent', text: entry.text }];
  }

  /**
   * Audio transports: the caller spoke over the message's audio and the transport flushed it.
   * The open reply is interrupted (its later deltas dropped, the gate waits for the runner's
   * `agent.text.end`); a message already complete is recorded as interrupted.
   */
  bargeIn(utteranceId: number): ConversationEffect[] {
    const reply = this.reply;
    if (reply && reply.utteranceId === utteranceId) {
      if (reply.interrupted) return [];
      reply.interrupted = true;
      const turnId = reply.turnId ?? this.turnId;
      return [
        { kind: 'interrupt', turnId, utteranceId, generatedText: reply.text },
        { kind: 'state', state: 'interrupted', turnId },
        { kind: 'start_grace', turnId },
      ];
    }
    const entry = this.playing.get(utteranceId);
    if (!entry) return [];
    this.playing.delete(utteranceId);
    return [{ kind: 'interrupt', turnId: entry.turnId ?? this.turnId, utteranceId, generatedText: entry.text }];
  }

  /** The call is ending: a reply still streaming is cut where it stands. */
  callEnding(): ConversationEffect[] {
    const reply = this.reply;
    this.reply = null;
    this.pending = [];
    const out: ConversationEffect[] = [];
    for (const [utteranceId, entry] of this.playing) out.push({ kind: 'cut', utteranceId, generatedText: entry.text });
    this.playing.clear();
    if (reply && !reply.interrupted && reply.utteranceId !== null) out.push({ kind: 'cut', utteranceId: reply.utteranceId, generatedText: reply.text });
    return out;
  }

  private forwardPending(atMs: number): ConversationEffect[] {
    const text = this.pending.join('\n');
    this.pending = [];
    const turnId = ++this.turnId;
    this.reply = { turnId, sentAtMs: atMs, firstDeltaAtMs: null, utteranceId: null, text: '', interrupted: false };
    return [
      { kind: 'forward', turnId, text },
      { kind: 'state', state: 'thinking', turnId },
    ];
  }

  private closeReply(atMs: number, endedByRunner: boolean): ConversationEffect[] {
    const reply = this.reply!;
    this.reply = null;
    const out: ConversationEffect[] = [];
    if (!reply.interrupted && reply.utteranceId !== null) {
      out.push({ kind: 'end', utteranceId: reply.utteranceId, text: reply.text });
      if (this.deferAgentRecord) this.playing.set(reply.utteranceId, { turnId: reply.turnId, text: reply.text });
      else out.push({ kind: 'record', role: 'agent', text: reply.text });
    }
    if (reply.turnId !== null) {
      const ttft = reply.firstDeltaAtMs === null ? null : round(reply.firstDeltaAtMs - reply.sentAtMs);
      out.push({
        kind: 'metrics',
        utteranceId: reply.utteranceId,
        metrics: {
          turn_id: reply.turnId,
          stt_ms: null,
          agent_ttft_ms: ttft,
          tts_ttfb_ms: null,
          ttfa_ms: ttft,
          agent_total_ms: endedByRunner ? round(atMs - reply.sentAtMs) : null,
          interrupted: reply.interrupted,
        },
      });
    }
    out.push({ kind: 'reply_closed' });
    if (this.pending.length > 0) out.push(...this.forwardPending(atMs));
    else out.push({ kind: 'state', state: 'listening', turnId: reply.turnId });
    return out;
  }
}

const round = (ms: number) => Math.max(0, Math.round(ms * 10) / 10);
