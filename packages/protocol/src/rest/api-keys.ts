import { z } from 'zod';
import { Timestamp } from './common.js';

/** An API key as listed: the secret itself is never returned after creation, only a masked hint. */
export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  space_id: z.string(),
  /** Masked form, e.g. `sk_3f9a…b21c`. */
  masked_key: z.string(),
  status: z.enum(['active', 'revoked']),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Creation response: the only time the raw `key` (`sk_...`) is shown. */
export const ApiKeyCreated = ApiKey.extend({ key: z.string().startsWith('sk_') });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

export const ApiKeyCreate = z.strictObject({
  name: z.string().trim().min(1).max(100),
});
export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>;
