import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';

/** E.164: `+`, a non-zero country digit, then 1-14 more digits (ITU-T E.164, max 15 digits). */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

export const E164 = z.string().regex(E164_PATTERN, 'must be an E.164 number such as +14155550123');

/** ISO-8601 UTC timestamp as written by the server. */
export const Timestamp = z.string();

/** Deepest nesting accepted in free-form JSON; deeper values would overflow the stack when serialised. */
export const JSON_MAX_DEPTH = 32;

/** True when objects and arrays in `value` nest at most `maxDepth` levels (iterative: any input is safe). */
function nestsWithin(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return false;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return true;
}

/** Free-form JSON object (call data, metadata). */
export const JsonObject = z
  .record(z.string(), z.unknown())
  .refine((v) => nestsWithin(v, JSON_MAX_DEPTH), `must not nest deeper than ${JSON_MAX_DEPTH} levels`);

/** Error body returned for every 4xx/5xx: `{error: {code, message, field?}}`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    field: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Every list endpoint returns one page: `{data, next_cursor}`; `next_cursor` is null on the last page. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** Query parameters shared by every list endpoint. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;
