import {
  BASE_EVENTS,
  BRIDGE_PROTOCOL_VERSION,
  CLOSE_CODES,
  type AgentTransferFrame,
  type CallEndReason,
  type HelloFrame,
  type LiveEvent,
  type Pipe,
  type TurnMetrics,
} from '@unpod/protocol';
import { newId, nowIso } from '../control/ids.js';
import type { LiveEventHub } from '../control/live-events.js';
import type { CallLogEntry } from '../control/store/repos/call-log.js';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { Store } from '../control/store/store.js';
import type { Logger } from '../logger.js';
import type { FailoverEvent, SpeechTurnInfo } from '../speech/index.js';
import { secureRandomBytes } from '../random.js';
import type { CallTransport, TransportSink } from '../transports/transport.js';
import type { Pairing } from './bridge-acceptor.js';
import { negotiate, type BridgeCloseInfo, type BridgeSession, type CallStartedFields, type HelloAckFields, type RunnerVerb } from './bridge-session.js';
import { Conversation, type ConversationEffect } from './conversation.js';
import type { JobDispatcher } from './dispatcher.js';
import { callMetadata } from './metadata.js';
import type { Reservation } from './registry.js';
import type { OrchestratorTimings } from './timings.js';
import { checkTransfer, transferPolicyOf } from './transfer-policy.js';

export interface LiveCallDeps {
  store: Store;
  logger: Logger;
  timings: OrchestratorTimings;
  dispatcher: JobDispatcher;
  /** Called once the call has ended and released everything. */
  onFinished(call: LiveCall): void;
  /** Where the call's live events (state, transcripts, agent text) are published, if anywhere. */
  events?: LiveEventHub;
}

/** Live events a call keeps for late SSE subscribers; older ones are in the store. */
const MAX_LIVE_HISTORY = 2000;

type CallLiveEvent = Extract<LiveEvent, { call_id: string }>;
type LiveEventBody = CallLiveEvent extends infer E ? (E extends CallLiveEvent ? Omit<E, 'call_id' | 'at'> : never) : never;

type Phase = 'dispatching' | 'active' | 'ending' | 'ended';

/** Used when a call has no pipe (created by agent_id alone); the pipe default. */
const DEFAULT_MAX_CALL_DURATION_S = 3600;

/** Extension events every call can produce, whatever its transport. */
const CALL_EXTENSION_EVENTS = ['transfer.result'] as const;

/**
 * One live call on this node, transport-agnostic: dispatches it, owns its bridge after the
 * handshake, runs the turn gate (`Conversation`), persists transcript turns, per-turn metrics and
 * call events, carries out runner verbs, and ends the call exactly once with one end reason.
 * The transport (text today, audio later) is reached only through `CallTransport`.
 */
export class LiveCall {
  readonly id: string;
  private phase: Phase = 'dispatching';
  private readonly conversation: Conversation;
  private readonly abort = new AbortController();
  private readonly jobId = `job_${secureRandomBytes(8).toString('hex')}`;
  private readonly logger: Logger;
  private bridge: BridgeSession | null = null;
  private reservation: Reservation | null = null;
  private pairing: Pairing | null = null;
  private workerId: string | null = null;
  private negotiated: { events: string[]; verbs: string[] } = { events: [], verbs: [] };
  private seq = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private ending: Promise<void> | null = null;
  private endCallReason: string | null = null;
  private hints: readonly string[] = [];
  /** Turn metrics waiting for an audio transport's voice stages. */
  private readonly pendingMetrics = new Set<Promise<void>>();
  private resolveFinished!: () => void;
  private readonly liveHistory: LiveEvent[] = [];
  /** Resolves once the call has ended and its end is stored. */
  /** Why the call ended; null until `end` ran. */
  endReason: CallEndReason | null = null;
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));

  constructor(
    readonly record: CallRecord,
    private readonly pipe: Pipe | undefined,
    private readonly transport: CallTransport,
    private readonly deps: LiveCallDeps,
  ) {
    this.id = record.id;
    this.logger = deps.logger.child({ call_id: record.id });
    this.conversation = new Conversation({ deferAgentRecord: transport.defersAgentRecord });
  }

  /** Phrases from the latest `agent.hints`, for the next user turn. */
  get nextTurnHints(): readonly string[] {
    return this.hints;
  }

  get status(): Phase {
    return this.phase;
  }

  /**
   * Dispatch the call. Resolves true once a runner accepted it (pairing and handshake continue in
   * the background), false when it already ended (no runner, hung up...).
   */
  async launch(): Promise<boolean> {
    this.transport.bind(this.sink());
    let accepted!: () => void;
    const acceptedP = new Promise<void>((resolve) => (accepted = resolve));
    const dispatched = this.dispatch(accepted).catch(async (err: unknown) => {
      this.logger.error({ err }, 'dispatch failed unexpectedly');
      await this.end('error', { code: 'internal', message: 'dispatch failed' });
    });
    await Promise.race([acceptedP, dispatched]);
    return this.phase === 'dispatching' || this.phase === 'active';
  }

  hangup(): Promise<void> {
    return this.end('api_hangup');
  }

  shutdown(): Promise<void> {
    return this.end('server_shutdown', { code: 'server_shutdown', message: 'the server shut down during the call' }, CLOSE_CODES.goingAway);
  }

  private sink(): TransportSink {
    return {
      userText: (text) => {
        if (this.phase === 'dispatching' || this.phase === 'active') this.apply(this.conversation.userText(text, performance.now()));
      },
      dtmf: (digits) => {
        if (this.phase === 'active') this.bridge?.send({ event: 'dtmf', digits });
      },
      partial: (text) => {
        if (this.phase !== 'active') return;
        this.bridge?.send({ event: 'user.partial', text });
        this.publish({ type: 'transcript.partial', text });
      },
      bargeIn: (utteranceId) => {
        if (this.phase === 'active') this.apply(this.conversation.bargeIn(utteranceId));
      },
      played: (utteranceId) => {
        if (this.phase === 'active') this.apply(this.conversation.played(utteranceId));
      },
      silence: (durationMs) => {
        if (this.phase !== 'active') return;
        this.event('silence', { duration_ms: durationMs });
        this.bridge?.send({ event: 'silence', duration_ms: durationMs });
      },
      speechFailover: (e) => this.onSpeechFailover(e),
      speechUsage: (usage) => {
        for (const u of usage) this.event('speech.usage', { ...u });
      },
      idle: () => void this.end('idle_timeout'),
      hangup: () => void this.end('user_hangup'),
      lost: (reason, detail) => void this.end(reason, reason === 'transport_lost' ? { code: 'transport_lost', message: detail } : null),
    };
  }

  /**
   * A speech provider failed over: recorded as a call event and told to the runner as a `warn`
   * error frame (the call goes on).
   */
  private onSpeechFailover(e: FailoverEvent): void {
    const data = { kind: e.kind, from: e.from, to: e.to, reason: e.reason, phase: e.phase, message: e.message, at: e.at };
    this.event('speech.failover', data);
    this.logger.warn({ kind: e.kind, from: e.from, to: e.to, reason: e.reason, phase: e.phase }, 'speech provider failed over');
    if (this.phase !== 'active') return;
    this.bridge?.send({
      event: 'error',
      severity: 'warn',
      source: e.kind,
      code: 'speech_failover',
      message: `${e.kind === 'stt' ? 'speech-to-text' : 'text-to-speech'} provider ${e.from} failed (${e.reason}); ${e.to} took over`,
      from_provider: e.from,
      to_provider: e.to,
      reason: e.reason,
    });
  }

  private async dispatch(onAccepted: () => void): Promise<void> {
    const result = await this.deps.dispatcher.dispatch({
      spaceId: this.record.space_id,
      callId: this.id,
      agentId: this.record.agent_id,
      jobId: this.jobId,
      metadata: callMetadata(this.record, this.pipe),
      handshake: (hello, workerId) => this.handshakeFrames(hello, workerId),
      signal: this.abort.signal,
      onAccepted: () => onAccepted(),
    });
    if (!result.ok) {
      if (result.reason !== 'aborted') {
        this.logger.warn({ reason: result.reason, attempts: result.attempts }, 'call could not be dispatched');
        await this.end(result.reason, { code: result.reason, message: result.message });
      }
      return;
    }
    if (this.phase !== 'dispatching') {
      result.bridge.close(CLOSE_CODES.normal, 'call ended');
      result.reservation.release();
      result.pairing.release();
      return;
    }
    this.bridge = result.bridge;
    this.reservation = result.reservation;
    this.pairing = result.pairing;
    this.workerId = result.workerId;
    this.phase = 'active';
    this.logger.info({ worker_id: result.workerId, attempts: result.attempts }, 'call started on runner');
    this.publish({ type: 'call.started', agent_id: this.record.agent_id, transport: this.record.transport });
    this.event('runner.assigned', { worker_id: result.workerId, attempts: result.attempts, negotiated_events: this.negotiated.events, negotiated_verbs: this.negotiated.verbs });
    this.startMaxDurationTimer();
    this.transport.callStarted();
    const greeting = this.pipe && this.pipe.first_speaker === 'agent' ? this.pipe.greeting : null;
    this.apply(this.conversation.start(greeting, performance.now()));
    result.bridge.attach({ verb: (v) => this.onVerb(v), closed: (info) => this.onBridgeClosed(info) });
  }

  /**
   * Answer the runner's `hello`. The call is marked active (with its worker) before
   * `call.started` is sent, so anything the runner's entrypoint asks the API sees a live call.
   */
  private async handshakeFrames(hello: HelloFrame, workerId: string): Promise<{ ack: HelloAckFields; started: CallStartedFields }> {
    try {
      await this.deps.store.calls.markStatus(this.id, 'active', { worker_id: workerId });
    } catch (err) {
      this.logger.error({ err }, 'marking the call active failed');
    }
    const supported = [...BASE_EVENTS, ...CALL_EXTENSION_EVENTS, ...this.transport.extensionEvents];
    this.negotiated = negotiate(hello, supported);
    this.logger.debug({ worker_id: workerId, protocol_version: hello.protocol_version, ...this.negotiated }, 'bridge hello');
    const voiceProfileId = this.pipe?.voice_profile;
    return {
      ack: {
        protocol_version: BRIDGE_PROTOCOL_VERSION,
        negotiated_events: this.negotiated.events,
        negotiated_verbs: this.negotiated.verbs,
        call_id: this.id,
        session_id: this.id,
        job_id: this.jobId,
        room_id: this.id,
      },
      started: {
        session_id: this.id,
        job_id: this.jobId,
        room_id: this.id,
        metadata: callMetadata(this.record, this.pipe),
        agent_id: this.record.agent_id,
        ...(voiceProfileId ? { voice_profile_id: voiceProfileId } : {}),
      },
    };
  }

  private onVerb(frame: RunnerVerb): void {
    if (this.phase !== 'active') return;
    const now = performance.now();
    switch (frame.event) {
      case 'agent.text.delta':
        return this.apply(this.conversation.agentDelta(frame.text, now));
      case 'agent.text.end':
        return this.apply(this.conversation.agentEnd(now));
      case 'agent.say':
        return this.apply(this.conversation.say(frame.text, frame.interruptible ?? true));
      case 'agent.end_call':
        return this.onEndCall(frame.reason);
      case 'agent.transfer':
        return void this.onTransfer(frame).catch((err: unknown) => this.logger.error({ err }, 'transfer failed unexpectedly'));
      case 'agent.filler':
        this.transport.filler(frame.text);
        return;
      case 'agent.recording.pause':
        this.transport.setRecording(false);
        return this.event('recording.paused', { reason: frame.reason });
      case 'agent.recording.resume':
        this.transport.setRecording(true);
        return this.event('recording.resumed', {});
      case 'agent.dtmf': {
        const sent = this.transport.sendDtmf(frame.digits);
        if (!sent) this.logger.info({ transport: this.transport.kind }, 'agent.dtmf not supported on this transport');
        return this.event('agent.dtmf', { sent, digit_count: frame.digits.length });
      }
      case 'agent.hints':
        this.hints = frame.phrases;
        this.transport.setHints(frame.phrases);
        return;
      case 'agent.dispatch':
        return this.unsupported(frame.event, { agent_id: frame.agent_id });
      case 'agent.add_participant':
        return this.unsupported(frame.event, { participant_type: frame.participant_type });
      case 'agent.remove_participant':
        return this.unsupported(frame.event, { participant_id: frame.participant_id });
      case 'agent.merge':
        return this.unsupported(frame.event, { source_session_id: frame.source_session_id });
    }
  }

  private unsupported(verb: string, data: Record<string, unknown>): void {
    this.logger.warn({ verb, transport: this.transport.kind }, 'verb not supported on this transport; recorded only');
    this.event(verb, { ...data, supported: false });
  }

  private onEndCall(reason: string): void {
    if (this.endCallReason !== null) return;
    this.endCallReason = reason;
    this.event('agent.end_call', { reason });
    // Spec 4.3: end after the agent's speech finishes; a reply still streaming gets a bounded drain.
    if (this.conversation.agentSpeaking) this.timer(this.deps.timings.endCallDrainMs, () => void this.finishAgentEnd());
    else void this.finishAgentEnd();
  }

  private async finishAgentEnd(): Promise<void> {
    if (this.phase !== 'active') return;
    await this.transport.drained();
    await this.end('agent_end_call');
  }

  private async onTransfer(frame: AgentTransferFrame): Promise<void> {
    const policy = transferPolicyOf(this.pipe);
    const decision = checkTransfer(policy, frame.transfer_type, frame.target);
    const base = { transfer_type: frame.transfer_type, mode: frame.mode, target: frame.target };
    if (!decision.allowed) {
      this.logger.info({ transfer_type: frame.transfer_type, reason: decision.reason }, 'transfer refused by destination policy');
      this.apply(this.conversation.say(policy.refusalPhrase));
      this.event('agent.transfer', { ...base, outcome: 'refused', reason: decision.reason });
      this.bridge?.send({ event: 'transfer.result', target: frame.target, outcome: 'refused', reason: decision.reason });
      return;
    }
    const result = await this.transport.transfer({ transferType: frame.transfer_type, target: frame.target, mode: frame.mode, announcement: frame.announcement });
    if (this.phase !== 'active') return;
    this.logger.info({ transfer_type: frame.transfer_type, outcome: result.outcome, reason: result.reason }, 'transfer finished');
    this.event('agent.transfer', { ...base, outcome: result.outcome, reason: result.reason });
    this.bridge?.send({ event: 'transfer.result', target: frame.target, outcome: result.outcome, reason: result.reason });
    if (result.outcome === 'answered') await this.end('transferred');
  }

  private onBridgeClosed(info: BridgeCloseInfo): void {
    if (this.phase !== 'active' || info.byUs) return;
    if (this.endCallReason !== null) {
      void this.end('agent_end_call');
      return;
    }
    this.logger.warn({ code: info.code, worker_id: this.workerId }, 'runner bridge closed mid-call');
    void this.end('runner_lost', { code: 'runner_lost', message: `the runner's bridge socket closed mid-call (code ${info.code})` });
  }

  /** Carry out the conversation's effects, in order. */
  private apply(effects: ConversationEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'record':
          this.appendTurn(e.role, e.text, false, null);
          break;
        case 'forward':
          this.bridge?.send({ event: 'user.text', text: e.text, is_final: true, turn_id: e.turnId });
          break;
        case 'interrupt': {
          const heard = e.utteranceId === null ? '' : this.transport.interruptOutput(e.utteranceId, e.generatedText).heardText;
          this.bridge?.send({ event: 'user.interrupted', turn_id: e.turnId, heard_prefix: heard });
          if (e.utteranceId !== null) this.transport.userInterrupted(e.utteranceId, heard);
          if (e.generatedText !== '') this.appendTurn('agent', e.generatedText, true, heard);
          break;
        }
        case 'cut': {
          const heard = this.transport.interruptOutput(e.utteranceId, e.generatedText).heardText;
          this.appendTurn('agent', e.generatedText, true, heard);
          break;
        }
        case 'delta':
          this.transport.agentDelta(e.utteranceId, e.text);
          this.publish({ type: 'agent.delta', text: e.text });
          break;
        case 'end':
          this.transport.agentEnd(e.utteranceId, e.text);
          break;
        case 'say':
          this.transport.agentSay(e.utteranceId, e.text, { interruptible: e.interruptible });
          break;
        case 'metrics':
          this.turnMetrics(e.metrics, e.utteranceId);
          break;
        case 'state':
          this.transport.state(e.state);
          this.publish({ type: 'call.state', state: e.state });
          this.bridge?.send({ event: 'state', state: e.state, ...(e.turnId !== null ? { turn_id: e.turnId } : {}), call_id: this.id });
          break;
        case 'start_grace': {
          const turnId = e.turnId;
          this.timer(this.deps.timings.interruptGraceMs, () => {
            if (this.phase === 'active') this.apply(this.conversation.graceElapsed(turnId, performance.now()));
          });
          break;
        }
        case 'reply_closed':
          if (this.endCallReason !== null) void this.finishAgentEnd();
          break;
      }
    }
  }

  /**
   * A turn's metrics. On audio transports the voice stages (STT, TTS, first audio out) are known
   * only once the reply's first audio is on the wire, so they are merged in then.
   */
  private turnMetrics(m: TurnMetrics, utteranceId: number | null): void {
    if (utteranceId === null || !this.transport.defersAgentRecord) return this.recordTurnMetrics(m);
    const merged = this.transport.turnMetrics(utteranceId).then(
      (voice) => {
        if (!voice) return this.recordTurnMetrics(m);
        const { speech, ...stages } = voice;
        this.recordTurnMetrics({ ...m, ...stages, ttfa_ms: stages.ttfa_ms ?? m.ttfa_ms }, speech);
      },
      () => this.recordTurnMetrics(m),
    );
    this.pendingMetrics.add(merged);
    void merged.finally(() => this.pendingMetrics.delete(merged));
  }

  private recordTurnMetrics(m: TurnMetrics, speech?: SpeechTurnInfo): void {
    this.log({ kind: 'metrics', callId: this.id, metrics: m });
    this.publish({ type: 'call.metrics', metrics: m });
    this.bridge?.send({
      event: 'turn.metrics',
      call_id: this.id,
      turn_id: m.turn_id,
      ttfa_ms: m.ttfa_ms,
      asr_ms: m.stt_ms,
      llm_ttft_ms: null,
      tts_ttfb_ms: m.tts_ttfb_ms,
      llm_call_count: 0,
      llm_total_ms: null,
      // Unpod extras (the frame is loose): the server-side view of the reply.
      agent_ttft_ms: m.agent_ttft_ms,
      agent_total_ms: m.agent_total_ms,
      interrupted: m.interrupted,
      ...(speech ? { stt_provider: speech.stt_provider, tts_provider: speech.tts_provider, failovers: speech.failovers } : {}),
    });
  }

  private appendTurn(role: 'user' | 'agent', text: string, interrupted: boolean, heardText: string | null): void {
    const seq = ++this.seq;
    this.log({ kind: 'turn', callId: this.id, turn: { seq, role, text, at: nowIso(), interrupted, heard_text: heardText } });
    this.publish({ type: 'transcript.final', role, text: interrupted && heardText !== null ? heardText : text, interrupted });
  }

  /** What this call published so far (oldest first), for a subscriber that joins late. */
  liveEvents(): readonly LiveEvent[] {
    return this.liveHistory;
  }

  private publish(body: LiveEventBody): void {
    const hub = this.deps.events;
    if (!hub) return;
    const event = { ...body, call_id: this.id, at: nowIso() } as LiveEvent;
    if (this.liveHistory.length < MAX_LIVE_HISTORY) this.liveHistory.push(event);
    hub.publish(this.record.space_id, event);
  }

  private event(type: string, data: Record<string, unknown>): void {
    this.log({ kind: 'event', callId: this.id, id: newId('call'), at: nowIso(), type, data });
    this.publish({ type: 'call.event', name: type, data });
  }

  /**
   * Queue a row of the call's log. Rows are written in batches after the current round of I/O
   * (never between a frame and the frames it triggers), in the order they were made; `end()`
   * waits for the last one. A failed write is logged and never stops the call.
   */
  private log(entry: CallLogEntry): void {
    this.writes = this.deps.store.callLog.write(entry).catch((err: unknown) => this.logger.error({ err }, 'call store write failed'));
  }

  private startMaxDurationTimer(): void {
    const pipeMs = (this.pipe?.max_call_duration_s ?? DEFAULT_MAX_CALL_DURATION_S) * 1000;
    const cap = this.deps.timings.maxCallDurationCapMs;
    const limitMs = cap === null ? pipeMs : Math.min(pipeMs, cap);
    this.timer(limitMs, () => void this.end('max_duration'));
  }

  private timer(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /**
   * End the call once: stop dispatch, record a reply cut short, store the end, then tell the
   * caller and close the bridge. Later calls return the same promise.
   */
  end(reason: CallEndReason, error: { code: string; message: string } | null = null, closeCode: number = CLOSE_CODES.normal): Promise<void> {
    if (this.ending) return this.ending;
    this.phase = 'ending';
    this.endReason = reason;
    this.ending = (async () => {
      this.abort.abort();
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.apply(this.conversation.callEnding());
      if (error) this.event('error', error);
      // Media stops and the recording is finished before the end is stored.
      await this.transport.release().catch((err: unknown) => this.logger.error({ err }, 'releasing the transport failed'));
      await Promise.all(this.pendingMetrics);
      this.deps.store.callLog.flushSoon();
      await this.writes;
      try {
        await this.deps.store.calls.finish(this.id, reason, error ?? undefined);
      } catch (err) {
        this.logger.error({ err }, 'storing the call end failed');
      }
      this.logger.info({ reason, worker_id: this.workerId }, 'call ended');
      this.publish({ type: 'call.ended', reason });
      this.transport.end(reason, error, closeCode);
      this.bridge?.close(closeCode, `call ended: ${reason}`);
      this.reservation?.release();
      this.pairing?.release();
      this.phase = 'ended';
      this.deps.onFinished(this);
      this.resolveFinished();
    })();
    return this.ending;
  }
}
