import { z } from 'zod';

/**
 * Bridge protocol v2 (reference spec section 4): one WebSocket per call between the Speech Stack
 * (worker) and the runner, JSON text frames discriminated by `event`. Field names, defaults and
 * handshake order follow the reference frame for frame. Events and verbs marked "extension" are
 * Unpod additions: they are sent only when the peer listed them in `hello`.
 */

export const BRIDGE_PROTOCOL_VERSION = 2;

/** Events every reference runner advertises (spec 4.1). */
export const BASE_EVENTS = [
  'user.text',
  'user.interrupted',
  'error',
  'metric',
  'turn.metrics',
  'state',
  'call.started',
] as const;

/** Unpod extension events (worker -> runner), negotiated in `hello.supported_events`. */
export const EXTENSION_EVENTS = ['user.partial', 'dtmf', 'silence', 'transfer.result'] as const;

/** Verbs every reference runner advertises (spec 4.1). */
export const BASE_VERBS = [
  'agent.text.delta',
  'agent.text.end',
  'agent.say',
  'agent.transfer',
  'agent.end_call',
  'agent.dispatch',
  'agent.add_participant',
  'agent.remove_participant',
  'agent.merge',
] as const;

/** Unpod extension verbs (runner -> worker), negotiated in `hello.supported_verbs`. */
export const EXTENSION_VERBS = [
  'agent.filler',
  /** Not a frame: the `interruptible` field of `agent.say`. */
  'agent.say.interruptible',
  'agent.recording.pause',
  'agent.recording.resume',
  'agent.dtmf',
  'agent.hints',
] as const;

export type BridgeEventName = (typeof BASE_EVENTS)[number] | (typeof EXTENSION_EVENTS)[number] | 'hello.ack';
export type BridgeVerbName = (typeof BASE_VERBS)[number] | (typeof EXTENSION_VERBS)[number];

/** Runner must receive `hello.ack` then `call.started` within this time after sending `hello`. */
export const BRIDGE_HANDSHAKE_TIMEOUT_MS = 10_000;
/** The runner must dial the bridge within this window after dispatch. */
export const BRIDGE_PAIRING_WINDOW_MS = 20_000;

// Handshake

export const HelloFrame = z.looseObject({
  event: z.literal('hello'),
  protocol_version: z.number().int().default(BRIDGE_PROTOCOL_VERSION),
  supported_events: z.array(z.string()).default([]),
  supported_verbs: z.array(z.string()).default([]),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

export const HelloAckFrame = z.looseObject({
  event: z.literal('hello.ack'),
  protocol_version: z.number().int(),
  negotiated_events: z.array(z.string()),
  negotiated_verbs: z.array(z.string()),
  call_id: z.string(),
  session_id: z.string(),
  job_id: z.string(),
  room_id: z.string(),
});
export type HelloAckFrame = z.infer<typeof HelloAckFrame>;

export const CallStartedFrame = z.looseObject({
  event: z.literal('call.started'),
  session_id: z.string(),
  job_id: z.string(),
  room_id: z.string(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  voice_profile_id: z.string().nullish(),
  agent_id: z.string().nullish(),
});
export type CallStartedFrame = z.infer<typeof CallStartedFrame>;

// Upstream events (worker -> runner)

export const UserTextFrame = z.looseObject({
  event: z.literal('user.text'),
  text: z.string(),
  is_final: z.boolean().default(true),
  turn_id: z.number().int().optional(),
  extra: z.looseObject({ language: z.string().nullish() }).optional(),
});
export type UserTextFrame = z.infer<typeof UserTextFrame>;

export const UserInterruptedFrame = z.looseObject({
  event: z.literal('user.interrupted'),
  turn_id: z.number().int().default(0),
  heard_prefix: z.string().nullish(),
});
export type UserInterruptedFrame = z.infer<typeof UserInterruptedFrame>;

export const ErrorSeverity = z.enum(['warn', 'error', 'fatal']);
export const ErrorSource = z.enum(['stt', 'tts', 'transport', 'internal']);

export const BridgeErrorFrame = z.looseObject({
  event: z.literal('error'),
  severity: ErrorSeverity,
  source: ErrorSource,
  code: z.string(),
  message: z.string(),
  /** Unpod, on `speech_failover` warnings: the provider that failed, the one that took over, and why. */
  from_provider: z.string().optional(),
  to_provider: z.string().optional(),
  reason: z.string().optional(),
});
export type BridgeErrorFrame = z.infer<typeof BridgeErrorFrame>;

export const MetricFrame = z.looseObject({
  event: z.literal('metric'),
  ttfa_ms: z.number().nullish(),
  asr_p95_ms: z.number().nullish(),
  tts_p95_ms: z.number().nullish(),
  turns: z.number().int().default(0),
  cost_usd_so_far: z.number().nullish(),
});
export type MetricFrame = z.infer<typeof MetricFrame>;

export const TurnMetricsFrame = z.looseObject({
  event: z.literal('turn.metrics'),
  call_id: z.string(),
  turn_id: z.number().int(),
  ttfa_ms: z.number().nullish(),
  asr_ms: z.number().nullish(),
  llm_ttft_ms: z.number().nullish(),
  tts_ttfb_ms: z.number().nullish(),
  llm_call_count: z.number().int().default(0),
  llm_total_ms: z.number().nullish(),
  from_node: z.string().nullish(),
  to_node: z.string().nullish(),
  /** Unpod, voice calls: the speech providers that served the turn and how many failovers happened since the previous turn. */
  stt_provider: z.string().nullish(),
  tts_provider: z.string().nullish(),
  failovers: z.number().int().nonnegative().optional(),
});
export type TurnMetricsFrame = z.infer<typeof TurnMetricsFrame>;

export const CallState = z.enum(['idle', 'listening', 'thinking', 'speaking', 'interrupted']);
export type CallState = z.infer<typeof CallState>;

export const StateFrame = z.looseObject({
  event: z.literal('state'),
  state: CallState.default('idle'),
  turn_id: z.number().int().optional(),
});
export type StateFrame = z.infer<typeof StateFrame>;

/** Extension: interim transcript of the caller's current turn. */
export const UserPartialFrame = z.looseObject({
  event: z.literal('user.partial'),
  text: z.string(),
  turn_id: z.number().int().optional(),
});
export type UserPartialFrame = z.infer<typeof UserPartialFrame>;

/** Extension: DTMF digits received from the caller (RFC 4733 or SIP INFO). */
export const DtmfFrame = z.looseObject({
  event: z.literal('dtmf'),
  digits: z.string().regex(/^[0-9*#A-D]+$/),
  duration_ms: z.number().int().optional(),
});
export type DtmfFrame = z.infer<typeof DtmfFrame>;

/** Extension: the caller has been silent for `duration_ms` since the agent finished speaking. */
export const SilenceFrame = z.looseObject({
  event: z.literal('silence'),
  duration_ms: z.number().int(),
});
export type SilenceFrame = z.infer<typeof SilenceFrame>;

export const TransferOutcome = z.enum(['answered', 'busy', 'no_answer', 'failed', 'refused']);

/** Extension: how an `agent.transfer` ended. */
export const TransferResultFrame = z.looseObject({
  event: z.literal('transfer.result'),
  target: z.string(),
  outcome: TransferOutcome,
  reason: z.string().nullish(),
});
export type TransferResultFrame = z.infer<typeof TransferResultFrame>;

export const WorkerToRunnerFrame = z.discriminatedUnion('event', [
  HelloAckFrame,
  CallStartedFrame,
  UserTextFrame,
  UserInterruptedFrame,
  BridgeErrorFrame,
  MetricFrame,
  TurnMetricsFrame,
  StateFrame,
  UserPartialFrame,
  DtmfFrame,
  SilenceFrame,
  TransferResultFrame,
]);
export type WorkerToRunnerFrame = z.infer<typeof WorkerToRunnerFrame>;

// Downstream verbs (runner -> worker)

export const AgentTextDeltaFrame = z.looseObject({ event: z.literal('agent.text.delta'), text: z.string() });
export const AgentTextEndFrame = z.looseObject({ event: z.literal('agent.text.end') });
export const AgentSayFrame = z.looseObject({
  event: z.literal('agent.say'),
  text: z.string(),
  /**
   * Extension: `false` plays the line to its end whatever the caller says (a disclaimer). Honoured
   * when the server negotiated the `agent.say.interruptible` verb; default true.
   */
  interruptible: z.boolean().optional(),
});

export const TransferType = z.enum(['number', 'agent', 'human']);
export const TransferMode = z.enum(['cold', 'warm']);

export const AgentTransferFrame = z.looseObject({
  event: z.literal('agent.transfer'),
  transfer_type: TransferType.default('number'),
  target: z.string(),
  mode: TransferMode.default('cold'),
  announcement: z.string().default(''),
});
export type AgentTransferFrame = z.infer<typeof AgentTransferFrame>;

export const AgentEndCallFrame = z.looseObject({
  event: z.literal('agent.end_call'),
  reason: z.string().default('completed'),
});
export const AgentDispatchFrame = z.looseObject({
  event: z.literal('agent.dispatch'),
  agent_id: z.string(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export const AgentAddParticipantFrame = z.looseObject({
  event: z.literal('agent.add_participant'),
  participant_type: z.string(),
  config: z.record(z.string(), z.unknown()).default({}),
});
export const AgentRemoveParticipantFrame = z.looseObject({
  event: z.literal('agent.remove_participant'),
  participant_id: z.string(),
});
export const AgentMergeFrame = z.looseObject({ event: z.literal('agent.merge'), source_session_id: z.string() });

/** Extension: a line spoken while the brain is slow; never part of the transcript turn. */
export const AgentFillerFrame = z.looseObject({ event: z.literal('agent.filler'), text: z.string() });
/** Extension: pause the call recording (e.g. while the caller reads a card number). */
export const AgentRecordingPauseFrame = z.looseObject({
  event: z.literal('agent.recording.pause'),
  reason: z.string().default(''),
});
export const AgentRecordingResumeFrame = z.looseObject({ event: z.literal('agent.recording.resume') });
/** Extension: send DTMF digits to the caller's side (IVR navigation). */
export const AgentDtmfFrame = z.looseObject({
  event: z.literal('agent.dtmf'),
  digits: z.string().regex(/^[0-9*#A-D]+$/),
});
/** Extension: phrases the caller is likely to say next, used to bias or constrain STT. */
export const AgentHintsFrame = z.looseObject({
  event: z.literal('agent.hints'),
  phrases: z.array(z.string()).max(1000),
});

export const RunnerToWorkerFrame = z.discriminatedUnion('event', [
  HelloFrame,
  AgentTextDeltaFrame,
  AgentTextEndFrame,
  AgentSayFrame,
  AgentTransferFrame,
  AgentEndCallFrame,
  AgentDispatchFrame,
  AgentAddParticipantFrame,
  AgentRemoveParticipantFrame,
  AgentMergeFrame,
  AgentFillerFrame,
  AgentRecordingPauseFrame,
  AgentRecordingResumeFrame,
  AgentDtmfFrame,
  AgentHintsFrame,
]);
export type RunnerToWorkerFrame = z.infer<typeof RunnerToWorkerFrame>;
