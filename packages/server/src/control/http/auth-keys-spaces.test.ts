import { ApiKey, ApiKeyCreated, ErrorBody, Health, Space, page } from '@unpod/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, expectErrorShape, openHarness, type Harness } from './rest-harness.mjs';

describe.each(DATABASES)('REST auth, routing, api-keys, spaces, health, openapi (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('health', () => {
    it('answers without a key and names the database', async () => {
      const res = await h.request('GET', '/v1/health', { key: null });
      expect(res.status).toBe(200);
      const health = Health.parse(res.body);
      expect(health).toMatchObject({ status: 'ok', database: kind, node_id: 'test-node' });
      expect(health.uptime_s).toBeGreaterThanOrEqual(0);
    });
  });

  describe('authentication', () => {
    it('refuses a request without a key with 401 unauthorized', async () => {
      const res = await h.request('GET', '/v1/pipes', { key: null });
      expect(res.status).toBe(401);
      expect(expectErrorShape(res).code).toBe('unauthorized');
    });

    it('refuses an unknown key, a non-sk key and a non-Bearer scheme alike', async () => {
      for (const headers of [
        { authorization: 'Bearer sk_not_a_real_key' },
        { authorization: 'Bearer xx_abc' },
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        { authorization: `Token ${h.key}` },
      ]) {
        const res = await h.request('GET', '/v1/pipes', { key: null, headers });
        expect(res.status).toBe(401);
        expect(expectErrorShape(res).code).toBe('unauthorized');
      }
    });

    it('accepts the bearer scheme case-insensitively', async () => {
      const res = await h.request('GET', '/v1/pipes', { key: null, headers: { authorization: `bearer ${h.key}` } });
      expect(res.status).toBe(200);
    });

    it('echoes a well-formed X-Request-Id and mints one otherwise', async () => {
      const echoed = await h.request('GET', '/v1/health', { key: null, headers: { 'x-request-id': 'req-123.abc' } });
      expect(echoed.headers.get('x-request-id')).toBe('req-123.abc');
      const minted = await h.request('GET', '/v1/health', { key: null, headers: { 'x-request-id': 'bad id with spaces' } });
      expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('routing', () => {
    it('answers an unknown route with 404 not_found', async () => {
      for (const path of ['/v1/nope', '/v1/pipes/PIPE_x/nope', '/nope']) {
        const res = await h.request('GET', path);
        expect(res.status).toBe(404);
        expect(expectErrorShape(res).code).toBe('not_found');
      }
    });

    it('answers a known path with a wrong method with 405 and an Allow header', async () => {
      const put = await h.request('PUT', '/v1/pipes', { json: {} });
      expect(put.status).toBe(405);
      expect(expectErrorShape(put).code).toBe('method_not_allowed');
      expect(put.headers.get('allow')).toBe('GET, POST');

      const del = await h.request('DELETE', `/v1/spaces/${h.spaceId}`);
      expect(del.status).toBe(405);
      expect(del.headers.get('allow')).toBe('GET, PATCH');

      const getHangup = await h.request('GET', '/v1/calls/SCL_x/hangup');
      expect(getHangup.status).toBe(405);
      expect(getHangup.headers.get('allow')).toBe('POST');
    });
  });

  describe('api-keys', () => {
    it('shows the raw key once on create, then only the masked form', async () => {
      const created = await h.request('POST', '/v1/api-keys', { json: { name: 'ci' } });
      expect(created.status).toBe(201);
      const key = ApiKeyCreated.parse(created.body);
      expect(key).toMatchObject({ name: 'ci', space_id: h.spaceId, status: 'active', revoked_at: null });
      expect(key.key).toMatch(/^sk_[A-Za-z0-9_-]{40,}$/);
      expect(key.masked_key).toMatch(/^sk_.{4}….{4}$/);
      expect(key.key.startsWith(key.masked_key.slice(0, 7))).toBe(true);

      const one = await h.request('GET', `/v1/api-keys/${key.id}`);
      expect(one.status).toBe(200);
      expect(ApiKey.strict().parse(one.body).masked_key).toBe(key.masked_key);
      expect(one.text).not.toContain(key.key);

      const list = await h.request('GET', '/v1/api-keys?limit=200');
      expect(list.status).toBe(200);
      const keys = page(ApiKey.strict()).parse(list.body).data;
      expect(keys.map((k) => k.id)).toContain(key.id);
      expect(list.text).not.toContain(key.key);
      expect(list.text).not.toContain(h.key);
    });

    it('authenticates with a created key and rejects it at once after revocation', async () => {
      const created = ApiKeyCreated.parse((await h.request('POST', '/v1/api-keys', { json: { name: 'short-lived' } })).body);
      expect((await h.request('GET', '/v1/pipes', { key: created.key })).status).toBe(200);

      const revoked = await h.request('DELETE', `/v1/api-keys/${created.id}`);
      expect(revoked.status).toBe(200);
      expect(ApiKey.parse(revoked.body)).toMatchObject({ id: created.id, status: 'revoked' });
      expect(revoked.body.revoked_at).toEqual(expect.any(String));

      const after = await h.request('GET', '/v1/pipes', { key: created.key });
      expect(after.status).toBe(401);
      expect(expectErrorShape(after).code).toBe('unauthorized');

      // Revoking twice is harmless; the first revocation time stays.
      const again = await h.request('DELETE', `/v1/api-keys/${created.id}`);
      expect(again.status).toBe(200);
      expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    });

    it('lets a key revoke itself, after which it is refused', async () => {
      const created = ApiKeyCreated.parse((await h.request('POST', '/v1/api-keys', { json: { name: 'self' } })).body);
      expect((await h.request('DELETE', `/v1/api-keys/${created.id}`, { key: created.key })).status).toBe(200);
      expect((await h.request('GET', '/v1/api-keys', { key: created.key })).status).toBe(401);
    });

    it('trims names and rejects empty or overlong ones', async () => {
      const trimmed = await h.request('POST', '/v1/api-keys', { json: { name: '  deploy  ' } });
      expect(trimmed.body.name).toBe('deploy');
      for (const name of ['', '   ', 'x'.repeat(101)]) {
        const res = await h.request('POST', '/v1/api-keys', { json: { name } });
        expect(res.status).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'name' });
      }
    });

    it('answers unknown key ids with 404', async () => {
      for (const [method, path] of [
        ['GET', '/v1/api-keys/AK_00000000000000000000000000'],
        ['DELETE', '/v1/api-keys/AK_00000000000000000000000000'],
        ['GET', '/v1/api-keys/not-an-id'],
      ] as const) {
        const res = await h.request(method, path);
        expect(res.status).toBe(404);
        expect(expectErrorShape(res).code).toBe('not_found');
      }
    });
  });

  describe('spaces', () => {
    it("lists exactly the caller's space", async () => {
      const res = await h.request('GET', '/v1/spaces');
      expect(res.status).toBe(200);
      const spaces = page(Space).parse(res.body);
      expect(spaces.data.map((s) => s.id)).toEqual([h.spaceId]);
      expect(spaces.next_cursor).toBeNull();
    });

    it('gets and renames its own space', async () => {
      const got = await h.request('GET', `/v1/spaces/${h.spaceId}`);
      expect(got.status).toBe(200);
      expect(Space.parse(got.body).id).toBe(h.spaceId);

      const name = `renamed-${kind}-${Date.now()}`;
      const renamed = await h.request('PATCH', `/v1/spaces/${h.spaceId}`, { json: { name } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: h.spaceId, name });
      expect((await h.request('GET', `/v1/spaces/${h.spaceId}`)).body.name).toBe(name);
    });

    it('refuses names outside the allowed characters', async () => {
      for (const name of ['', '-leading-dash', 'semi;colon', 'x'.repeat(101)]) {
        const res = await h.request('PATCH', `/v1/spaces/${h.spaceId}`, { json: { name } });
        expect(res.status).toBe(422);
        expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'name' });
      }
    });

    it('answers any other space id with 404', async () => {
      const res = await h.request('GET', '/v1/spaces/SPC_00000000000000000000000000');
      expect(res.status).toBe(404);
      expect(expectErrorShape(res).code).toBe('not_found');
    });
  });

  describe('openapi.json', () => {
    // Structure per OpenAPI 3.0.3: paths -> lower-case methods -> operations with responses.
    it('is served without a key and lists every route with its method and path parameters', async () => {
      const res = await h.request('GET', '/openapi.json', { key: null });
      expect(res.status).toBe(200);
      const doc = res.body as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>> };
      expect(doc.openapi).toBe('3.0.3');
      expect(doc.info.title).toBe('Unpod API');

      const { allRoutes } = await import('./app.js');
      const routes = allRoutes({} as never);
      expect(routes.length).toBeGreaterThan(30);
      for (const r of routes) {
        const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
        const op = doc.paths[path]?.[r.method];
        expect(op, `${r.method.toUpperCase()} ${path} missing from openapi.json`).toBeDefined();
        expect(op!.summary).toBe(r.summary);
        expect(Object.keys(op!.responses)).toContain(String(r.status ?? 200));
        expect(op!.responses.default).toBeDefined();
        const declared = op!.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort();
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(declared).toEqual(inPath);
        if (r.body) expect(op!.requestBody?.content['application/json']?.schema).toBeDefined();
      }
      // Nothing extra: the document describes exactly the mounted routes.
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
      expect(documented.length).toBe(routes.length);
      // The error schema is the protocol's.
      const errorSchema = doc.paths['/v1/pipes']!.get!.responses.default!.content!['application/json']!.schema as { properties: Record<string, unknown> };
      expect(Object.keys(errorSchema.properties)).toEqual(Object.keys(ErrorBody.shape));
    });

    it('marks health as public and idempotent POSTs with the Idempotency-Key header', async () => {
      const doc = (await h.request('GET', '/openapi.json', { key: null })).body as { paths: Record<string, Record<string, Operation>> };
      expect(doc.paths['/v1/health']!.get!.security).toEqual([]);
      const createPipe = doc.paths['/v1/pipes']!.post!;
      expect(createPipe.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')).toBe(true);
      const hangup = doc.paths['/v1/calls/{id}/hangup']!.post!;
      expect(hangup.parameters.some((p) => p.name === 'Idempotency-Key')).toBe(false);
    });
  });
});

interface Operation {
  summary: string;
  parameters: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}
