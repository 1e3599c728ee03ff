/**
 * Table shapes shared by SQLite and PostgreSQL. Portable column types only: timestamps are
 * ISO-8601 UTC text (sorts lexicographically), booleans are 0/1 integers, JSON is text.
 */
export interface Database {
  spaces: SpacesTable;
  api_keys: ApiKeysTable;
  voice_profiles: VoiceProfilesTable;
  pipes: PipesTable;
  trunks: TrunksTable;
  numbers: NumbersTable;
  calls: CallsTable;
  call_turns: CallTurnsTable;
  call_turn_metrics: CallTurnMetricsTable;
  call_events: CallEventsTable;
  session_tokens: SessionTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  credentials: CredentialsTable;
}

export interface SpacesTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  space_id: string;
  name: string;
  key_hash: string;
  masked_key: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface VoiceProfilesTable {
  id: string;
  space_id: string | null;
  name: string;
  description: string;
  language: string;
  languages: string;
  gender: string | null;
  quality: string;
  offline: number;
  stt_chain: string;
  tts_chain: string;
  latency_ms: number;
  cost_per_min_usd: number;
  greeting: string | null;
  /** JSON of `FailoverSettings` (null: defaults). Added by migration 004. */
  failover: string | null;
  created_at: string;
}

export interface PipesTable {
  id: string;
  space_id: string;
  name: string;
  voice_profile_id: string;
  agent_id: string;
  greeting: string | null;
  first_speaker: string;
  instructions: string | null;
  recording: number;
  max_call_duration_s: number;
  idle_timeout_s: number;
  silence_timeout_s: number;
  endpointing: string;
  transfer_allowed_numbers: string | null;
  transfer_allowed_prefixes: string | null;
  transfer_refusal_phrase: string;
  /** JSON array of phrases, or null (migration 002). */
  stt_hints: string | null;
  created_at: string;
  updated_at: string;
}

export interface TrunksTable {
  id: string;
  space_id: string;
  name: string;
  host: string;
  port: number;
  transport: string;
  username: string | null;
  password: string | null;
  source_ips: string;
  codecs: string;
  register: number;
  country_code: string | null;
  national_prefix: string | null;
  outbound_caller_id: string | null;
  max_concurrent_calls: number | null;
  dids: string;
  created_at: string;
  updated_at: string;
}

export interface NumbersTable {
  id: string;
  space_id: string;
  number: string;
  trunk_id: string | null;
  pipe_id: string | null;
  label: string | null;
  created_at: string;
  updated_at: string;
}

export interface CallsTable {
  id: string;
  space_id: string;
  pipe_id: string | null;
  agent_id: string;
  direction: string;
  transport: string;
  status: string;
  from_number: string | null;
  to_number: string | null;
  instructions: string | null;
  data: string;
  worker_id: string | null;
  node_id: string | null;
  end_reason: string | null;
  error_code: string | null;
  error_message: string | null;
  recording_path: string | null;
  created_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  updated_at: string;
}

export interface CallTurnsTable {
  call_id: string;
  seq: number;
  role: string;
  text: string;
  at: string;
  interrupted: number;
  heard_text: string | null;
}

export interface CallTurnMetricsTable {
  call_id: string;
  turn_id: number;
  stt_ms: number | null;
  agent_ttft_ms: number | null;
  tts_ttfb_ms: number | null;
  ttfa_ms: number | null;
  agent_total_ms: number | null;
  interrupted: number;
}

export interface CallEventsTable {
  /** Time-ordered id, so events sort by id. */
  id: string;
  call_id: string;
  at: string;
  type: string;
  data: string;
}

export interface SessionTokensTable {
  id: string;
  space_id: string;
  pipe_id: string;
  token_hash: string;
  metadata: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface IdempotencyKeysTable {
  space_id: string;
  key: string;
  method: string;
  path: string;
  body_hash: string;
  status_code: number | null;
  response_body: string | null;
  created_at: string;
}

/** A space's vendor credential; `secret` is AES-256-GCM ciphertext (see `control/secrets`). */
export interface CredentialsTable {
  id: string;
  space_id: string;
  provider: string;
  /** JSON list of the secret's field names (shown by the API; the values are only in `secret`). */
  fields: string;
  hint: string;
  secret: string;
  created_at: string;
}
