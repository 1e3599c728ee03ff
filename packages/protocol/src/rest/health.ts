import { z } from 'zod';

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  node_id: z.string(),
  database: z.enum(['sqlite', 'postgres']),
  uptime_s: z.number(),
});
export type Health = z.infer<typeof Health>;
