import type { Kysely } from 'kysely';

/** Pipes gain `stt_hints`: a JSON array of phrases callers are likely to say, or null. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pipes').addColumn('stt_hints', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pipes').dropColumn('stt_hints').execute();
}
