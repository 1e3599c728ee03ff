import { z } from 'zod';
import { Timestamp } from './common.js';

/** A space is the tenant container: every resource and every API key belongs to exactly one. */
export const Space = z.object({
  id: z.string(),
  name: z.string(),
  created_at: Timestamp,
});
export type Space = z.infer<typeof Space>;

export const SpaceUpdate = z.strictObject({
  name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'letters, digits, space, _ . - only'),
});
export type SpaceUpdate = z.infer<typeof SpaceUpdate>;
