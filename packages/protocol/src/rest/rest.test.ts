import { describe, expect, it } from 'vitest';
import { ApiKeyCreate } from './api-keys.js';
import { CallCreate, CallListQuery } from './calls.js';
import { E164, ErrorBody, JSON_MAX_DEPTH, JsonObject, PageQuery } from './common.js';
import { NumberCreate, NumberListQuery, NumberUpdate } from './numbers.js';
import { AgentId, DEFAULT_TRANSFER_REFUSAL, Endpointing, PipeCreate, PipeUpdate } from './pipes.js';
import { SessionTokenCreate } from './sessions.js';
import { SpaceUpdate } from './spaces.js';
import { TrunkCreate, TrunkUpdate } from './trunks.js';
import { VoiceProfileListQuery } from './voice-profiles.js';

const firstIssue = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; code: string }> } }) => {
  expect(result.success).toBe(false);
  return result.error!.issues[0]!;
};

describe('E164 (ITU-T E.164: +, country digit 1-9, at most 15 digits)', () => {
  it.each(['+14155550123', '+442071234567', '+919876543210', '+12', '+123456789012345'])('accepts %s', (n) => {
    expect(E164.safeParse(n).success).toBe(true);
  });
  it.each(['14155550123', '+04155550123', '+1', '+1234567890123456', '+1 415 555 0123', '+1-415-555', '', '+', '++14155550123', '+1415555012a', ' +14155550123'])(
    'refuses %j',
    (n) => {
      expect(E164.safeParse(n).success).toBe(false);
    },
  );
});

describe('pipes', () => {
  it('PipeCreate fills every documented default', () => {
    expect(PipeCreate.parse({ name: ' support ', agent_id: 'bot' })).toEqual({
      name: 'support',
      agent_id: 'bot',
      voice_profile: 'VP_embedded_en',
      greeting: null,
      first_speaker: 'agent',
      instructions: null,
      recording: false,
      max_call_duration_s: 3600,
      idle_timeout_s: 30,
      silence_timeout_s: 8,
      endpointing: { silence_ms: 600, max_turn_s: 30, barge_in: true, barge_in_min_ms: 250 },
      transfer_allowed_numbers: null,
      transfer_allowed_prefixes: null,
      transfer_refusal_phrase: DEFAULT_TRANSFER_REFUSAL,
      stt_hints: null,
    });
  });

  it('PipeCreate fills endpointing defaults key by key', () => {
    expect(PipeCreate.parse({ name: 'p', agent_id: 'a', endpointing: { barge_in: false } }).endpointing).toEqual({
      silence_ms: 600,
      max_turn_s: 30,
      barge_in: false,
      barge_in_min_ms: 250,
    });
  });

  // Regression: `Endpointing.partial()` kept zod 4's inner defaults, so a PATCH of one endpointing
  // key reset the others to their defaults.
  it('PipeUpdate adds no defaults: omitted keys stay omitted, also inside endpointing', () => {
    expect(PipeUpdate.parse({})).toEqual({});
    expect(PipeUpdate.parse({ endpointing: { barge_in: false } })).toEqual({ endpointing: { barge_in: false } });
    expect(PipeUpdate.parse({ greeting: null })).toEqual({ greeting: null });
    expect(firstIssue(PipeUpdate.safeParse({ endpointing: { silence_ms: 50 } })).path).toEqual(['endpointing', 'silence_ms']);
    expect(firstIssue(PipeUpdate.safeParse({ endpointing: { color: 1 } })).code).toBe('unrecognized_keys');
  });

  it('refuses unknown fields and out-of-range values', () => {
    expect(firstIssue(PipeCreate.safeParse({ name: 'p', agent_id: 'a', colour: 'red' })).code).toBe('unrecognized_keys');
    expect(firstIssue(PipeCreate.safeParse({ name: 'p', agent_id: 'a', idle_timeout_s: 4 })).path).toEqual(['idle_timeout_s']);
    expect(firstIssue(PipeCreate.safeParse({ name: 'p', agent_id: 'a', transfer_allowed_prefixes: ['44'] })).path).toEqual(['transfer_allowed_prefixes', 0]);
    expect(Endpointing.safeParse({ silence_ms: 5001 }).success).toBe(false);
  });

  it.each(['bot', 'sales.bot:v2@eu', 'A_1-b', '9'])('AgentId accepts %s', (id) => expect(AgentId.safeParse(id).success).toBe(true));
  it.each(['', '-x', '.x', 'has space', 'x/y', 'a'.repeat(129)])('AgentId refuses %j', (id) => expect(AgentId.safeParse(id).success).toBe(false));
});

describe('CallCreate refinements', () => {
  it('needs pipe_id or agent_id (issue on pipe_id)', () => {
    expect(firstIssue(CallCreate.safeParse({})).path).toEqual(['pipe_id']);
    expect(firstIssue(CallCreate.safeParse({ to_number: '+14155550123' })).path).toEqual(['pipe_id']);
    expect(CallCreate.safeParse({ pipe_id: 'PIPE_x' }).success).toBe(true);
    expect(CallCreate.safeParse({ agent_id: 'bot' }).success).toBe(true);
  });

  it('defaults to sip with to_number, else text; sip needs to_number', () => {
    expect(CallCreate.safeParse({ agent_id: 'bot', to_number: '+14155550123' }).success).toBe(true);
    expect(firstIssue(CallCreate.safeParse({ agent_id: 'bot', transport: 'sip' })).path).toEqual(['to_number']);
    expect(CallCreate.safeParse({ agent_id: 'bot', transport: 'text', to_number: '+14155550123' }).success).toBe(true);
    expect(CallCreate.safeParse({ agent_id: 'bot', transport: 'websocket' }).success).toBe(true);
  });

  it('validates numbers, data and unknown fields', () => {
    expect(firstIssue(CallCreate.safeParse({ agent_id: 'bot', to_number: '4155550123' })).path).toEqual(['to_number']);
    expect(firstIssue(CallCreate.safeParse({ agent_id: 'bot', from_number: '+0' })).path).toEqual(['from_number']);
    expect(firstIssue(CallCreate.safeParse({ agent_id: 'bot', data: [] })).path).toEqual(['data']);
    expect(firstIssue(CallCreate.safeParse({ agent_id: 'bot', user_number: '+14155550123' })).code).toBe('unrecognized_keys');
  });

  it('list query coerces limit and checks enums', () => {
    expect(CallListQuery.parse({ limit: '20', status: 'active' })).toEqual({ limit: 20, status: 'active' });
    expect(CallListQuery.safeParse({ status: 'hangup_requested' }).success).toBe(false);
  });
});

describe('JsonObject', () => {
  const nested = (depth: number): unknown => (depth <= 1 ? { leaf: true } : { n: nested(depth - 1) });

  it('accepts objects nested up to JSON_MAX_DEPTH levels', () => {
    expect(JsonObject.safeParse(nested(JSON_MAX_DEPTH)).success).toBe(true);
    expect(JsonObject.safeParse({ a: [1, { b: [null, 'x'] }] }).success).toBe(true);
  });

  // Regression: a 100 KB body of nested arrays passed validation and overflowed the stack when
  // the server serialised it (a 500).
  it('refuses deeper nesting, in arrays too, without recursing', () => {
    expect(JsonObject.safeParse(nested(JSON_MAX_DEPTH + 1)).success).toBe(false);
    const deep = JSON.parse(`{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`) as unknown;
    expect(JsonObject.safeParse(deep).success).toBe(false);
  });

  it('refuses non-objects', () => {
    for (const v of [[], 'x', 1, null]) expect(JsonObject.safeParse(v).success).toBe(false);
  });
});

describe('trunks', () => {
  it('TrunkCreate fills defaults; password stays write-only input', () => {
    expect(TrunkCreate.parse({ name: 'c', host: 'sip.example.com' })).toEqual({
      name: 'c',
      host: 'sip.example.com',
      port: 5060,
      transport: 'udp',
      username: null,
      password: null,
      source_ips: [],
      codecs: ['PCMU', 'PCMA'],
      register: false,
      country_code: null,
      national_prefix: null,
      outbound_caller_id: null,
      max_concurrent_calls: null,
      dids: [],
    });
  });

  it('TrunkUpdate makes every field optional with no defaults', () => {
    expect(TrunkUpdate.parse({})).toEqual({});
    expect(TrunkUpdate.parse({ password: null })).toEqual({ password: null });
    expect(TrunkUpdate.safeParse({ port: 0 }).success).toBe(false);
  });

  it.each([['192.0.2.1'], ['192.0.2.0/24'], ['2001:db8::1'], ['::1'], ['2001:db8::/32']])('accepts source IP %s', (ip) => {
    expect(TrunkCreate.safeParse({ name: 'c', host: 'h', source_ips: [ip] }).success).toBe(true);
  });
  it.each([['256.0.0.1'], ['192.0.2.0/33'], ['example.com'], ['1.2.3']])('refuses source IP %s', (ip) => {
    expect(TrunkCreate.safeParse({ name: 'c', host: 'h', source_ips: [ip] }).success).toBe(false);
  });
});

describe('numbers, sessions, api keys, spaces, paging', () => {
  it('NumberCreate defaults trunk, pipe and label to null; NumberUpdate cannot change the number', () => {
    expect(NumberCreate.parse({ number: '+14155550123' })).toEqual({ number: '+14155550123', trunk_id: null, pipe_id: null, label: null });
    expect(NumberUpdate.safeParse({ number: '+14155550123' }).success).toBe(false);
    expect(NumberListQuery.safeParse({ prefix: '+44' }).success).toBe(true);
    expect(NumberListQuery.safeParse({ prefix: '44' }).success).toBe(false);
    expect(NumberListQuery.safeParse({ prefix: '+4%' }).success).toBe(false);
  });

  it('SessionTokenCreate: ttl_s 300 by default, 10..3600', () => {
    expect(SessionTokenCreate.parse({ pipe_id: 'PIPE_x' })).toEqual({ pipe_id: 'PIPE_x', ttl_s: 300 });
    expect(SessionTokenCreate.safeParse({ pipe_id: 'PIPE_x', ttl_s: 3601 }).success).toBe(false);
  });

  it('ApiKeyCreate trims; SpaceUpdate restricts characters', () => {
    expect(ApiKeyCreate.parse({ name: '  ci  ' })).toEqual({ name: 'ci' });
    expect(ApiKeyCreate.safeParse({ name: '   ' }).success).toBe(false);
    expect(SpaceUpdate.safeParse({ name: 'Acme Ltd. support_2' }).success).toBe(true);
    expect(SpaceUpdate.safeParse({ name: 'Acme/1' }).success).toBe(false);
  });

  it('PageQuery: limit 50 by default, coerced from the query string, 1..200', () => {
    expect(PageQuery.parse({})).toEqual({ limit: 50 });
    expect(PageQuery.parse({ limit: '7', cursor: 'abc' })).toEqual({ limit: 7, cursor: 'abc' });
    for (const limit of ['0', '201', '1.5', 'x']) expect(PageQuery.safeParse({ limit }).success).toBe(false);
    expect(PageQuery.safeParse({ cursor: '' }).success).toBe(false);
    expect(PageQuery.safeParse({ page: '2' }).success).toBe(false);
  });

  it('VoiceProfileListQuery turns offline into a boolean', () => {
    expect(VoiceProfileListQuery.parse({ offline: 'true' }).offline).toBe(true);
    expect(VoiceProfileListQuery.parse({ offline: 'false' }).offline).toBe(false);
    expect(VoiceProfileListQuery.safeParse({ offline: '1' }).success).toBe(false);
  });

  it('ErrorBody accepts only known error codes', () => {
    expect(ErrorBody.safeParse({ error: { code: 'not_found', message: 'm' } }).success).toBe(true);
    expect(ErrorBody.safeParse({ error: { code: 'teapot', message: 'm' } }).success).toBe(false);
  });
});
