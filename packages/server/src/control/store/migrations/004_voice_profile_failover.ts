import type { Kysely } from 'kysely';

/**
 * Voice profiles get their failover settings (stall and final timeouts, circuit breaker, stay on
 * fallback) as one JSON text column; null means every setting at its default.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('voice_profiles').addColumn('failover', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('voice_profiles').dropColumn('failover').execute();
}
