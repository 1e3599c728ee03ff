import { BRIDGE_HANDSHAKE_TIMEOUT_MS, BRIDGE_PAIRING_WINDOW_MS, CONTROL_TIMING } from '@unpod/protocol';

/**
 * Every timer and bound of the live side of a node. Defaults follow the reference wire protocol
 * (spec sections 3.4, 3.5 and 4.1); tests inject short values instead of sleeping.
 */
export interface OrchestratorTimings {
  /** Advertised in `registered`; runners heartbeat at this interval. */
  heartbeatIntervalS: number;
  /** A runner without register/heartbeat for this long is evicted. */
  registryTtlMs: number;
  /** The first control frame (`register`) must arrive within this time after connect. */
  registerTimeoutMs: number;
  /** How long one `job.assign` waits for its `job.ack`. */
  assignAckTimeoutMs: number;
  /** Runners tried per call (reject, ack timeout, drop before `call.started` all count). */
  assignAttempts: number;
  /** The runner must dial the bridge within this window after `job.assign`. */
  pairingWindowMs: number;
  /** After the bridge socket opens, `hello` must arrive within this time. */
  helloTimeoutMs: number;
  /** A text call's client must connect to `client_url` within this window. */
  clientConnectWindowMs: number;
  /** After `user.interrupted`, how long the turn gate waits for the runner's `agent.text.end`. */
  interruptGraceMs: number;
  /** After `agent.end_call`, how long an unfinished reply may keep streaming before the call ends. */
  endCallDrainMs: number;
  /** Node-wide cap on call length, applied on top of the pipe's `max_call_duration_s` (null: none). */
  maxCallDurationCapMs: number | null;
  /** Frames kept for a client that has not connected yet. */
  clientBufferFrames: number;
  /** Runner verbs kept between the handshake and the call taking over the bridge. */
  bridgeQueueFrames: number;
  /** Bridge and client sockets are pinged this often; a peer missing a whole interval is dropped. */
  socketPingIntervalMs: number;
}

export const DEFAULT_TIMINGS: OrchestratorTimings = {
  heartbeatIntervalS: CONTROL_TIMING.heartbeatIntervalS,
  registryTtlMs: CONTROL_TIMING.registryTtlS * 1000,
  registerTimeoutMs: 10_000,
  assignAckTimeoutMs: CONTROL_TIMING.assignAckTimeoutMs,
  assignAttempts: CONTROL_TIMING.assignAttempts,
  pairingWindowMs: BRIDGE_PAIRING_WINDOW_MS,
  helloTimeoutMs: BRIDGE_HANDSHAKE_TIMEOUT_MS,
  clientConnectWindowMs: 60_000,
  interruptGraceMs: 2_000,
  endCallDrainMs: 5_000,
  maxCallDurationCapMs: null,
  clientBufferFrames: 1_000,
  bridgeQueueFrames: 1_000,
  socketPingIntervalMs: 20_000,
};

export function resolveTimings(overrides: Partial<OrchestratorTimings> = {}): OrchestratorTimings {
  return { ...DEFAULT_TIMINGS, ...overrides };
}
