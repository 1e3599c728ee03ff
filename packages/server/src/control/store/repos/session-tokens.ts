import type { Kysely } from 'kysely';
import type { SessionToken } from '@unpod/protocol';
import { newId, nowIso } from '../../ids.js';
import { generateSecret, hashSecret } from '../../keys.js';
import type { Database } from '../schema.js';
import { parseJson } from './paging.js';

/** What a consumed session token grants: joining one pipe of one space. */
export interface SessionGrant {
  spaceId: string;
  pipeId: string;
  metadata: Record<string, unknown>;
}

/** Short-lived single-use tokens a browser presents instead of an API key. */
export class SessionTokensRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(spaceId: string, pipeId: string, metadata: Record<string, unknown>, ttlS: number): Promise<SessionToken> {
    const token = generateSecret('st');
    const expiresAt = new Date(Date.now() + ttlS * 1000).toISOString();
    await this.db
      .insertInto('session_tokens')
      .values({
        id: newId('sessionToken'),
        space_id: spaceId,
        pipe_id: pipeId,
        token_hash: hashSecret(token),
        metadata: JSON.stringify(metadata),
        expires_at: expiresAt,
        used_at: null,
        created_at: nowIso(),
      })
      .execute();
    return { token, pipe_id: pipeId, expires_at: expiresAt };
  }

  /**
   * Consume a token exactly once. The conditional update makes two concurrent uses race safely:
   * only one of them updates the row.
   */
  async consume(token: string): Promise<SessionGrant | undefined> {
    const hash = hashSecret(token);
    const now = nowIso();
    const result = await this.db
      .updateTable('session_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    const row = await this.db.selectFrom('session_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirstOrThrow();
    return { spaceId: row.space_id, pipeId: row.pipe_id, metadata: parseJson(row.metadata, {}) };
  }
}
