import { z } from 'zod';

/** A live agent runner as the orchestrator sees it. */
export const WorkerView = z.object({
  worker_id: z.string(),
  agent_id: z.string(),
  pool: z.string(),
  max_concurrent: z.number().int(),
  /** Calls reserved or running on this runner. */
  in_flight: z.number().int(),
  /** `active_jobs` from the runner's last heartbeat. */
  active_jobs: z.number().int(),
  has_capacity: z.boolean(),
  draining: z.boolean(),
  last_heartbeat_age_s: z.number(),
  connected_at: z.string(),
  hostname: z.string().nullable(),
  address: z.string().nullable(),
  region: z.string().nullable(),
  deployment: z.string().nullable(),
  node_id: z.string(),
});
export type WorkerView = z.infer<typeof WorkerView>;

export const WorkerListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
  agent_id: z.string().max(128).optional(),
});
export type WorkerListQuery = z.infer<typeof WorkerListQuery>;
