import type { Kysely } from 'kysely';
import type { ApiKey, ApiKeyCreated } from '@unpod/protocol';
import { newId, nowIso } from '../../ids.js';
import { generateSecret, hashSecret, maskSecret } from '../../keys.js';
import type { ApiKeysTable, Database } from '../schema.js';
import { paginate, type PageParams } from './paging.js';

const toApiKey = (row: ApiKeysTable): ApiKey => ({
  id: row.id,
  name: row.name,
  space_id: row.space_id,
  masked_key: row.masked_key,
  status: row.revoked_at ? 'revoked' : 'active',
  created_at: row.created_at,
  last_used_at: row.last_used_at,
  revoked_at: row.revoked_at,
});

/** The identity a valid key resolves to. */
export interface KeyIdentity {
  keyId: string;
  spaceId: string;
}

/** API keys: the raw key is returned once by `create`; only its SHA-256 is stored. */
export class ApiKeysRepo {
  /** `last_used_at` is written at most this often per key, to keep auth off the write path. */
  private static readonly TOUCH_INTERVAL_MS = 60_000;
  private readonly lastTouch = new Map<string, number>();

  constructor(private readonly db: Kysely<Database>) {}

  async create(spaceId: string, name: string): Promise<ApiKeyCreated> {
    const key = generateSecret('sk');
    const row: ApiKeysTable = {
      id: newId('apiKey'),
      space_id: spaceId,
      name,
      key_hash: hashSecret(key),
      masked_key: maskSecret(key),
      created_at: nowIso(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_keys').values(row).execute();
    return { ...toApiKey(row), key };
  }

  list(spaceId: string, page: PageParams) {
    const q = this.db.selectFrom('api_keys').selectAll().where('space_id', '=', spaceId);
    return paginate(q, 'id', page, toApiKey);
  }

  async get(spaceId: string, id: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row && toApiKey(row);
  }

  /** Revoke now; later requests with this key fail at once. Idempotent. */
  async revoke(spaceId: string, id: string): Promise<ApiKey | undefined> {
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at: nowIso() })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return this.get(spaceId, id);
  }

  /** Resolve a presented key to its space, or undefined when unknown or revoked. */
  async authenticate(rawKey: string): Promise<KeyIdentity | undefined> {
    if (!rawKey.startsWith('sk_') || rawKey.length > 200) return undefined;
    const row = await this.db
      .selectFrom('api_keys')
      .select(['id', 'space_id', 'revoked_at'])
      .where('key_hash', '=', hashSecret(rawKey))
      .executeTakeFirst();
    if (!row || row.revoked_at) return undefined;
    const now = Date.now();
    if (now - (this.lastTouch.get(row.id) ?? 0) > ApiKeysRepo.TOUCH_INTERVAL_MS) {
      this.lastTouch.set(row.id, now);
      await this.db.updateTable('api_keys').set({ last_used_at: new Date(now).toISOString() }).where('id', '=', row.id).execute();
    }
    return { keyId: row.id, spaceId: row.space_id };
  }
}
