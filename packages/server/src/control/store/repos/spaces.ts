import type { Kysely } from 'kysely';
import type { Space } from '@unpod/protocol';
import { ApiError, isUniqueViolation } from '../../errors.js';
import { newId, nowIso } from '../../ids.js';
import type { Database, SpacesTable } from '../schema.js';

const toSpace = (row: SpacesTable): Space => ({ id: row.id, name: row.name, created_at: row.created_at });

/** Spaces (tenants). A key sees only its own space. */
export class SpacesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<Space | undefined> {
    const row = await this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSpace(row);
  }

  async findByName(name: string): Promise<Space | undefined> {
    const row = await this.db.selectFrom('spaces').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toSpace(row);
  }

  async create(name: string): Promise<Space> {
    const row: SpacesTable = { id: newId('space'), name, created_at: nowIso() };
    try {
      await this.db.insertInto('spaces').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError('conflict', `a space named "${name}" already exists`, 'name');
      throw err;
    }
    return toSpace(row);
  }

  /** The space with this name, created when missing (race-safe). */
  async ensure(name: string): Promise<{ space: Space; created: boolean }> {
    const existing = await this.findByName(name);
    if (existing) return { space: existing, created: false };
    try {
      return { space: await this.create(name), created: true };
    } catch (err) {
      const again = await this.findByName(name);
      if (again) return { space: again, created: false };
      throw err;
    }
  }

  async rename(id: string, name: string): Promise<Space | undefined> {
    try {
      await this.db.updateTable('spaces').set({ name }).where('id', '=', id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError('conflict', `a space named "${name}" already exists`, 'name');
      throw err;
    }
    return this.get(id);
  }
}
