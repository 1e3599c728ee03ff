import { z } from 'zod';

/**
 * Runner control protocol (reference spec section 3.3): JSON text frames on
 * `WS /v1/internal/workers`, discriminated by `type`. Objects are loose: unknown fields pass
 * through, and unknown `type`s are ignored by both peers rather than treated as errors.
 */

export const RunnerCapabilities = z.looseObject({
  voice_profiles: z.array(z.string()).default([]),
  max_concurrent: z.number().int().min(1).max(100000),
  agent_id: z.string().min(1),
  /** `dial_out` (current); absent or `serve` means the legacy serve transport (never dispatched to). */
  transport: z.enum(['dial_out', 'serve']).optional(),
  serving_url: z.string().optional(),
  kind: z.enum(['brain', 'media']).default('brain'),
  hostname: z.string().nullish(),
  address: z.string().nullish(),
  region: z.string().nullish(),
  deployment: z.string().nullish(),
  bridge_base: z.string().optional(),
});
export type RunnerCapabilities = z.infer<typeof RunnerCapabilities>;

// Runner -> orchestrator

export const RegisterFrame = z.looseObject({
  type: z.literal('register'),
  worker_id: z.string().min(1).max(200),
  pool: z.string().min(1).max(200),
  capabilities: RunnerCapabilities,
});
export type RegisterFrame = z.infer<typeof RegisterFrame>;

export const HeartbeatFrame = z.looseObject({
  type: z.literal('heartbeat'),
  /** Live calls on the runner (not jobs still dialing). */
  active_jobs: z.number().int().min(0),
  worker_id: z.string().nullable().default(null),
  /** Unpod extension: the runner is draining and wants no new jobs. */
  draining: z.boolean().optional(),
});
export type HeartbeatFrame = z.infer<typeof HeartbeatFrame>;

export const JobAckReason = z.enum(['agent_id_mismatch', 'at_capacity', 'draining']);

export const JobAckFrame = z.looseObject({
  type: z.literal('job.ack'),
  job_id: z.string(),
  assign_id: z.string().default(''),
  accepted: z.boolean(),
  reason: z.string().nullable().default(null),
});
export type JobAckFrame = z.infer<typeof JobAckFrame>;

export const StateChangedFrame = z.looseObject({
  type: z.literal('state.changed'),
  job_id: z.string(),
  state: z.string(),
});

export const JobCompletedFrame = z.looseObject({
  type: z.literal('job.completed'),
  job_id: z.string(),
  final_state: z.string(),
  duration_s: z.number(),
});

export const RunnerToOrchestratorFrame = z.discriminatedUnion('type', [
  RegisterFrame,
  HeartbeatFrame,
  JobAckFrame,
  StateChangedFrame,
  JobCompletedFrame,
]);
export type RunnerToOrchestratorFrame = z.infer<typeof RunnerToOrchestratorFrame>;

// Orchestrator -> runner

export const RegisteredFrame = z.looseObject({
  type: z.literal('registered'),
  heartbeat_interval_s: z.number().positive().default(30),
  transport_ack: z.enum(['dial_out', 'serve']).optional(),
});
export type RegisteredFrame = z.infer<typeof RegisteredFrame>;

export const JobAssignFrame = z.looseObject({
  type: z.literal('job.assign'),
  job_id: z.string(),
  call_id: z.string(),
  agent_id: z.string(),
  bridge_url: z.string(),
  call_token: z.string(),
  /** Per-attempt nonce; a late ack for an older attempt never resolves a newer one. */
  assign_id: z.string().default(''),
  deadline_ms: z.number().int().positive().default(2000),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type JobAssignFrame = z.infer<typeof JobAssignFrame>;

export const JobCancelFrame = z.looseObject({
  type: z.literal('job.cancel'),
  job_id: z.string(),
  reason: z.string().optional(),
});
export type JobCancelFrame = z.infer<typeof JobCancelFrame>;

export const OrchestratorToRunnerFrame = z.discriminatedUnion('type', [
  RegisteredFrame,
  JobAssignFrame,
  JobCancelFrame,
]);
export type OrchestratorToRunnerFrame = z.infer<typeof OrchestratorToRunnerFrame>;

/** Heartbeat interval the orchestrator advertises, and the registry TTL it enforces. */
export const CONTROL_TIMING = {
  heartbeatIntervalS: 10,
  registryTtlS: 30,
  assignAckTimeoutMs: 2000,
  assignAttempts: 3,
} as const;
