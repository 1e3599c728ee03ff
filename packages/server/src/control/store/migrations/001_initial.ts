import type { Kysely } from 'kysely';

/**
 * Initial schema. Runs unchanged on SQLite and PostgreSQL: only portable types, and every
 * constraint a repository relies on for correctness (uniqueness, foreign keys) is declared here.
 */
// Migrations operate on an untyped database: the schema they create is what `schema.ts` describes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('spaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('masked_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_space_idx').on('api_keys').columns(['space_id', 'id']).execute();

  await db.schema
    .createTable('voice_profiles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.references('spaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('languages', 'text', (c) => c.notNull())
    .addColumn('gender', 'text')
    .addColumn('quality', 'text', (c) => c.notNull())
    .addColumn('offline', 'integer', (c) => c.notNull())
    .addColumn('stt_chain', 'text', (c) => c.notNull())
    .addColumn('tts_chain', 'text', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('cost_per_min_usd', 'double precision', (c) => c.notNull())
    .addColumn('greeting', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('pipes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('voice_profile_id', 'text', (c) => c.notNull().references('voice_profiles.id'))
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('greeting', 'text')
    .addColumn('first_speaker', 'text', (c) => c.notNull())
    .addColumn('instructions', 'text')
    .addColumn('recording', 'integer', (c) => c.notNull())
    .addColumn('max_call_duration_s', 'integer', (c) => c.notNull())
    .addColumn('idle_timeout_s', 'integer', (c) => c.notNull())
    .addColumn('silence_timeout_s', 'integer', (c) => c.notNull())
    .addColumn('endpointing', 'text', (c) => c.notNull())
    .addColumn('transfer_allowed_numbers', 'text')
    .addColumn('transfer_allowed_prefixes', 'text')
    .addColumn('transfer_refusal_phrase', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pipes_space_idx').on('pipes').columns(['space_id', 'id']).execute();
  await db.schema.createIndex('pipes_agent_idx').on('pipes').columns(['space_id', 'agent_id']).execute();

  await db.schema
    .createTable('trunks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('password', 'text')
    .addColumn('source_ips', 'text', (c) => c.notNull())
    .addColumn('codecs', 'text', (c) => c.notNull())
    .addColumn('register', 'integer', (c) => c.notNull())
    .addColumn('country_code', 'text')
    .addColumn('national_prefix', 'text')
    .addColumn('outbound_caller_id', 'text')
    .addColumn('max_concurrent_calls', 'integer')
    .addColumn('dids', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trunks_space_idx').on('trunks').columns(['space_id', 'id']).execute();

  // A number routes inbound calls, so it is unique across all spaces.
  await db.schema
    .createTable('numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('trunk_id', 'text', (c) => c.references('trunks.id').onDelete('set null'))
    .addColumn('pipe_id', 'text', (c) => c.references('pipes.id').onDelete('set null'))
    .addColumn('label', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('numbers_space_idx').on('numbers').columns(['space_id', 'id']).execute();
  await db.schema.createIndex('numbers_pipe_idx').on('numbers').columns(['pipe_id']).execute();

  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('pipe_id', 'text')
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text')
    .addColumn('to_number', 'text')
    .addColumn('instructions', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('worker_id', 'text')
    .addColumn('node_id', 'text')
    .addColumn('end_reason', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('recording_path', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('duration_s', 'double precision')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('calls_space_idx').on('calls').columns(['space_id', 'id']).execute();
  await db.schema.createIndex('calls_status_idx').on('calls').columns(['status']).execute();

  await db.schema
    .createTable('call_turns')
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('interrupted', 'integer', (c) => c.notNull())
    .addColumn('heard_text', 'text')
    .addPrimaryKeyConstraint('call_turns_pk', ['call_id', 'seq'])
    .execute();

  await db.schema
    .createTable('call_turn_metrics')
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('turn_id', 'integer', (c) => c.notNull())
    .addColumn('stt_ms', 'double precision')
    .addColumn('agent_ttft_ms', 'double precision')
    .addColumn('tts_ttfb_ms', 'double precision')
    .addColumn('ttfa_ms', 'double precision')
    .addColumn('agent_total_ms', 'double precision')
    .addColumn('interrupted', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_turn_metrics_pk', ['call_id', 'turn_id'])
    .execute();

  await db.schema
    .createTable('call_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('call_events_call_idx').on('call_events').columns(['call_id', 'id']).execute();

  await db.schema
    .createTable('session_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('pipe_id', 'text', (c) => c.notNull().references('pipes.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('body_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['space_id', 'key'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'session_tokens',
    'call_events',
    'call_turn_metrics',
    'call_turns',
    'calls',
    'numbers',
    'trunks',
    'pipes',
    'voice_profiles',
    'api_keys',
    'spaces',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
