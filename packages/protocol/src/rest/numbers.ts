import { z } from 'zod';
import { E164, Timestamp } from './common.js';

/** `available`: not attached; `assigned`: attached to a pipe. */
export const NumberStatus = z.enum(['available', 'assigned']);
export type NumberStatus = z.infer<typeof NumberStatus>;

/** A phone number (E.164) reachable through a trunk and routed to the pipe it is attached to. */
export const PhoneNumber = z.object({
  id: z.string(),
  number: z.string(),
  trunk_id: z.string().nullable(),
  pipe_id: z.string().nullable(),
  status: NumberStatus,
  label: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type PhoneNumber = z.infer<typeof PhoneNumber>;

/** Register a bring-your-own number. */
export const NumberCreate = z.strictObject({
  number: E164,
  trunk_id: z.string().min(1).max(100).nullable().default(null),
  pipe_id: z.string().min(1).max(100).nullable().default(null),
  label: z.string().trim().max(100).nullable().default(null),
});
export type NumberCreate = z.input<typeof NumberCreate>;

export const NumberUpdate = z.strictObject({
  trunk_id: z.string().min(1).max(100).nullable().optional(),
  label: z.string().trim().max(100).nullable().optional(),
});
export type NumberUpdate = z.input<typeof NumberUpdate>;

export const NumberAttach = z.strictObject({ pipe_id: z.string().min(1).max(100) });
export type NumberAttach = z.infer<typeof NumberAttach>;

export const NumberListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
  status: NumberStatus.optional(),
  pipe_id: z.string().max(100).optional(),
  trunk_id: z.string().max(100).optional(),
  /** Numbers starting with this prefix, e.g. `+44`. */
  prefix: z.string().regex(/^\+\d{0,15}$/, 'must be `+` followed by digits').optional(),
});
export type NumberListQuery = z.infer<typeof NumberListQuery>;
