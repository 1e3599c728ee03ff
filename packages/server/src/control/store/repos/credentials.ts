import type { Kysely } from 'kysely';
import type { Credential, CredentialCreate } from '@unpod/protocol';
import { newId, nowIso } from '../../ids.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import type { CredentialsTable, Database } from '../schema.js';
import { paginate, type PageParams } from './paging.js';

/** A decrypted credential, for the speech layer only (never for the API). */
export interface CredentialSecret {
  id: string;
  provider: string;
  fields: Readonly<Record<string, string>>;
}

const toCredential = (row: CredentialsTable): Credential => ({
  id: row.id,
  space_id: row.space_id,
  provider: row.provider,
  fields: JSON.parse(row.fields) as string[],
  hint: row.hint,
  created_at: row.created_at,
});

/** Binds a ciphertext to its row: moving it to another row makes it undecryptable. */
const aad = (row: Pick<CredentialsTable, 'id' | 'space_id' | 'provider'>): string => `credential:${row.id}:${row.space_id}:${row.provider}`;

function hintOf(secret: Readonly<Record<string, string>>): string {
  const key = secret['api_key'] ?? secret['access_token'] ?? '';
  return key.length >= 8 ? `…${key.slice(-4)}` : '…';
}

/**
 * Vendor credentials per space. Write-only through the API: `put` stores the secret encrypted,
 * the API views show field names and a last-4 hint; only {@link secretFor} decrypts, for the
 * speech layer. One credential per space and provider: `put` replaces the previous one.
 */
export class CredentialsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: () => Promise<SecretBox>,
  ) {}

  async put(spaceId: string, input: CredentialCreate): Promise<Credential> {
    const box = await this.box();
    const id = newId('credential');
    const row: CredentialsTable = {
      id,
      space_id: spaceId,
      provider: input.provider,
      fields: JSON.stringify(Object.keys(input.secret).sort()),
      hint: hintOf(input.secret),
      secret: box.seal(JSON.stringify(input.secret), aad({ id, space_id: spaceId, provider: input.provider })),
      created_at: nowIso(),
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('credentials').where('space_id', '=', spaceId).where('provider', '=', input.provider).execute();
      await tx.insertInto('credentials').values(row).execute();
    });
    return toCredential(row);
  }

  list(spaceId: string, page: PageParams) {
    const q = this.db.selectFrom('credentials').selectAll().where('space_id', '=', spaceId);
    return paginate(q, 'id', page, toCredential);
  }

  async get(spaceId: string, id: string): Promise<Credential | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row && toCredential(row);
  }

  /** Deletes one credential; undefined when the space has no such credential. */
  async delete(spaceId: string, id: string): Promise<Credential | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    await this.db.deleteFrom('credentials').where('space_id', '=', spaceId).where('id', '=', id).execute();
    return toCredential(row);
  }

  /** The decrypted credential of `provider` in `spaceId`, if the space stored one. */
  async secretFor(spaceId: string, provider: string): Promise<CredentialSecret | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('space_id', '=', spaceId).where('provider', '=', provider).executeTakeFirst();
    if (!row) return undefined;
    const box = await this.box();
    const fields = JSON.parse(box.open(row.secret, aad(row))) as Record<string, string>;
    return { id: row.id, provider: row.provider, fields };
  }
}
