import type { Kysely } from 'kysely';
import type { PhoneNumber } from '@unpod/protocol';
import { ApiError, isUniqueViolation } from '../../errors.js';
import { newId, nowIso } from '../../ids.js';
import type { Database, NumbersTable } from '../schema.js';
import { paginate, type PageParams } from './paging.js';

export const toNumber = (row: NumbersTable): PhoneNumber => ({
  id: row.id,
  number: row.number,
  trunk_id: row.trunk_id,
  pipe_id: row.pipe_id,
  status: row.pipe_id ? 'assigned' : 'available',
  label: row.label,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

export interface NumberFilter {
  status?: 'available' | 'assigned' | undefined;
  pipe_id?: string | undefined;
  trunk_id?: string | undefined;
  prefix?: string | undefined;
}

/** Phone numbers. A number is unique across all spaces because it routes inbound calls. */
export class NumbersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(spaceId: string, v: { number: string; trunk_id: string | null; pipe_id: string | null; label: string | null }): Promise<PhoneNumber> {
    const now = nowIso();
    const row: NumbersTable = { id: newId('number'), space_id: spaceId, created_at: now, updated_at: now, ...v };
    try {
      await this.db.insertInto('numbers').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError('number_exists', 'this number is already registered', 'number');
      throw err;
    }
    return toNumber(row);
  }

  async get(spaceId: string, id: string): Promise<PhoneNumber | undefined> {
    const row = await this.db.selectFrom('numbers').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row && toNumber(row);
  }

  /** Look a number up across spaces (inbound routing), with its owning space. */
  async findByE164(number: string): Promise<(PhoneNumber & { space_id: string }) | undefined> {
    const row = await this.db.selectFrom('numbers').selectAll().where('number', '=', number).executeTakeFirst();
    return row && { ...toNumber(row), space_id: row.space_id };
  }

  list(spaceId: string, page: PageParams, filter: NumberFilter = {}) {
    let q = this.db.selectFrom('numbers').selectAll().where('space_id', '=', spaceId);
    if (filter.status === 'assigned') q = q.where('pipe_id', 'is not', null);
    if (filter.status === 'available') q = q.where('pipe_id', 'is', null);
    if (filter.pipe_id !== undefined) q = q.where('pipe_id', '=', filter.pipe_id);
    if (filter.trunk_id !== undefined) q = q.where('trunk_id', '=', filter.trunk_id);
    if (filter.prefix !== undefined) q = q.where('number', 'like', `${filter.prefix}%`);
    return paginate(q, 'id', page, toNumber);
  }

  async update(spaceId: string, id: string, v: { trunk_id?: string | null; label?: string | null }): Promise<PhoneNumber | undefined> {
    if (Object.keys(v).length > 0) {
      await this.db.updateTable('numbers').set({ ...v, updated_at: nowIso() }).where('space_id', '=', spaceId).where('id', '=', id).execute();
    }
    return this.get(spaceId, id);
  }

  /**
   * Attach atomically: succeeds only when the number is free or already on this pipe, so two
   * concurrent attaches to different pipes cannot both win.
   */
  async attach(spaceId: string, id: string, pipeId: string): Promise<PhoneNumber | 'conflict' | undefined> {
    const result = await this.db
      .updateTable('numbers')
      .set({ pipe_id: pipeId, updated_at: nowIso() })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('pipe_id', 'is', null), eb('pipe_id', '=', pipeId)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const existing = await this.get(spaceId, id);
      return existing ? 'conflict' : undefined;
    }
    return this.get(spaceId, id);
  }

  async detach(spaceId: string, id: string): Promise<PhoneNumber | undefined> {
    await this.db.updateTable('numbers').set({ pipe_id: null, updated_at: nowIso() }).where('space_id', '=', spaceId).where('id', '=', id).execute();
    return this.get(spaceId, id);
  }

  async delete(spaceId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('numbers').where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Import a trunk's DIDs: new ones are created on the trunk, existing ones of this space are re-pointed to it. */
  async syncFromTrunk(spaceId: string, trunkId: string, dids: string[]): Promise<{ synced: number; created: number; numbers: string[] }> {
    let created = 0;
    const synced: string[] = [];
    for (const did of dids) {
      const existing = await this.findByE164(did);
      if (existing && existing.space_id !== spaceId) continue;
      if (existing) {
        if (existing.trunk_id !== trunkId) await this.update(spaceId, existing.id, { trunk_id: trunkId });
      } else {
        try {
          await this.create(spaceId, { number: did, trunk_id: trunkId, pipe_id: null, label: null });
          created++;
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 'number_exists')) throw err;
          continue;
        }
      }
      synced.push(did);
    }
    return { synced: synced.length, created, numbers: synced };
  }
}
