import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, expectErrorShape, freshNumber, openHarness, workerView, type Harness } from './rest-harness.mjs';

/** Every list endpoint and how to put more than one page of items into it. */
const LISTS: Array<{ path: string; seed?: (h: Harness, i: number) => Promise<void> }> = [
  { path: '/v1/api-keys', seed: async (h, i) => void (await h.request('POST', '/v1/api-keys', { json: { name: `k${i}` } })) },
  { path: '/v1/voice-profiles' },
  { path: '/v1/voice-profiles?language=en' },
  { path: '/v1/pipes', seed: async (h, i) => void (await h.request('POST', '/v1/pipes', { json: { name: `p${i}`, agent_id: 'paged' } })) },
  { path: '/v1/pipes?agent_id=paged' },
  { path: '/v1/trunks', seed: async (h, i) => void (await h.request('POST', '/v1/trunks', { json: { name: `t${i}`, host: 'h.example' } })) },
  { path: '/v1/numbers', seed: async (h) => void (await h.request('POST', '/v1/numbers', { json: { number: freshNumber() } })) },
  { path: '/v1/numbers?status=available' },
  { path: '/v1/calls', seed: async (h) => void (await h.request('POST', '/v1/calls', { json: { agent_id: 'paged' } })) },
  { path: '/v1/calls?agent_id=paged&transport=text' },
  { path: '/v1/workers' },
];

const ITEMS = 7;
const LIMIT = 3;

describe.each(DATABASES)('REST pagination and idempotency (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
    for (const list of LISTS) for (let i = 0; i < ITEMS; i++) await list.seed?.(h, i);
    h.workers.bySpace.set(h.spaceId, Array.from({ length: ITEMS }, (_, i) => workerView(`worker-${i}`, 'paged')));
  });
  afterAll(async () => {
    await h?.close();
  });

  const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;
  const idOf = (item: { id?: string; worker_id?: string }) => item.id ?? item.worker_id!;

  describe('cursor pagination', () => {
    it.each(LISTS.map((l) => l.path))('%s: walking pages yields the full list once, in order', async (path) => {
      const full = await h.request('GET', withQuery(path, 'limit=200'));
      expect(full.status).toBe(200);
      const expected = (full.body.data as Array<{ id?: string; worker_id?: string }>).map(idOf);
      expect(full.body.next_cursor).toBeNull();
      expect(expected.length).toBeGreaterThan(LIMIT);

      const walked: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await h.request('GET', withQuery(path, `limit=${LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
        expect(res.status, res.text).toBe(200);
        const data = res.body.data as Array<{ id?: string; worker_id?: string }>;
        expect(data.length).toBeLessThanOrEqual(LIMIT);
        walked.push(...data.map(idOf));
        cursor = res.body.next_cursor as string | null;
        if (cursor !== null) expect(data.length).toBe(LIMIT);
        pages += 1;
        expect(pages).toBeLessThan(100);
      } while (cursor !== null);

      expect(walked).toEqual(expected);
      expect(new Set(walked).size).toBe(walked.length);
      expect(pages).toBe(Math.ceil(expected.length / LIMIT));
    });

    it.each([...LISTS.map((l) => l.path), '/v1/spaces'])('%s: a bad cursor is 400 invalid_cursor', async (path) => {
      // Not base64url at all, a NUL byte, a lone char that decodes to nothing; and for lists over
      // stored ids, a well-formed encoding of something that is not an id ("not-an-id").
      const bad = ['!!!', '%00', 'a', ...(path.startsWith('/v1/workers') ? [] : ['bm90LWFuLWlk'])];
      for (const cursor of bad) {
        const res = await h.request('GET', withQuery(path, `cursor=${cursor}`));
        expect(res.status, `${path} cursor=${cursor}: ${res.text}`).toBe(400);
        expect(expectErrorShape(res)).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
      }
    });

    it('clamps nothing silently: limit outside 1..200 is 422 on field limit', async () => {
      for (const limit of ['0', '201', '2.5', 'ten']) {
        const res = await h.request('GET', `/v1/pipes?limit=${limit}`);
        expect(res.status).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'limit' });
      }
    });
  });

  describe('Idempotency-Key', () => {
    const countPipes = async (agent: string) => ((await h.request('GET', `/v1/pipes?limit=200&agent_id=${agent}`)).body.data as unknown[]).length;

    it('replays the first response for the same key and body, creating once', async () => {
      const headers = { 'idempotency-key': `create-pipe-${kind}` };
      const body = { name: 'idem', agent_id: 'idem-agent' };
      const first = await h.request('POST', '/v1/pipes', { json: body, headers });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const second = await h.request('POST', '/v1/pipes', { json: body, headers });
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body).toEqual(first.body);
      expect(await countPipes('idem-agent')).toBe(1);

      // Without a key, the same body creates again.
      expect((await h.request('POST', '/v1/pipes', { json: body })).body.id).not.toBe(first.body.id);
    });

    it('refuses the same key with a different body or another endpoint with 409 idempotency_key_reused', async () => {
      const headers = { 'idempotency-key': `reuse-${kind}` };
      expect((await h.request('POST', '/v1/pipes', { json: { name: 'a', agent_id: 'reuse' }, headers })).status).toBe(201);
      const changed = await h.request('POST', '/v1/pipes', { json: { name: 'b', agent_id: 'reuse' }, headers });
      expect(changed.status).toBe(409);
      expect(expectErrorShape(changed)).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
      const elsewhere = await h.request('POST', '/v1/api-keys', { json: { name: 'a' }, headers });
      expect(elsewhere.status).toBe(409);
      expect(expectErrorShape(elsewhere).code).toBe('idempotency_key_reused');
      expect(await countPipes('reuse')).toBe(1);
    });

    it('launches a call once however often the create is retried', async () => {
      const headers = { 'idempotency-key': `call-${kind}` };
      const launched = h.live.launched.length;
      const first = await h.request('POST', '/v1/calls', { json: { agent_id: 'idem-call' }, headers });
      const retry = await h.request('POST', '/v1/calls', { json: { agent_id: 'idem-call' }, headers });
      expect(first.status).toBe(201);
      expect(retry.body.id).toBe(first.body.id);
      expect(retry.body.client_url).toBe(first.body.client_url);
      expect(h.live.launched.length).toBe(launched + 1);
    });

    it('replays a 4xx outcome of the handler too', async () => {
      const headers = { 'idempotency-key': `fail-${kind}` };
      const body = { name: 'x', agent_id: 'x', voice_profile: 'Unknown Voice' };
      const first = await h.request('POST', '/v1/pipes', { json: body, headers });
      expect(first.status).toBe(422);
      const second = await h.request('POST', '/v1/pipes', { json: body, headers });
      expect(second.status).toBe(422);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
    });

    it('creates once when two requests with one key race', async () => {
      const headers = { 'idempotency-key': `race-${kind}` };
      const body = { name: 'race', agent_id: 'race-agent' };
      const results = await Promise.all([1, 2, 3].map(() => h.request('POST', '/v1/pipes', { json: body, headers })));
      for (const r of results) {
        if (r.status !== 201) expect(expectErrorShape(r).code).toBe('idempotency_in_progress');
      }
      expect(new Set(results.filter((r) => r.status === 201).map((r) => r.body.id)).size).toBe(1);
      expect(await countPipes('race-agent')).toBe(1);
    });

    it('validates the key: 1-255 visible ASCII characters', async () => {
      for (const key of ['x'.repeat(256), 'has space', 'tab\tkey']) {
        const res = await h.request('POST', '/v1/pipes', { json: { name: 'k', agent_id: 'k' }, headers: { 'idempotency-key': key } });
        expect(res.status).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'Idempotency-Key' });
      }
      expect(await countPipes('k')).toBe(0);
    });

    it('keeps keys per space: another tenant with the same key gets its own result', async () => {
      const other = await h.newTenant();
      const headers = { 'idempotency-key': `shared-${kind}` };
      const mine = await h.request('POST', '/v1/pipes', { json: { name: 'mine', agent_id: 'shared' }, headers });
      const theirs = await h.request('POST', '/v1/pipes', { json: { name: 'mine', agent_id: 'shared' }, headers, key: other.key });
      expect(mine.status).toBe(201);
      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(mine.body.id);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
      expect((await h.request('GET', `/v1/pipes/${theirs.body.id}`, { key: other.key })).status).toBe(200);
      expect((await h.request('GET', `/v1/pipes/${theirs.body.id}`)).status).toBe(404);
    });
  });
});
