import type { Page } from '@unpod/protocol';
import { ApiError } from '../../errors.js';

/** Cursor pagination over an in-memory list sorted ascending by `key`. */
export function paginateInMemory<T>(items: T[], key: (item: T) => string, params: { limit: number; cursor?: string | undefined }): Page<T> {
  let start = 0;
  if (params.cursor !== undefined) {
    // Decoding base64url never throws; a cursor is valid only when it is the canonical encoding
    // of a non-empty key, which is what this function issues.
    const after = Buffer.from(params.cursor, 'base64url').toString('utf8');
    if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== params.cursor) {
      throw new ApiError('invalid_cursor', 'cursor is not valid for this list', 'cursor');
    }
    start = items.findIndex((i) => key(i) > after);
    if (start < 0) start = items.length;
  }
  const data = items.slice(start, start + params.limit);
  const more = start + params.limit < items.length;
  const last = data[data.length - 1];
  return { data, next_cursor: more && last !== undefined ? Buffer.from(key(last), 'utf8').toString('base64url') : null };
}
