import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from './001_initial.js';
import * as m002 from './002_pipe_stt_hints.js';
import * as m003 from './003_credentials.js';
import * as m004 from './004_voice_profile_failover.js';

/** Migrations in order. Names are permanent: never rename or edit a shipped migration. */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': m001,
  '002_pipe_stt_hints': m002,
  '003_credentials': m003,
  '004_voice_profile_failover': m004,
};

/** Every migration name, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

class StaticMigrationProvider implements MigrationProvider {
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(MIGRATIONS);
  }
}

export interface MigrationReport {
  applied: string[];
  total: number;
}

/**
 * Bring the schema to the latest version; idempotent. Throws with the failing migration's name.
 * On PostgreSQL pass the store's `schema`: without it Kysely looks for its bookkeeping tables in
 * every schema of the database and skips creating them when another schema has them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>, options: { schema?: string | undefined } = {}): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(),
    ...(options.schema ? { migrationTableSchema: options.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    total: Object.keys(MIGRATIONS).length,
  };
}
