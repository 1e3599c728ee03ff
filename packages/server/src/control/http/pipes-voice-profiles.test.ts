import { DEFAULT_TRANSFER_REFUSAL, Pipe, VoiceProfile, page } from '@unpod/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, expectErrorShape, freshNumber, openHarness, type Harness } from './rest-harness.mjs';

describe.each(DATABASES)('REST voice profiles and pipes (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  const profiles = async (query = ''): Promise<VoiceProfile[]> => {
    const res = await h.request('GET', `/v1/voice-profiles?limit=200${query}`);
    expect(res.status).toBe(200);
    return page(VoiceProfile).parse(res.body).data;
  };
  const createPipe = async (body: Record<string, unknown>) => {
    const res = await h.request('POST', '/v1/pipes', { json: body });
    expect(res.status, res.text).toBe(201);
    return Pipe.parse(res.body);
  };

  describe('voice profiles', () => {
    it('lists the seeded catalog with embedded offline profiles', async () => {
      const all = await profiles();
      expect(all.length).toBeGreaterThanOrEqual(8);
      expect(all.map((p) => p.id)).toContain('VP_embedded_en');
      const embedded = all.find((p) => p.id === 'VP_embedded_en')!;
      expect(embedded).toMatchObject({ offline: true, quality: 'embedded', language: 'en' });
      expect(embedded.stt_chain[0]!.provider).toBe('pocketsphinx');
    });

    it('filters by language: only profiles serving it, and really fewer for a rarer language', async () => {
      const all = await profiles();
      for (const [language, expected] of [
        ['en', all.filter((p) => p.languages.some((l) => l.split('-')[0] === 'en'))],
        ['ja', all.filter((p) => p.languages.includes('ja'))],
        ['en-US', all.filter((p) => p.languages.some((l) => l === 'en' || l === 'en-US'))],
      ] as const) {
        const got = await profiles(`&language=${language}`);
        expect(got.map((p) => p.id).sort(), language).toEqual(expected.map((p) => p.id).sort());
      }
      const ja = await profiles('&language=ja');
      expect(ja.length).toBeGreaterThan(0);
      expect(ja.length).toBeLessThan(all.length);
    });

    it('matches language tags exactly, not as substrings (en never matches ben)', async () => {
      const step = '[{"provider":"x","model":null,"voice":null,"language":null,"options":{}}]';
      await h.store.db.kysely
        .insertInto('voice_profiles')
        .values({
          id: 'VP_space_bengali',
          space_id: h.spaceId,
          name: 'Bengali',
          description: 'space-owned',
          language: 'ben',
          languages: '["ben"]',
          gender: null,
          quality: 'standard',
          offline: 0,
          stt_chain: step,
          tts_chain: step,
          latency_ms: 1,
          cost_per_min_usd: 0,
          greeting: null,
          created_at: new Date().toISOString(),
        })
        .execute();
      expect((await profiles('&language=ben')).map((p) => p.id)).toEqual(['VP_space_bengali']);
      expect((await profiles('&language=en')).map((p) => p.id)).not.toContain('VP_space_bengali');
      expect((await profiles()).map((p) => p.id)).toContain('VP_space_bengali');
    });

    it('filters by language: hi returns the Hindi and multilingual profiles only', async () => {
      const hi = await profiles('&language=hi');
      const ids = hi.map((p) => p.id);
      expect(ids).toContain('VP_azure_hi');
      expect(ids).toContain('VP_openai_alloy');
      expect(ids).not.toContain('VP_embedded_en');
      expect(ids).not.toContain('VP_deepgram_thalia');
      for (const p of hi) expect(p.languages.map((l) => l.split('-')[0])).toContain('hi');
      // A regional tag narrows to the same set here; an unserved language returns nothing.
      expect((await profiles('&language=hi-IN')).map((p) => p.id).sort()).toEqual([...ids].sort());
      expect(await profiles('&language=xx')).toEqual([]);
    });

    it('filters by offline=true and offline=false', async () => {
      const offline = await profiles('&offline=true');
      expect(offline.length).toBeGreaterThan(0);
      expect(offline.every((p) => p.offline)).toBe(true);
      const online = await profiles('&offline=false');
      expect(online.length).toBeGreaterThan(0);
      expect(online.every((p) => !p.offline)).toBe(true);
      expect(offline.length + online.length).toBe((await profiles()).length);
      const offlineEn = await profiles('&offline=true&language=en');
      expect(offlineEn.map((p) => p.id).sort()).toEqual(offline.filter((p) => p.languages.includes('en')).map((p) => p.id).sort());
    });

    it('gets one profile by id; unknown ids are 404', async () => {
      const res = await h.request('GET', '/v1/voice-profiles/VP_azure_hi');
      expect(res.status).toBe(200);
      expect(VoiceProfile.parse(res.body).languages).toContain('hi');
      const missing = await h.request('GET', '/v1/voice-profiles/VP_nope');
      expect(missing.status).toBe(404);
      expect(expectErrorShape(missing).code).toBe('not_found');
    });

    it('rejects bad filter values with 422 naming the parameter', async () => {
      for (const [query, field] of [
        ['offline=yes', 'offline'],
        ['language=e', 'language'],
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['limit=abc', 'limit'],
        ['color=blue', 'color'],
      ] as const) {
        const res = await h.request('GET', `/v1/voice-profiles?${query}`);
        expect(res.status, query).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field });
      }
    });
  });

  describe('pipes', () => {
    it('creates a pipe with documented defaults', async () => {
      const pipe = await createPipe({ name: 'support', agent_id: 'support-bot' });
      expect(pipe.id).toMatch(/^PIPE_/);
      expect(pipe).toMatchObject({
        name: 'support',
        agent_id: 'support-bot',
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
        numbers: [],
      });
      const got = await h.request('GET', `/v1/pipes/${pipe.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(pipe);
    });

    it('stores every field it is given', async () => {
      const body = {
        name: 'sales',
        agent_id: 'sales.bot:v2@eu',
        voice_profile: 'VP_openai_alloy',
        greeting: 'Hello!',
        first_speaker: 'user',
        instructions: 'Be brief.',
        recording: true,
        max_call_duration_s: 600,
        idle_timeout_s: 10,
        silence_timeout_s: 3,
        endpointing: { silence_ms: 400, max_turn_s: 20, barge_in: false, barge_in_min_ms: 100 },
        transfer_allowed_numbers: ['+14155550100'],
        transfer_allowed_prefixes: ['+44'],
        transfer_refusal_phrase: 'No.',
        stt_hints: ['yes', 'no', 'speak to a human'],
      };
      const pipe = await createPipe(body);
      expect(pipe).toMatchObject(body);
      expect((await h.request('GET', `/v1/pipes/${pipe.id}`)).body).toMatchObject(body);
    });

    it('resolves voice_profile by id or case-insensitive name', async () => {
      expect((await createPipe({ name: 'a', agent_id: 'a', voice_profile: 'VP_azure_hi' })).voice_profile).toBe('VP_azure_hi');
      expect((await createPipe({ name: 'b', agent_id: 'b', voice_profile: 'azure swara (HINDI)' })).voice_profile).toBe('VP_azure_hi');
      expect((await createPipe({ name: 'c', agent_id: 'c', voice_profile: '  Embedded English  ' })).voice_profile).toBe('VP_embedded_en');
    });

    it('answers an unknown voice profile with 422 voice_profile_not_found on field voice_profile', async () => {
      const res = await h.request('POST', '/v1/pipes', { json: { name: 'x', agent_id: 'x', voice_profile: 'No Such Voice' } });
      expect(res.status).toBe(422);
      expect(expectErrorShape(res)).toMatchObject({ code: 'voice_profile_not_found', field: 'voice_profile' });
      const pipe = await createPipe({ name: 'y', agent_id: 'y' });
      const patch = await h.request('PATCH', `/v1/pipes/${pipe.id}`, { json: { voice_profile: 'VP_missing' } });
      expect(patch.status).toBe(422);
      expect(expectErrorShape(patch)).toMatchObject({ code: 'voice_profile_not_found', field: 'voice_profile' });
      expect((await h.request('GET', `/v1/pipes/${pipe.id}`)).body.voice_profile).toBe('VP_embedded_en');
    });

    it('PATCH changes only the given fields and merges endpointing key by key', async () => {
      const pipe = await createPipe({ name: 'merge', agent_id: 'merge', greeting: 'hi', endpointing: { silence_ms: 700 } });
      expect(pipe.endpointing).toEqual({ silence_ms: 700, max_turn_s: 30, barge_in: true, barge_in_min_ms: 250 });

      const res = await h.request('PATCH', `/v1/pipes/${pipe.id}`, { json: { endpointing: { barge_in: false }, name: 'merged', voice_profile: 'thalia' } });
      expect(res.status).toBe(200);
      const updated = Pipe.parse(res.body);
      expect(updated.endpointing).toEqual({ silence_ms: 700, max_turn_s: 30, barge_in: false, barge_in_min_ms: 250 });
      const hinted = await h.request('PATCH', `/v1/pipes/${pipe.id}`, { json: { stt_hints: ['yes', 'no'] } });
      expect(Pipe.parse(hinted.body)).toMatchObject({ stt_hints: ['yes', 'no'], name: 'merged' });
      const unhinted = await h.request('PATCH', `/v1/pipes/${pipe.id}`, { json: { stt_hints: null } });
      expect(Pipe.parse(unhinted.body).stt_hints).toBeNull();
      expect(updated).toMatchObject({ name: 'merged', greeting: 'hi', agent_id: 'merge', voice_profile: 'VP_deepgram_thalia', created_at: pipe.created_at });
      expect(updated.updated_at >= pipe.updated_at).toBe(true);

      // null clears a nullable field; an empty PATCH changes nothing.
      const cleared = await h.request('PATCH', `/v1/pipes/${pipe.id}`, { json: { greeting: null, transfer_allowed_numbers: [] } });
      expect(cleared.body).toMatchObject({ greeting: null, transfer_allowed_numbers: [] });
      const same = await h.request('PATCH', `/v1/pipes/${pipe.id}`, { json: {} });
      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({ greeting: null, name: 'merged', endpointing: updated.endpointing });
    });

    it('lists pipes with the agent_id filter and shows attached numbers', async () => {
      const pipe = await createPipe({ name: 'listed', agent_id: 'list-agent' });
      await createPipe({ name: 'other', agent_id: 'other-agent' });
      const number = freshNumber();
      expect((await h.request('POST', '/v1/numbers', { json: { number, pipe_id: pipe.id } })).status).toBe(201);

      const res = await h.request('GET', '/v1/pipes?agent_id=list-agent');
      expect(res.status).toBe(200);
      const listed = page(Pipe).parse(res.body).data;
      expect(listed.map((p) => p.id)).toEqual([pipe.id]);
      expect(listed[0]!.numbers).toEqual([number]);
      expect((await h.request('GET', '/v1/pipes?agent_id=nobody')).body.data).toEqual([]);
    });

    it('deletes a pipe: 204, then 404, and its numbers become available', async () => {
      const pipe = await createPipe({ name: 'doomed', agent_id: 'doomed' });
      const number = await h.request('POST', '/v1/numbers', { json: { number: freshNumber(), pipe_id: pipe.id } });
      expect(number.body.status).toBe('assigned');

      const del = await h.request('DELETE', `/v1/pipes/${pipe.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expect((await h.request('GET', `/v1/pipes/${pipe.id}`)).status).toBe(404);
      expect((await h.request('DELETE', `/v1/pipes/${pipe.id}`)).status).toBe(404);
      expect((await h.request('PATCH', `/v1/pipes/${pipe.id}`, { json: { name: 'x' } })).status).toBe(404);
      const freed = await h.request('GET', `/v1/numbers/${number.body.id}`);
      expect(freed.body).toMatchObject({ status: 'available', pipe_id: null });
    });

    it('rejects out-of-range and malformed pipe fields with the field named', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ agent_id: 'x' }, 'name'],
        [{ name: 'x' }, 'agent_id'],
        [{ name: 'x', agent_id: 'has space' }, 'agent_id'],
        [{ name: 'x', agent_id: '-dash-first' }, 'agent_id'],
        [{ name: 'x', agent_id: 'x', max_call_duration_s: 5 }, 'max_call_duration_s'],
        [{ name: 'x', agent_id: 'x', first_speaker: 'nobody' }, 'first_speaker'],
        [{ name: 'x', agent_id: 'x', endpointing: { silence_ms: 50 } }, 'endpointing.silence_ms'],
        [{ name: 'x', agent_id: 'x', endpointing: { color: 'red' } }, 'endpointing.color'],
        [{ name: 'x', agent_id: 'x', transfer_allowed_numbers: ['0800 123'] }, 'transfer_allowed_numbers.0'],
        [{ name: 'x', agent_id: 'x', transfer_allowed_prefixes: ['44'] }, 'transfer_allowed_prefixes.0'],
        [{ name: 'x', agent_id: 'x', transfer_refusal_phrase: '  ' }, 'transfer_refusal_phrase'],
        [{ name: 'x', agent_id: 'x', stt_hints: 'yes' }, 'stt_hints'],
        [{ name: 'x', agent_id: 'x', stt_hints: ['yes', ' '] }, 'stt_hints.1'],
        [{ name: 'x', agent_id: 'x', stt_hints: ['x'.repeat(201)] }, 'stt_hints.0'],
      ];
      for (const [body, field] of cases) {
        const res = await h.request('POST', '/v1/pipes', { json: body });
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field });
      }
    });
  });
});
