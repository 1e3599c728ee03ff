import type { Pipe, VoiceProfile } from '@unpod/protocol';
import { startTestServer } from '@unpod/testkit/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './client.js';
import { AuthenticationError, ConflictError, NotFoundError, ValidationError } from './errors.js';

/** End to end: the SDK against the real `unpod serve` process on a fresh data dir and key. */
describe.each(['sqlite', 'postgres'] as const)('Client against a real Unpod server (%s)', (database) => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let client: Client;
  let profiles: VoiceProfile[];
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    server = await startTestServer({ database });
    stop = () => server.close();
    client = new Client({ apiKey: server.apiKey, baseUrl: server.baseUrl });
    profiles = await client.voiceProfiles.list({ limit: 200 }).toArray();
  });

  afterAll(async () => {
    // Unset when the server never started: keep that failure, not a TypeError, in the report.
    await stop?.();
  });

  const firstProfile = (): VoiceProfile => {
    const [profile] = profiles;
    if (!profile) throw new Error('the server seeded no voice profiles');
    return profile;
  };

  const createPipe = (agentId: string, name = agentId): Promise<Pipe> => client.pipes.create({ name, agent_id: agentId });

  /** `en` serves `en` and `en-US`; matches the server's documented filter semantics. */
  const serves = (profile: VoiceProfile, language: string): boolean =>
    [profile.language, ...profile.languages].some((tag) => tag.toLowerCase().split('-')[0] === language.toLowerCase());

  it('reports health without a key', async () => {
    const health = await new Client({ apiKey: 'sk_not_a_real_key', baseUrl: server.baseUrl }).health();
    expect(health).toMatchObject({ status: 'ok', database });
  });

  it('lists the seeded voice profiles filtered by language', async () => {
    const language = firstProfile().language.split('-')[0] ?? '';
    const filtered = await client.voiceProfiles.list({ language, limit: 200 }).toArray();
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((p) => serves(p, language))).toBe(true);
    const expected = profiles.filter((p) => serves(p, language)).map((p) => p.id);
    expect(filtered.map((p) => p.id).sort()).toEqual(expected.sort());
  });

  it('creates a pipe by voice profile name, matched case-insensitively', async () => {
    const profile = firstProfile();
    const pipe = await client.pipes.create({
      name: 'By name',
      agent_id: 'by-name',
      voice_profile: profile.name.toUpperCase(),
      greeting: 'Hello!',
    });
    expect(pipe).toMatchObject({ name: 'By name', agent_id: 'by-name', voice_profile: profile.id, greeting: 'Hello!' });
    expect(await client.pipes.get(pipe.id)).toEqual(pipe);
  });

  it('registers and attaches a number, and refuses to attach it to a second pipe', async () => {
    const first = await createPipe('numbers-first');
    const second = await createPipe('numbers-second');
    const number = await client.numbers.register({ number: '+14155550123', label: 'Front desk' });
    expect(number).toMatchObject({ number: '+14155550123', status: 'available', pipe_id: null });

    const attached = await client.numbers.attach(number.id, first.id);
    expect(attached).toMatchObject({ id: number.id, status: 'assigned', pipe_id: first.id });
    expect((await client.pipes.get(first.id)).numbers).toEqual(['+14155550123']);

    const clash = await client.numbers.attach(number.id, second.id).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(ConflictError);
    expect(clash).toMatchObject({ status: 409, code: 'number_already_attached' });

    const listed = await client.numbers.list({ pipe_id: first.id, prefix: '+1415' });
    expect(listed.data.map((n) => n.id)).toEqual([number.id]);

    await client.numbers.detach(number.id);
    expect(await client.numbers.attach(number.id, second.id)).toMatchObject({ pipe_id: second.id });
  });

  it('iterates pipes across pages', async () => {
    const created: Pipe[] = [];
    for (let i = 0; i < 5; i++) created.push(await createPipe('pager', `Pager ${String(i)}`));

    const first = await client.pipes.list({ agent_id: 'pager', limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_cursor).not.toBeNull();

    const ids: string[] = [];
    for await (const pipe of client.pipes.list({ agent_id: 'pager', limit: 2 })) ids.push(pipe.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids)).toEqual(new Set(created.map((p) => p.id)));
  });

  it('throws NotFoundError for an unknown id', async () => {
    const error = await client.pipes.get('PIPE_0000000000NOSUCHPIPE000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
    expect((error as NotFoundError).requestId).toEqual(expect.any(String));
  });

  it('throws ValidationError naming the field at fault', async () => {
    const error = await client.pipes.create({ name: 'Bad', agent_id: 'has spaces' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 422, code: 'validation_failed', field: 'agent_id' });
  });

  it('replays a POST with the same idempotency key and refuses the key for another body', async () => {
    const once = await client.pipes.create({ name: 'Once', agent_id: 'idem' }, { idempotencyKey: 'e2e-idem-1' });
    const again = await client.pipes.create({ name: 'Once', agent_id: 'idem' }, { idempotencyKey: 'e2e-idem-1' });
    expect(again.id).toBe(once.id);
    const reused = await client.pipes
      .create({ name: 'Twice', agent_id: 'idem' }, { idempotencyKey: 'e2e-idem-1' })
      .catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(ConflictError);
    expect(reused).toMatchObject({ code: 'idempotency_key_reused' });
    expect((await client.pipes.list({ agent_id: 'idem' })).data).toHaveLength(1);
  });

  it('creates a text call and reads it back; with no runner for the agent it fails fast', async () => {
    const pipe = await createPipe('texter');
    expect((await client.workers.list({ agent_id: 'texter' })).data).toEqual([]);

    const call = await client.calls.create({ pipe_id: pipe.id });
    expect(call).toMatchObject({ pipe_id: pipe.id, agent_id: 'texter', transport: 'text', direction: 'inbound' });
    expect(call).toMatchObject({ status: 'failed', end_reason: 'no_worker_available' });

    const fetched = await client.calls.get(call.id);
    expect(fetched).toMatchObject({ id: call.id, pipe_id: pipe.id, transport: 'text', status: 'failed' });
    expect(fetched.transcript).toEqual([]);
    expect(fetched.turn_metrics).toEqual([]);
    expect(fetched.client_url).toBeUndefined();

    const listed = await client.calls.list({ pipe_id: pipe.id, transport: 'text' });
    expect(listed.data.map((c) => c.id)).toEqual([call.id]);
    expect(listed.data[0]?.transcript).toBeUndefined();

    await expect(client.calls.recording(call.id)).rejects.toMatchObject({ constructor: NotFoundError, code: 'not_found' });
    await expect(client.calls.hangup(call.id)).rejects.toMatchObject({ constructor: ConflictError, code: 'call_not_active' });
  });

  it('creates a key that works until it is revoked', async () => {
    const created = await client.apiKeys.create({ name: 'short-lived' });
    expect(created.key).toMatch(/^sk_/);
    const other = new Client({ apiKey: created.key, baseUrl: server.baseUrl });
    expect((await other.spaces.get(server.spaceId)).id).toBe(server.spaceId);

    expect(await client.apiKeys.revoke(created.id)).toMatchObject({ id: created.id, status: 'revoked' });
    const error = await other.spaces.get(server.spaceId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'unauthorized' });
  });
});
