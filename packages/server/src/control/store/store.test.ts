import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createPgSchema, type PgSchema } from '@unpod/testkit/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_PROFILES } from './seed-voice-profiles.js';
import { Store } from './store.js';

describe('Store migrations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const tempDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'unpod-store-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  const pgSchema = async (): Promise<PgSchema> => {
    const schema = await createPgSchema('store');
    cleanups.push(() => schema.drop());
    return schema;
  };
  const open = async (databaseUrl: string | null, dataDir: string, migrate = true) => {
    const store = await Store.open({ databaseUrl, dataDir, migrate });
    cleanups.push(() => store.close());
    return store;
  };

  it.each(['sqlite', 'postgres'] as const)('is idempotent on %s: a second migrate applies nothing and keeps data', async (kind) => {
    const dataDir = await tempDir();
    const url = kind === 'postgres' ? (await pgSchema()).url : null;
    const store = await open(url, dataDir, false);
    const first = await store.migrate();
    expect(first.applied).toEqual(expect.arrayContaining(['001_initial', '004_voice_profile_failover']));
    expect(first.applied).toHaveLength(first.total);
    const { space } = await store.spaces.ensure('kept');
    const second = await store.migrate();
    expect(second).toEqual({ applied: [], total: first.total });
    expect((await store.spaces.findByName('kept'))?.id).toBe(space.id);
    // The catalog is refreshed, not duplicated.
    const profiles = await store.voiceProfiles.list(space.id, { limit: 200 });
    expect(profiles.data.length).toBe(SEED_PROFILES.length);
  });

  // Regression: Kysely's migrator looked for its bookkeeping tables in every schema, so a fresh
  // `?schema=` database was left without them once any other schema of the same database had them.
  it('migrates a fresh PostgreSQL schema while another schema of the same database is already migrated', async () => {
    const dataDir = await tempDir();
    const [a, b] = [await pgSchema(), await pgSchema()];
    const storeA = await open(a.url, dataDir);
    await storeA.spaces.ensure('in-a');

    const storeB = await open(b.url, dataDir);
    expect(await storeB.spaces.findByName('in-a')).toBeUndefined();
    await storeB.spaces.ensure('in-b');
    expect(await storeA.spaces.findByName('in-b')).toBeUndefined();

    const tables = await sql<{ table_schema: string }>`
      select table_schema from information_schema.tables where table_name = 'kysely_migration_lock' and table_schema in (${a.schema}, ${b.schema})
    `.execute(storeB.db.kysely);
    expect(tables.rows.map((r) => r.table_schema).sort()).toEqual([a.schema, b.schema].sort());
    expect((await storeB.migrate()).applied).toEqual([]);
  });
});
