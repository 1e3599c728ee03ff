import type { z } from 'zod';
import { MAX_FRAME_BYTES } from './close-codes.js';

/** Outcome of decoding one WebSocket text frame. */
export type FrameParse<T> =
  | { ok: true; frame: T }
  | { ok: false; kind: 'too_big' | 'not_json' | 'not_object' | 'unknown' | 'invalid'; name?: string; message: string };

/**
 * Decode a text frame against a discriminated union. Unknown discriminator values come back as
 * `kind: 'unknown'` so callers can ignore them (forward compatibility), distinct from `invalid`
 * (a known frame with bad fields).
 */
export function parseFrame<T>(
  raw: string,
  schema: z.ZodType<T>,
  discriminator: 'type' | 'event',
  known: ReadonlySet<string>,
): FrameParse<T> {
  if (exceedsFrameLimit(raw)) return { ok: false, kind: 'too_big', message: `frame exceeds ${MAX_FRAME_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, kind: 'not_json', message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, kind: 'not_object', message: 'frame must be a JSON object' };
  }
  const name = (value as Record<string, unknown>)[discriminator];
  if (typeof name !== 'string') {
    return { ok: false, kind: 'invalid', message: `frame has no string "${discriminator}"` };
  }
  if (!known.has(name)) return { ok: false, kind: 'unknown', name, message: `unknown ${discriminator} "${name}"` };
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    return { ok: false, kind: 'invalid', name, message: `${name}: ${path ? path + ': ' : ''}${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, frame: result.data };
}

/**
 * True when the frame's UTF-8 encoding exceeds MAX_FRAME_BYTES. A UTF-16 code unit takes at most 3
 * UTF-8 bytes, so the exact (allocating) count runs only for frames that might be over.
 */
function exceedsFrameLimit(raw: string): boolean {
  if (raw.length > MAX_FRAME_BYTES) return true;
  if (raw.length * 3 <= MAX_FRAME_BYTES) return false;
  return new TextEncoder().encode(raw).length > MAX_FRAME_BYTES;
}

/** The discriminator values of a `z.discriminatedUnion`'s options. */
export function frameNames(options: readonly { shape: Record<string, unknown> }[], key: 'type' | 'event'): Set<string> {
  const names = new Set<string>();
  for (const option of options) {
    const literal = option.shape[key] as { value?: unknown; values?: Set<unknown> } | undefined;
    const values = literal?.values ? [...literal.values] : [literal?.value];
    for (const v of values) if (typeof v === 'string') names.add(v);
  }
  return names;
}
