import type { CallStartedFrame, HelloAckFrame } from '@unpod/protocol';
import type { CallSession } from './call-session.js';

/** Which side placed the call. */
export type CallDirection = 'inbound' | 'outbound';

/**
 * Everything the runner knows about one live call, handed to the entrypoint. Built from the
 * bridge's `call.started` frame (spec 5); property names are the camelCase of the wire keys:
 *
 * | property | wire / rule |
 * |---|---|
 * | `callId`, `sessionId` | `call.started.session_id` (not `job.assign.call_id`) |
 * | `jobId`, `roomId` | `call.started.job_id`, `call.started.room_id` |
 * | `agentId` | `call.started.agent_id`, else the runner's `agentId` |
 * | `runnerId` | the runner's own `agentId` |
 * | `direction` | `metadata.direction`; `inbound` unless it is `outbound` |
 * | `userNumber` | see {@link pickUserNumber} |
 * | `instructions` | `metadata.instructions` when it is a string, else null |
 * | `voiceProfileId` | `call.started.voice_profile_id` |
 * | `metadata` | a deep copy of `call.started.metadata` |
 * | `data` | see {@link buildCallData} |
 */
export interface CallContext {
  readonly callId: string;
  readonly sessionId: string;
  readonly jobId: string;
  readonly roomId: string;
  readonly agentId: string;
  readonly runnerId: string;
  readonly direction: CallDirection;
  /** The caller's (inbound) or callee's (outbound) number; `""` when unknown. Never log it. */
  readonly userNumber: string;
  readonly instructions: string | null;
  readonly voiceProfileId: string | null;
  /** Deep copy of the server's call metadata; changing it affects nothing. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Call data for your agent (caller-supplied data plus server routing identity); yours to mutate. */
  readonly data: Record<string, unknown>;
  /** Events from `hello.ack` the server will send on this call. */
  readonly negotiatedEvents: readonly string[];
  /** Verbs from `hello.ack` the server accepts on this call. */
  readonly negotiatedVerbs: readonly string[];
  /** The per-call runtime: speak, stream, transfer, hooks, `run()`. */
  readonly session: CallSession;
}

/** Metadata keys that describe the call itself and never flow into `data`. */
export const RESERVED_METADATA_KEYS = ['direction', 'user_number', 'caller_number', 'to_number', 'from_number', 'instructions'] as const;

/** Routing identity copied from top-level metadata into `data`; the server's value always wins. */
export const ROUTING_KEYS = ['agent_id', 'playbook_id', 'project_id', 'org_id'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberLike(value: unknown): string | null {
  if (typeof value === 'string' && value.trim()) return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * `direction`: `metadata.direction`, default inbound (spec 5). Anything but `outbound` is inbound.
 */
export function pickDirection(metadata: Record<string, unknown>): CallDirection {
  return metadata.direction === 'outbound' ? 'outbound' : 'inbound';
}

/**
 * `userNumber`: the remote party's number. An explicit `user_number` wins. Inbound, the remote
 * party placed the call, so `caller_number` then `from_number`; outbound it was dialled, so
 * `to_number`. The other side's number (the DID on inbound) is never picked, unlike the reference
 * SDK whose fixed `to_number`-before-`from_number` order picked the DID on inbound frames.
 */
export function pickUserNumber(metadata: Record<string, unknown>, direction: CallDirection): string {
  const order = direction === 'outbound' ? ['user_number', 'to_number'] : ['user_number', 'caller_number', 'from_number'];
  for (const key of order) {
    const value = numberLike(metadata[key]);
    if (value) return value;
  }
  return '';
}

/**
 * `data` (spec 5): a copy of `metadata.data` when it is an object, else every metadata key except
 * the reserved ones; then the routing keys from top-level metadata overwrite same-named keys
 * whenever truthy; then `voice_profile_id` from the frame only if `data` has no such key. The
 * frame is never mutated.
 */
export function buildCallData(metadata: Record<string, unknown>, voiceProfileId: string | null | undefined): Record<string, unknown> {
  let data: Record<string, unknown>;
  if (isPlainObject(metadata.data)) {
    data = structuredClone(metadata.data);
  } else {
    data = {};
    const reserved = new Set<string>(RESERVED_METADATA_KEYS);
    for (const [key, value] of Object.entries(metadata)) {
      if (!reserved.has(key)) data[key] = structuredClone(value);
    }
  }
  for (const key of ROUTING_KEYS) {
    if (metadata[key]) data[key] = structuredClone(metadata[key]);
  }
  if (!Object.hasOwn(data, 'voice_profile_id')) data.voice_profile_id = voiceProfileId ?? null;
  return data;
}

/** Build the context for one call from the handshake frames. */
export function buildCallContext(input: {
  helloAck: HelloAckFrame;
  callStarted: CallStartedFrame;
  runnerAgentId: string;
  session: CallSession;
}): CallContext {
  const { callStarted, helloAck } = input;
  const metadata = isPlainObject(callStarted.metadata) ? callStarted.metadata : {};
  const direction = pickDirection(metadata);
  return {
    callId: callStarted.session_id,
    sessionId: callStarted.session_id,
    jobId: callStarted.job_id,
    roomId: callStarted.room_id,
    agentId: callStarted.agent_id || input.runnerAgentId,
    runnerId: input.runnerAgentId,
    direction,
    userNumber: pickUserNumber(metadata, direction),
    instructions: typeof metadata.instructions === 'string' ? metadata.instructions : null,
    voiceProfileId: callStarted.voice_profile_id ?? null,
    metadata: structuredClone(metadata),
    data: buildCallData(metadata, callStarted.voice_profile_id),
    negotiatedEvents: [...helloAck.negotiated_events],
    negotiatedVerbs: [...helloAck.negotiated_verbs],
    session: input.session,
  };
}
