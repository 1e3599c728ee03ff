import {
  EXTENSION_VERBS,
  TransferMode,
  TransferType,
  type CallStartedFrame,
  type HelloAckFrame,
  type RunnerToWorkerFrame,
} from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { isDialogAdapter, type DialogAdapter, type LlmCallInfo, type TurnContext } from './adapters/types.js';
import type { BridgeConnection } from './bridge-connection.js';
import { CallCancelledError, RunnerError, VerbNotSupportedError } from './errors.js';
import { HookRegistry, type HookHandler } from './hooks.js';
import { runSessionLoop } from './session-run.js';
import { SESSION_HOOK_NAMES, type SessionEndReason, type SessionEvents } from './session-events.js';
import { SessionMetrics } from './session-metrics.js';
import { TurnTracker } from './turn-tracker.js';

const EXTENSION_VERB_SET: ReadonlySet<string> = new Set(EXTENSION_VERBS);
const DTMF_DIGITS = /^[0-9*#A-D]+$/;

/** Options of `session.transfer(...)`. */
export interface TransferOptions {
  /** `number` (E.164, checked against the pipe's allowlist server-side), `agent` or `human`. Default `number`. */
  transferType?: 'number' | 'agent' | 'human';
  /** `cold` hands off at once; `warm` announces first. Default `cold`. */
  mode?: 'cold' | 'warm';
  /** Spoken to the transfer target in warm mode. Default `""`. */
  announcement?: string;
}

/** @internal Inputs of a session, supplied by the runner after the bridge handshake. */
export interface SessionInit {
  conn: BridgeConnection;
  helloAck: HelloAckFrame;
  callStarted: CallStartedFrame;
  /** The call's agent id (`call.started.agent_id` or the runner's). */
  agentId: string;
  logger: Logger;
  turnMetricsWaitMs: number;
}

/**
 * @internal State shared by the public {@link CallSession}, its run loop and the runner. Not part
 * of the public API.
 */
export class SessionCore {
  readonly hooks: HookRegistry<SessionEvents>;
  readonly metrics = new SessionMetrics();
  readonly turns: TurnTracker;
  readonly negotiatedVerbs: ReadonlySet<string>;
  readonly negotiatedEvents: ReadonlySet<string>;
  /** Aborted when the runner ends the call (job.cancel, shutdown) or the call is over. */
  readonly callAbort = new AbortController();
  adapter: DialogAdapter | null = null;
  /** Latest turn id (0 before the first turn). */
  turnId = 0;
  /** Aborts the turn being streamed, if any (used by `interrupt()`). */
  activeTurnAbort: AbortController | null = null;
  /** Set once `agent.end_call` has been sent. */
  endSent = false;
  running = false;
  /** `ctx.data`, passed to adapters as `context.data`. */
  callData: Readonly<Record<string, unknown>> = {};

  constructor(readonly init: SessionInit) {
    this.hooks = new HookRegistry<SessionEvents>(SESSION_HOOK_NAMES, init.logger);
    this.negotiatedVerbs = new Set(init.helloAck.negotiated_verbs);
    this.negotiatedEvents = new Set(init.helloAck.negotiated_events);
    this.turns = new TurnTracker({
      emit: (info) => this.hooks.emit('turn_complete', info),
      expectServerMetrics: this.negotiatedEvents.has('turn.metrics'),
      waitMs: init.turnMetricsWaitMs,
      lastMetric: () => this.metrics.lastMetric,
    });
  }

  get logger(): Logger {
    return this.init.logger;
  }

  get conn(): BridgeConnection {
    return this.init.conn;
  }

  /** Send a verb; extension verbs must have been negotiated. */
  send(frame: RunnerToWorkerFrame): void {
    if (EXTENSION_VERB_SET.has(frame.event) && !this.negotiatedVerbs.has(frame.event)) {
      throw new VerbNotSupportedError(frame.event);
    }
    this.conn.send(frame);
  }

  /** Context handed to the adapter for one turn. */
  turnContext(turnId: number): TurnContext {
    const started = this.init.callStarted;
    return { callId: started.session_id, sessionId: started.session_id, agentId: this.init.agentId, turnId, data: this.callData };
  }

  /** Attach an adapter and wire its callbacks to the hooks. */
  attach(adapter: DialogAdapter | null): void {
    if (adapter !== null && !isDialogAdapter(adapter)) {
      throw new TypeError('dialogMachine must provide stream(text, options), turn(text) and assist(text)');
    }
    this.adapter = adapter;
    if (!adapter) return;
    adapter.registerLlmCallback?.((info) => this.onLlmCall(info));
    adapter.registerToolCallbacks?.({
      toolCall: (info) => this.hooks.emit('tool_call', { ...info, turnId: this.turnId }),
      toolResult: (info) => this.hooks.emit('tool_result', { ...info, turnId: this.turnId }),
    });
  }

  /** End the call from the runner side: abort the turn and close the bridge. */
  cancel(reason: string): void {
    if (!this.callAbort.signal.aborted) this.callAbort.abort(new CallCancelledError(reason));
    this.conn.close(1000, 'call cancelled');
  }

  private async onLlmCall(info: LlmCallInfo): Promise<void> {
    this.metrics.llmCall(info);
    const record = this.turns.active;
    if (record) {
      record.llmCallCount += 1;
      record.llmTotalMs += info.latencyMs;
    }
    await this.hooks.emit('llm_call', { ...info, turnId: this.turnId });
  }
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new RunnerError('invalid_argument', `${what} must be a non-empty string`);
  return value;
}

/**
 * The per-call runtime, reached as `ctx.session`. Control methods send one bridge verb each and
 * throw `SessionClosedError` once the bridge is closed; extension verbs throw
 * `VerbNotSupportedError` when the server did not negotiate them. `run()` drives the dialog
 * adapter turn by turn until the call ends.
 */
export class CallSession {
  /** Per-call scratch space for your code; never sent anywhere. */
  readonly data: Record<string, unknown> = {};
  /** Recording controls (extension verbs `agent.recording.pause` / `agent.recording.resume`). */
  readonly recording: { pause(reason?: string): void; resume(): void };

  /** @internal */
  constructor(private readonly core: SessionCore) {
    this.recording = {
      pause: (reason = '') => core.send({ event: 'agent.recording.pause', reason }),
      resume: () => core.send({ event: 'agent.recording.resume' }),
    };
  }

  /** `call.started.session_id`. */
  get sessionId(): string {
    return this.core.init.callStarted.session_id;
  }

  /** Same as `sessionId` (the reference SDK's `call_id`). */
  get callId(): string {
    return this.sessionId;
  }

  /** Live metrics: `metrics.live()` returns a snapshot. */
  get metrics(): SessionMetrics {
    return this.core.metrics;
  }

  /** Aborted when the call ends or the runner cancels it. */
  get signal(): AbortSignal {
    return this.core.callAbort.signal;
  }

  /** True while verbs can still be sent. */
  get isOpen(): boolean {
    return this.core.conn.isOpen;
  }

  /** The dialog adapter `run()` drives; assign any {@link DialogAdapter} (SuperDialog plugs in here too). */
  get dialogMachine(): DialogAdapter | null {
    return this.core.adapter;
  }

  set dialogMachine(adapter: DialogAdapter | null) {
    this.core.attach(adapter);
  }

  /** True when the server accepts `verb` on this call (base verbs always; extensions when negotiated). */
  supports(verb: string): boolean {
    return !EXTENSION_VERB_SET.has(verb) || this.core.negotiatedVerbs.has(verb);
  }

  /** Register a session hook; returns a function that removes it. A throwing handler is logged and skipped. */
  on<K extends keyof SessionEvents & string>(event: K, handler: HookHandler<SessionEvents[K]>): () => void {
    return this.core.hooks.on(event, handler);
  }

  /**
   * Speak `text` now, bypassing the adapter (`agent.say`). `interruptible: false` plays the line
   * to its end whatever the caller says (a disclaimer); it needs the server to have negotiated
   * `agent.say.interruptible` and throws `VerbNotSupportedError` otherwise.
   */
  say(text: string, options: { interruptible?: boolean } = {}): void {
    const checked = requireText(text, 'say text');
    if (options.interruptible === undefined) return this.core.send({ event: 'agent.say', text: checked });
    if (!this.supports('agent.say.interruptible')) throw new VerbNotSupportedError('agent.say.interruptible');
    this.core.send({ event: 'agent.say', text: checked, interruptible: options.interruptible });
  }

  /**
   * End the current agent response and release the server's turn gate (`agent.text.end`). While
   * `run()` is streaming a turn, the stream is stopped and that turn's single `agent.text.end` is
   * sent by `run()`. Audio already playing is not cut.
   */
  interrupt(): void {
    const active = this.core.activeTurnAbort;
    if (active) {
      active.abort(new CallCancelledError('interrupt() called'));
      return;
    }
    this.core.send({ event: 'agent.text.end' });
  }

  /** Hang up once queued speech has played (`agent.end_call`). Later calls are ignored. */
  end(reason = 'completed'): void {
    if (this.core.endSent) return;
    this.core.send({ event: 'agent.end_call', reason: requireText(reason, 'end reason') });
    this.core.endSent = true;
  }

  /** Transfer the caller (`agent.transfer`). The server checks the target against its policy. */
  transfer(target: string, options: TransferOptions = {}): void {
    const transferType = TransferType.safeParse(options.transferType ?? 'number');
    const mode = TransferMode.safeParse(options.mode ?? 'cold');
    if (!transferType.success) throw new RunnerError('invalid_argument', 'transferType must be number, agent or human');
    if (!mode.success) throw new RunnerError('invalid_argument', 'mode must be cold or warm');
    this.core.send({
      event: 'agent.transfer',
      transfer_type: transferType.data,
      target: requireText(target, 'transfer target'),
      mode: mode.data,
      announcement: options.announcement ?? '',
    });
  }

  /** Transfer to a human queue (`transfer_type: human`). */
  transferToHuman(queue: string, options: Omit<TransferOptions, 'transferType'> = {}): void {
    this.transfer(queue, { ...options, transferType: 'human' });
  }

  /** Transfer to another agent (`transfer_type: agent`). */
  transferToAgent(agentId: string, options: Omit<TransferOptions, 'transferType'> = {}): void {
    this.transfer(agentId, { ...options, transferType: 'agent' });
  }

  /** Say a short line while the brain is slow; kept out of the transcript turn (extension `agent.filler`). */
  setFiller(text: string): void {
    this.core.send({ event: 'agent.filler', text: requireText(text, 'filler text') });
  }

  /** Send DTMF digits (`0-9 * # A-D`) to the far end (extension `agent.dtmf`). */
  sendDtmf(digits: string): void {
    if (typeof digits !== 'string' || !DTMF_DIGITS.test(digits)) throw new RunnerError('invalid_argument', 'digits must match [0-9*#A-D]+');
    this.core.send({ event: 'agent.dtmf', digits });
  }

  /** Phrases the caller is likely to say next, to bias speech recognition (extension `agent.hints`). */
  setHints(phrases: readonly string[]): void {
    if (!Array.isArray(phrases) || phrases.length > 1000 || phrases.some((p) => typeof p !== 'string')) {
      throw new RunnerError('invalid_argument', 'phrases must be an array of at most 1000 strings');
    }
    this.core.send({ event: 'agent.hints', phrases: [...phrases] });
  }

  /** Hand the call to another agent (`agent.dispatch`). */
  dispatch(agentId: string, metadata: Record<string, unknown> = {}): void {
    this.core.send({ event: 'agent.dispatch', agent_id: requireText(agentId, 'agentId'), metadata });
  }

  /** Add a participant (`agent.add_participant`). */
  addParticipant(participantType: string, config: Record<string, unknown> = {}): void {
    this.core.send({ event: 'agent.add_participant', participant_type: requireText(participantType, 'participantType'), config });
  }

  /** Remove a participant (`agent.remove_participant`). */
  removeParticipant(participantId: string): void {
    this.core.send({ event: 'agent.remove_participant', participant_id: requireText(participantId, 'participantId') });
  }

  /** Merge another session into this call (`agent.merge`). */
  merge(sourceSessionId: string): void {
    this.core.send({ event: 'agent.merge', source_session_id: requireText(sourceSessionId, 'sourceSessionId') });
  }

  /**
   * Drive the call: each final `user.text` becomes a turn streamed from `dialogMachine`, ending
   * with exactly one `agent.text.end`; barge-in aborts the stream; hooks fire as events arrive.
   * Resolves when the call ends. Call it once.
   */
  run(): Promise<SessionEndReason> {
    if (this.core.running) return Promise.reject(new RunnerError('invalid_argument', 'session.run() was already called'));
    this.core.running = true;
    return runSessionLoop(this.core);
  }
}
