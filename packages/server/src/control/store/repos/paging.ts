import type { SelectQueryBuilder } from 'kysely';
import type { Page } from '@unpod/protocol';
import { ApiError } from '../../errors.js';
import type { Database } from '../schema.js';

/** Opaque cursor: base64url of the last id of the previous page. Lists run newest first. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Z]+_[A-Za-z0-9_]+$/.test(id)) throw new ApiError('invalid_cursor', 'cursor is not valid for this list', 'cursor');
  return id;
}

export interface PageParams {
  limit: number;
  cursor?: string | undefined;
}

/**
 * Run a keyset-paginated query ordered by `id` descending. Fetches one extra row to know whether
 * another page exists, so `next_cursor` is null exactly on the last page.
 */
export async function paginate<T extends keyof Database, O extends { id: string }, R>(
  query: SelectQueryBuilder<Database, T, O>,
  idColumn: string,
  params: PageParams,
  map: (row: O) => R,
): Promise<Page<R>> {
  let q = query;
  if (params.cursor !== undefined) {
    // Kysely cannot type a dynamic column reference across tables; the column is ours, not user input.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    q = q.where(idColumn as any, '<', decodeCursor(params.cursor));
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const rows = await q.orderBy(idColumn as any, 'desc').limit(params.limit + 1).execute();
  const hasMore = rows.length > params.limit;
  const pageRows = hasMore ? rows.slice(0, params.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), next_cursor: hasMore && last ? encodeCursor(last.id) : null };
}

/** JSON columns are stored as text on both engines. */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  return JSON.parse(text) as T;
}
