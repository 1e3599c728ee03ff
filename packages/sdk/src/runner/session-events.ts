import type { CallState } from '@unpod/protocol';
import type { LlmCallInfo, ToolCallInfo, ToolResultInfo } from './adapters/types.js';
import type { MetricEvent } from './session-metrics.js';

/** Why `session.run()` ended. */
export type SessionEndReason =
  /** The bridge closed: caller hung up, server ended the call (also after `end()` or a transfer). */
  | 'hangup'
  /** The adapter reported `isComplete`; the session sent `agent.end_call` reason `completed`. */
  | 'completed'
  /** A `fatal` error frame ended the call. */
  | 'error'
  /** The runner ended the call (`job.cancel` or shutdown). */
  | 'cancelled';

/** Argument of the `user_turn` hook. */
export interface UserTurnInfo {
  turnId: number;
  /** `user.text.turn_id` as sent by the server, when present. */
  serverTurnId: number | null;
  language: string | null;
}

/** Argument of the `interruption` hook. */
export interface InterruptionInfo {
  /** The turn that was cut off (the latest turn). */
  turnId: number;
  /** What the caller heard of the reply, per the server; null when unknown. */
  heardPrefix: string | null;
  /** True when the reply was still streaming from the adapter. */
  midStream: boolean;
}

/** Argument of the `state` hook (observability only). */
export interface StateEvent {
  state: CallState;
  turnId: number | null;
}

/** Argument of the `error` hook: a server `error` frame, or an adapter failure (`source: 'adapter'`). */
export interface SessionErrorInfo {
  code: string;
  message: string;
  severity: 'warn' | 'error' | 'fatal';
  source: 'stt' | 'tts' | 'transport' | 'internal' | 'adapter';
}

/** Argument of the `turn_complete` hook: fires once per turn, with the server's measurements when they arrived. */
export interface TurnCompleteInfo {
  turnId: number;
  userText: string;
  /** Text sent for this turn (the streamed part, when interrupted). */
  agentText: string;
  interrupted: boolean;
  /** SDK-measured: `user.text` -> first chunk, and -> `agent.text.end`. */
  ttftMs: number | null;
  totalMs: number;
  /** Server-measured (`turn.metrics`), else `ttfaMs` of the last `metric` frame, else null. */
  ttfaMs: number | null;
  asrMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  /** Aliases kept for parity with the reference hook: `sttMs` = `asrMs`, `ttsMs` = `ttsTtfbMs`. */
  sttMs: number | null;
  ttsMs: number | null;
  fromNode: string | null;
  toNode: string | null;
  llmCallCount: number;
  llmTotalMs: number | null;
  /** `server` when `turn.metrics` for this turn was merged in. */
  measuredBy: 'server' | 'sdk';
}

/** Argument of the `dtmf` hook (extension event). */
export interface DtmfEvent {
  digits: string;
  durationMs: number | null;
}

/** Argument of the `silence` hook (extension event). */
export interface SilenceEvent {
  durationMs: number;
}

/** Argument of the `transfer_result` hook (extension event). */
export interface TransferResultEvent {
  target: string;
  outcome: 'answered' | 'busy' | 'no_answer' | 'failed' | 'refused';
  reason: string | null;
}

/** Hook name -> handler arguments, for `session.on(name, handler)`. */
export interface SessionEvents {
  call_start: [];
  user_turn: [text: string, info: UserTurnInfo];
  user_partial: [text: string, info: { serverTurnId: number | null }];
  agent_turn: [text: string, info: { turnId: number; interrupted: boolean }];
  interruption: [info: InterruptionInfo];
  metric: [event: MetricEvent];
  state: [event: StateEvent];
  error: [info: SessionErrorInfo];
  call_end: [reason: SessionEndReason];
  llm_call: [info: LlmCallInfo & { turnId: number }];
  turn_complete: [info: TurnCompleteInfo];
  silence: [event: SilenceEvent];
  dtmf: [event: DtmfEvent];
  transfer_result: [event: TransferResultEvent];
  tool_call: [info: ToolCallInfo & { turnId: number }];
  tool_result: [info: ToolResultInfo & { turnId: number }];
}

/** Every session hook name. */
export const SESSION_HOOK_NAMES: ReadonlySet<string> = new Set([
  'call_start',
  'user_turn',
  'user_partial',
  'agent_turn',
  'interruption',
  'metric',
  'state',
  'error',
  'call_end',
  'llm_call',
  'turn_complete',
  'silence',
  'dtmf',
  'transfer_result',
  'tool_call',
  'tool_result',
]);
