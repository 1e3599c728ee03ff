import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, expectErrorShape, freshNumber, openHarness, workerView, type ApiResponse, type Harness } from './rest-harness.mjs';

/** Well-formed ids that exist nowhere, one per kind. */
const MISSING = {
  space: 'SPC_00000000000000000000000000',
  apiKey: 'AK_00000000000000000000000000',
  pipe: 'PIPE_00000000000000000000000000',
  trunk: 'TRK_00000000000000000000000000',
  number: 'NUM_00000000000000000000000000',
  call: 'SCL_00000000000000000000000000',
  voiceProfile: 'VP_00000000000000000000000000',
};
type Kind = keyof typeof MISSING;

/**
 * Space A's key against space B's resources: every answer must be exactly what A gets for an id
 * that exists nowhere (404, not 403, same body), and B's resources must stay untouched.
 */
describe.each(DATABASES)('REST tenancy (%s)', (kind) => {
  let h: Harness;
  let b: { key: string; spaceId: string };
  let theirs: Record<Kind, string>;
  let mine: { pipe: string; number: string };
  const SECRET = 'b-trunk-password-xyz';

  beforeAll(async () => {
    h = await openHarness(kind);
    b = await h.newTenant();
    const asB = (method: string, path: string, json?: unknown) => h.request(method, path, { key: b.key, ...(json !== undefined ? { json } : {}) });

    const pipe = (await asB('POST', '/v1/pipes', { name: 'b-pipe', agent_id: 'b-agent', instructions: 'B secret instructions' })).body.id;
    const trunk = (await asB('POST', '/v1/trunks', { name: 'b-trunk', host: 'b.example', password: SECRET, dids: [freshNumber()] })).body.id;
    const number = (await asB('POST', '/v1/numbers', { number: freshNumber(), pipe_id: pipe, trunk_id: trunk })).body.id;
    const call = (await asB('POST', '/v1/calls', { pipe_id: pipe })).body.id;
    const apiKey = (await asB('POST', '/v1/api-keys', { name: 'b-extra' })).body.id;
    // Voice profiles cannot be created over REST yet; a space-owned row is what one would look like.
    const voiceProfile = 'VP_space_b_private';
    await h.store.db.kysely
      .insertInto('voice_profiles')
      .values({
        id: voiceProfile,
        space_id: b.spaceId,
        name: 'B Private Voice',
        description: 'owned by space B',
        language: 'en',
        languages: '["en"]',
        gender: null,
        quality: 'standard',
        offline: 0,
        stt_chain: '[{"provider":"x","model":null,"voice":null,"language":null,"options":{}}]',
        tts_chain: '[{"provider":"x","model":null,"voice":null,"language":null,"options":{}}]',
        latency_ms: 1,
        cost_per_min_usd: 0,
        greeting: null,
        created_at: new Date().toISOString(),
      })
      .execute();
    theirs = { space: b.spaceId, apiKey, pipe, trunk, number, call, voiceProfile };
    h.workers.bySpace.set(b.spaceId, [workerView('b-worker', 'b-agent')]);

    mine = {
      pipe: (await h.request('POST', '/v1/pipes', { json: { name: 'a-pipe', agent_id: 'a-agent' } })).body.id,
      number: (await h.request('POST', '/v1/numbers', { json: { number: freshNumber() } })).body.id,
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A's answer for B's id equals A's answer for a missing id: same status, same bytes. */
  const expectSameAsMissing = async (method: string, path: (id: string) => string, idKind: Kind, json?: (id: string) => unknown, status = 404) => {
    const send = (id: string): Promise<ApiResponse> => h.request(method, path(id), json ? { json: json(id) } : {});
    const forTheirs = await send(theirs[idKind]);
    const forMissing = await send(MISSING[idKind]);
    expect(forTheirs.status, `${method} ${path(theirs[idKind])}`).toBe(status);
    expectErrorShape(forTheirs);
    expect(forTheirs.text).toBe(forMissing.text.replaceAll(MISSING[idKind], theirs[idKind]));
    expect(forTheirs.text).not.toContain(SECRET);
  };

  describe("A cannot read B's resources", () => {
    it.each([
      ['GET', (id: string) => `/v1/spaces/${id}`, 'space'],
      ['GET', (id: string) => `/v1/api-keys/${id}`, 'apiKey'],
      ['GET', (id: string) => `/v1/pipes/${id}`, 'pipe'],
      ['GET', (id: string) => `/v1/trunks/${id}`, 'trunk'],
      ['GET', (id: string) => `/v1/numbers/${id}`, 'number'],
      ['GET', (id: string) => `/v1/calls/${id}`, 'call'],
      ['GET', (id: string) => `/v1/calls/${id}/recording`, 'call'],
      ['GET', (id: string) => `/v1/voice-profiles/${id}`, 'voiceProfile'],
    ] as const)('%s %s', async (method, path, idKind) => {
      await expectSameAsMissing(method, path, idKind);
    });

    it("lists hold only A's own resources, whatever the filter", async () => {
      const lists = ['/v1/api-keys', '/v1/spaces', '/v1/pipes', '/v1/trunks', '/v1/numbers', '/v1/calls', '/v1/voice-profiles', '/v1/workers'];
      for (const list of lists) {
        const res = await h.request('GET', `${list}${list === '/v1/spaces' ? '' : '?limit=200'}`);
        expect(res.status).toBe(200);
        for (const id of Object.values(theirs)) expect(res.text, list).not.toContain(id);
        expect(res.text).not.toContain('b-worker');
      }
      for (const query of [`/v1/numbers?pipe_id=${theirs.pipe}`, `/v1/numbers?trunk_id=${theirs.trunk}`, `/v1/calls?pipe_id=${theirs.pipe}`, '/v1/pipes?agent_id=b-agent', '/v1/calls?agent_id=b-agent', '/v1/workers?agent_id=b-agent']) {
        expect((await h.request('GET', query)).body.data, query).toEqual([]);
      }
    });
  });

  describe("A cannot change, delete or act on B's resources", () => {
    it.each([
      ['PATCH', (id: string) => `/v1/spaces/${id}`, 'space', () => ({ name: 'hijacked' })],
      ['DELETE', (id: string) => `/v1/api-keys/${id}`, 'apiKey', undefined],
      ['PATCH', (id: string) => `/v1/pipes/${id}`, 'pipe', () => ({ name: 'hijacked' })],
      ['DELETE', (id: string) => `/v1/pipes/${id}`, 'pipe', undefined],
      ['PATCH', (id: string) => `/v1/trunks/${id}`, 'trunk', () => ({ host: 'evil.example' })],
      ['DELETE', (id: string) => `/v1/trunks/${id}`, 'trunk', undefined],
      ['POST', (id: string) => `/v1/trunks/${id}/sync`, 'trunk', undefined],
      ['PATCH', (id: string) => `/v1/numbers/${id}`, 'number', () => ({ label: 'hijacked' })],
      ['DELETE', (id: string) => `/v1/numbers/${id}`, 'number', undefined],
      ['POST', (id: string) => `/v1/numbers/${id}/detach`, 'number', undefined],
      ['POST', (id: string) => `/v1/numbers/${id}/attach`, 'number', () => ({ pipe_id: mine.pipe })],
      ['POST', (id: string) => `/v1/calls/${id}/hangup`, 'call', undefined],
    ] as const)('%s %s', async (method, path, idKind, json) => {
      await expectSameAsMissing(method, path, idKind, json);
    });

    it("cannot point its own resources at B's pipe, trunk or voice profile", async () => {
      await expectSameAsMissing('POST', () => `/v1/numbers/${mine.number}/attach`, 'pipe', (id) => ({ pipe_id: id }), 422);
      await expectSameAsMissing('POST', () => '/v1/numbers', 'pipe', (id) => ({ number: '+15550001111', pipe_id: id }), 422);
      await expectSameAsMissing('POST', () => '/v1/numbers', 'trunk', (id) => ({ number: '+15550001111', trunk_id: id }), 422);
      await expectSameAsMissing('PATCH', () => `/v1/numbers/${mine.number}`, 'trunk', (id) => ({ trunk_id: id }), 422);
      await expectSameAsMissing('POST', () => '/v1/calls', 'pipe', (id) => ({ pipe_id: id }), 422);
      await expectSameAsMissing('POST', () => '/v1/sessions/token', 'pipe', (id) => ({ pipe_id: id }), 422);
      await expectSameAsMissing('POST', () => '/v1/pipes', 'voiceProfile', (id) => ({ name: 'p', agent_id: 'p', voice_profile: id }), 422);
      await expectSameAsMissing('PATCH', () => `/v1/pipes/${mine.pipe}`, 'voiceProfile', (id) => ({ voice_profile: id }), 422);
      // By name too: B's private profile name resolves to nothing for A.
      const byName = await h.request('POST', '/v1/pipes', { json: { name: 'p', agent_id: 'p', voice_profile: 'B Private Voice' } });
      expect(expectErrorShape(byName)).toMatchObject({ code: 'voice_profile_not_found', field: 'voice_profile' });
    });

    it("a call for B's agent_id from A never uses B's pipe", async () => {
      const res = await h.request('POST', '/v1/calls', { json: { agent_id: 'b-agent' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ pipe_id: null, instructions: null });
      expect(res.text).not.toContain('B secret instructions');
    });

    it("leaves every one of B's resources as it was", async () => {
      const asB = (path: string) => h.request('GET', path, { key: b.key });
      expect((await asB(`/v1/spaces/${b.spaceId}`)).body.name).not.toBe('hijacked');
      expect((await asB(`/v1/api-keys/${theirs.apiKey}`)).body.status).toBe('active');
      expect((await asB(`/v1/pipes/${theirs.pipe}`)).body).toMatchObject({ name: 'b-pipe', numbers: [expect.any(String)] });
      expect((await asB(`/v1/trunks/${theirs.trunk}`)).body).toMatchObject({ host: 'b.example', has_password: true });
      expect((await asB(`/v1/numbers/${theirs.number}`)).body).toMatchObject({ pipe_id: theirs.pipe, trunk_id: theirs.trunk, label: null });
      expect((await asB(`/v1/calls/${theirs.call}`)).body.status).toBe('pending');
      expect(h.live.hungUp).not.toContain(theirs.call);
      expect((await asB(`/v1/voice-profiles/${theirs.voiceProfile}`)).status).toBe(200);
      expect((await asB('/v1/workers')).body.data.map((w: { worker_id: string }) => w.worker_id)).toEqual(['b-worker']);
    });
  });
});
