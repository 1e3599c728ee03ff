import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../errors.js';
import { nowIso } from '../../ids.js';
import type { Database } from '../schema.js';

/** Keys are remembered this long; a retry after that runs the request again. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/** Stored outcomes of POSTs sent with an `Idempotency-Key`, per space. */
export class IdempotencyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Claim a key for this request, or learn that it was already used. */
  async claim(spaceId: string, key: string, method: string, path: string, bodyHash: string): Promise<IdempotencyClaim> {
    const cutoff = new Date(Date.now() - IDEMPOTENCY_TTL_MS).toISOString();
    await this.db.deleteFrom('idempotency_keys').where('space_id', '=', spaceId).where('key', '=', key).where('created_at', '<', cutoff).execute();
    try {
      await this.db
        .insertInto('idempotency_keys')
        .values({ space_id: spaceId, key, method, path, body_hash: bodyHash, status_code: null, response_body: null, created_at: nowIso() })
        .execute();
      return { kind: 'claimed' };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const row = await this.db.selectFrom('idempotency_keys').selectAll().where('space_id', '=', spaceId).where('key', '=', key).executeTakeFirst();
    if (!row) return { kind: 'in_progress' };
    if (row.method !== method || row.path !== path || row.body_hash !== bodyHash) return { kind: 'mismatch' };
    if (row.status_code === null || row.response_body === null) return { kind: 'in_progress' };
    return { kind: 'replay', status: row.status_code, body: row.response_body };
  }

  async complete(spaceId: string, key: string, status: number, body: string): Promise<void> {
    await this.db.updateTable('idempotency_keys').set({ status_code: status, response_body: body }).where('space_id', '=', spaceId).where('key', '=', key).execute();
  }

  /** Forget a claim whose request failed before producing a storable response (e.g. 5xx). */
  async release(spaceId: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('space_id', '=', spaceId).where('key', '=', key).execute();
  }
}
