import { z } from 'zod';
import { E164, JsonObject, Timestamp } from './common.js';
import { AgentId } from './pipes.js';

export const CallTransport = z.enum(['sip', 'text', 'websocket']);
export type CallTransport = z.infer<typeof CallTransport>;

/**
 * Lifecycle: pending -> ringing (outbound SIP only) -> active -> completed | failed.
 * `end_reason` says why a call ended; `error` carries the code when it failed.
 */
export const CallStatus = z.enum(['pending', 'ringing', 'active', 'completed', 'failed']);
export type CallStatus = z.infer<typeof CallStatus>;

export const CALL_END_REASONS = [
  'user_hangup',
  'agent_end_call',
  'api_hangup',
  'max_duration',
  'idle_timeout',
  'transferred',
  'busy',
  'no_answer',
  'rejected',
  'no_worker_available',
  'runner_lost',
  'pairing_timeout',
  'transport_lost',
  'server_shutdown',
  'error',
] as const;
export const CallEndReason = z.enum(CALL_END_REASONS);
export type CallEndReason = z.infer<typeof CallEndReason>;

/** One transcript entry. `interrupted` agent turns carry what the caller actually heard. */
export const TranscriptTurn = z.object({
  seq: z.number().int(),
  role: z.enum(['user', 'agent']),
  text: z.string(),
  at: Timestamp,
  interrupted: z.boolean(),
  heard_text: z.string().nullable(),
});
export type TranscriptTurn = z.infer<typeof TranscriptTurn>;

/** Per-turn latency breakdown in milliseconds; null where a stage did not run. */
export const TurnMetrics = z.object({
  turn_id: z.number().int(),
  /** Caller stopped speaking -> final transcript. */
  stt_ms: z.number().nullable(),
  /** Final transcript sent to the runner -> first agent text delta back (brain + bridge). */
  agent_ttft_ms: z.number().nullable(),
  /** First text delta -> first synthesised audio. */
  tts_ttfb_ms: z.number().nullable(),
  /** Caller stopped speaking (or text sent) -> first reply audio (or first delta on text calls). */
  ttfa_ms: z.number().nullable(),
  /** Whole agent reply duration until `agent.text.end`. */
  agent_total_ms: z.number().nullable(),
  interrupted: z.boolean(),
});
export type TurnMetrics = z.infer<typeof TurnMetrics>;

/** A speech provider of the call's voice profile failed and the next step of its chain took over. */
export const SpeechFailover = z.object({
  kind: z.enum(['stt', 'tts']),
  /** Provider that failed, and the one that took over. */
  from: z.string(),
  to: z.string(),
  /** A speech error code (`stalled`, `timeout`, `provider_error`...) or `malformed_result`. */
  reason: z.string(),
  /** `open`: the provider could not start; `stream`: it failed while serving. */
  phase: z.enum(['open', 'stream']),
  message: z.string(),
  at: Timestamp,
});
export type SpeechFailover = z.infer<typeof SpeechFailover>;

/** What one speech provider did for a call (or, aggregated, for many). */
export const SpeechUsage = z.object({
  kind: z.enum(['stt', 'tts']),
  provider: z.string(),
  /** STT: caller audio sent to the provider (replays after a failover included); TTS: audio produced. */
  audio_seconds: z.number().nonnegative(),
  /** TTS: characters sent to the provider (what vendors bill); STT: 0. */
  characters: z.number().int().nonnegative(),
  /** STT streams opened, TTS sentences requested. */
  requests: z.number().int().nonnegative(),
});
export type SpeechUsage = z.infer<typeof SpeechUsage>;

export const CallError = z.object({ code: z.string(), message: z.string() });

export const Call = z.object({
  id: z.string(),
  pipe_id: z.string().nullable(),
  agent_id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  transport: CallTransport,
  status: CallStatus,
  from_number: z.string().nullable(),
  to_number: z.string().nullable(),
  instructions: z.string().nullable(),
  data: JsonObject,
  worker_id: z.string().nullable(),
  end_reason: CallEndReason.nullable(),
  error: CallError.nullable(),
  created_at: Timestamp,
  answered_at: Timestamp.nullable(),
  ended_at: Timestamp.nullable(),
  duration_s: z.number().nullable(),
  recording_url: z.string().nullable(),
  /** Present on `GET /v1/calls/{id}`; omitted from lists. */
  transcript: z.array(TranscriptTurn).optional(),
  /** Present on `GET /v1/calls/{id}`; omitted from lists. */
  turn_metrics: z.array(TurnMetrics).optional(),
  /** Voice calls, on `GET /v1/calls/{id}`: every speech provider failover, in order. */
  speech_failovers: z.array(SpeechFailover).optional(),
  /** Voice calls, on `GET /v1/calls/{id}` once the call ended: usage per speech provider. */
  speech_usage: z.array(SpeechUsage).optional(),
  /** Text and WebSocket calls: the one-use URL the client connects to. Only in the create response. */
  client_url: z.string().optional(),
});
export type Call = z.infer<typeof Call>;

export const CallCreate = z
  .strictObject({
    pipe_id: z.string().min(1).max(100).optional(),
    agent_id: AgentId.optional(),
    to_number: E164.optional(),
    from_number: E164.optional(),
    instructions: z.string().max(20000).optional(),
    data: JsonObject.optional(),
    /** Default: `sip` when `to_number` is given, else `text`. */
    transport: CallTransport.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.pipe_id === undefined && body.agent_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pipe_id'], message: 'pipe_id or agent_id is required' });
    }
    const transport = body.transport ?? (body.to_number ? 'sip' : 'text');
    if (transport === 'sip' && body.to_number === undefined) {
      ctx.addIssue({ code: 'custom', path: ['to_number'], message: 'to_number is required for sip calls' });
    }
  });
export type CallCreate = z.input<typeof CallCreate>;

export const CallListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
  status: CallStatus.optional(),
  pipe_id: z.string().max(100).optional(),
  agent_id: z.string().max(128).optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  transport: CallTransport.optional(),
});
export type CallListQuery = z.infer<typeof CallListQuery>;

/** `GET /v1/usage`: speech usage of the space's calls created in `[from, to)`. */
export const UsageQuery = z
  .strictObject({
    /** ISO-8601; default 30 days before `to`. */
    from: z.iso.datetime({ offset: true }).optional(),
    /** ISO-8601, exclusive; default now. */
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] });
export type UsageQuery = z.infer<typeof UsageQuery>;

/** Usage per capability and provider over a time range. */
export const UsageReport = z.object({
  from: Timestamp,
  to: Timestamp,
  data: z.array(SpeechUsage.extend({ /** Calls that used the provider. */ calls: z.number().int().nonnegative() })),
});
export type UsageReport = z.infer<typeof UsageReport>;
