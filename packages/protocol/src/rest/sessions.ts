import { z } from 'zod';
import { JsonObject, Timestamp } from './common.js';

/** Ask for a short-lived, single-use token a browser uses to join a pipe without the API key. */
export const SessionTokenCreate = z.strictObject({
  pipe_id: z.string().min(1).max(100),
  metadata: JsonObject.optional(),
  /** Lifetime in seconds; default 300, at most 3600. */
  ttl_s: z.number().int().min(10).max(3600).default(300),
});
export type SessionTokenCreate = z.input<typeof SessionTokenCreate>;

export const SessionToken = z.object({
  token: z.string(),
  pipe_id: z.string(),
  expires_at: Timestamp,
});
export type SessionToken = z.infer<typeof SessionToken>;
