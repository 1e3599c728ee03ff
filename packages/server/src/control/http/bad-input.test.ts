import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from './app.js';
import { DATABASES, expectErrorShape, freshNumber, openHarness, type Harness } from './rest-harness.mjs';

/** Real resources the table's paths point at, created per database. */
interface Ids {
  space: string;
  pipe: string;
  trunk: string;
  number: string;
  call: string;
}

interface WriteRoute {
  method: 'POST' | 'PATCH';
  /** Hono path as declared in `allRoutes()`. */
  route: string;
  path: (ids: Ids) => string;
  /** A body the route accepts (so adding one unknown field is the only fault). */
  valid: (ids: Ids) => Record<string, unknown>;
  /** A body with exactly one wrong-typed field, and that field; none for body-less routes. */
  wrongType?: { body: (ids: Ids) => Record<string, unknown>; field: string };
}

const WRITE_ROUTES: WriteRoute[] = [
  { method: 'POST', route: '/v1/api-keys', path: () => '/v1/api-keys', valid: () => ({ name: 'k' }), wrongType: { body: () => ({ name: 42 }), field: 'name' } },
  {
    method: 'POST',
    route: '/v1/credentials',
    path: () => '/v1/credentials',
    valid: () => ({ provider: 'deepgram', secret: { api_key: 'dg-bad-input-key' } }),
    wrongType: { body: () => ({ provider: 7, secret: { api_key: 'k' } }), field: 'provider' },
  },
  { method: 'PATCH', route: '/v1/spaces/:id', path: (i) => `/v1/spaces/${i.space}`, valid: () => ({ name: 'valid name' }), wrongType: { body: () => ({ name: true }), field: 'name' } },
  {
    method: 'POST',
    route: '/v1/pipes',
    path: () => '/v1/pipes',
    valid: () => ({ name: 'p', agent_id: 'a' }),
    wrongType: { body: () => ({ name: 'p', agent_id: 'a', recording: 'yes' }), field: 'recording' },
  },
  {
    method: 'PATCH',
    route: '/v1/pipes/:id',
    path: (i) => `/v1/pipes/${i.pipe}`,
    valid: () => ({ name: 'p2' }),
    wrongType: { body: () => ({ max_call_duration_s: '600' }), field: 'max_call_duration_s' },
  },
  {
    method: 'POST',
    route: '/v1/trunks',
    path: () => '/v1/trunks',
    valid: () => ({ name: 't', host: 'h.example' }),
    wrongType: { body: () => ({ name: 't', host: 'h.example', port: '5060' }), field: 'port' },
  },
  {
    method: 'PATCH',
    route: '/v1/trunks/:id',
    path: (i) => `/v1/trunks/${i.trunk}`,
    valid: () => ({ name: 't2' }),
    wrongType: { body: () => ({ register: 'true' }), field: 'register' },
  },
  { method: 'POST', route: '/v1/trunks/:id/sync', path: (i) => `/v1/trunks/${i.trunk}/sync`, valid: () => ({}) },
  {
    method: 'POST',
    route: '/v1/numbers',
    path: () => '/v1/numbers',
    valid: () => ({ number: freshNumber() }),
    wrongType: { body: () => ({ number: 14155550100 }), field: 'number' },
  },
  {
    method: 'PATCH',
    route: '/v1/numbers/:id',
    path: (i) => `/v1/numbers/${i.number}`,
    valid: () => ({ label: 'l' }),
    wrongType: { body: () => ({ label: 5 }), field: 'label' },
  },
  {
    method: 'POST',
    route: '/v1/numbers/:id/attach',
    path: (i) => `/v1/numbers/${i.number}/attach`,
    valid: (i) => ({ pipe_id: i.pipe }),
    wrongType: { body: () => ({ pipe_id: 5 }), field: 'pipe_id' },
  },
  { method: 'POST', route: '/v1/numbers/:id/detach', path: (i) => `/v1/numbers/${i.number}/detach`, valid: () => ({}) },
  {
    method: 'POST',
    route: '/v1/calls',
    path: () => '/v1/calls',
    valid: () => ({ agent_id: 'a' }),
    wrongType: { body: () => ({ agent_id: 'a', data: 'not an object' }), field: 'data' },
  },
  { method: 'POST', route: '/v1/calls/:id/hangup', path: (i) => `/v1/calls/${i.call}/hangup`, valid: () => ({}) },
  {
    method: 'POST',
    route: '/v1/sessions/token',
    path: () => '/v1/sessions/token',
    valid: (i) => ({ pipe_id: i.pipe }),
    wrongType: { body: (i) => ({ pipe_id: i.pipe, ttl_s: '300' }), field: 'ttl_s' },
  },
  {
    method: 'POST',
    route: '/v1/voice-profiles/:id/sample',
    path: () => '/v1/voice-profiles/VP_embedded_en/sample',
    valid: () => ({ text: 'hello' }),
    wrongType: { body: () => ({ text: 5 }), field: 'text' },
  },
  {
    method: 'POST',
    route: '/v1/auth/login-link',
    path: () => '/v1/auth/login-link',
    valid: () => ({ token: 'll_not_a_real_token' }),
    wrongType: { body: () => ({ token: 5 }), field: 'token' },
  },
];

const label = (r: WriteRoute) => `${r.method} ${r.route}`;
const ONE_MIB = 1024 * 1024;

describe('bad-input table', () => {
  it('covers every POST and PATCH route the app mounts', () => {
    const mounted = allRoutes({} as never)
      .filter((r) => r.method === 'post' || r.method === 'patch')
      .map((r) => `${r.method.toUpperCase()} ${r.path}`)
      .sort();
    expect(WRITE_ROUTES.map(label).sort()).toEqual(mounted);
  });
});

describe.each(DATABASES)('REST bad input (%s)', (kind) => {
  let h: Harness;
  let ids: Ids;
  beforeAll(async () => {
    h = await openHarness(kind);
    const pipe = (await h.request('POST', '/v1/pipes', { json: { name: 'p', agent_id: 'a' } })).body.id as string;
    const trunk = (await h.request('POST', '/v1/trunks', { json: { name: 't', host: 'h.example' } })).body.id as string;
    const number = (await h.request('POST', '/v1/numbers', { json: { number: freshNumber() } })).body.id as string;
    const call = (await h.request('POST', '/v1/calls', { json: { agent_id: 'a' } })).body.id as string;
    ids = { space: h.spaceId, pipe, trunk, number, call };
  });
  afterAll(async () => {
    await h?.close();
  });

  describe.each(WRITE_ROUTES.map((r) => [label(r), r] as const))('%s', (_name, r) => {
    it('refuses malformed JSON with 400 invalid_json', async () => {
      for (const raw of ['{"name":', '{name: 1}', "{'a':1}", '{"a":1}}', 'undefined', '\u0000']) {
        const res = await h.request(r.method, r.path(ids), { raw, headers: { 'content-type': 'application/json' } });
        expect(res.status, raw).toBe(400);
        expect(expectErrorShape(res).code).toBe('invalid_json');
      }
    });

    it('refuses a JSON body that is not an object with 422', async () => {
      for (const raw of ['[]', '"text"', '42', 'null', 'true', '[{"name":"x"}]']) {
        const res = await h.request(r.method, r.path(ids), { raw, headers: { 'content-type': 'application/json' } });
        expect(res.status, raw).toBe(422);
        const error = expectErrorShape(res);
        expect(error.code).toBe('validation_failed');
        expect(error.message).not.toMatch(/is required/);
      }
    });

    if (r.wrongType) it('refuses a wrong-typed field with 422 validation_failed naming it', async () => {
      const res = await h.request(r.method, r.path(ids), { json: r.wrongType!.body(ids) });
      expect(res.status).toBe(422);
      const error = expectErrorShape(res);
      expect(error).toMatchObject({ code: 'validation_failed', field: r.wrongType!.field });
      expect(error.message).toContain(r.wrongType!.field);
      expect(error.message).not.toMatch(/is required/);
    });

    it('refuses an unknown field with 422 naming it', async () => {
      const res = await h.request(r.method, r.path(ids), { json: { ...r.valid(ids), surprise_field: 1 } });
      expect(res.status).toBe(422);
      expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'surprise_field' });
    });

    it('refuses a non-JSON content type with 415 unsupported_media_type', async () => {
      const raw = JSON.stringify(r.valid(ids));
      for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {} as Record<string, string>]) {
        const res = await h.request(r.method, r.path(ids), { raw, headers });
        expect(res.status, JSON.stringify(headers)).toBe(415);
        expect(expectErrorShape(res).code).toBe('unsupported_media_type');
      }
    });

    it('accepts JSON content types with parameters or a +json suffix', async () => {
      // Validation runs before the handler, so an unknown field proves the body was read as JSON.
      for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json', 'APPLICATION/JSON']) {
        const res = await h.request(r.method, r.path(ids), { raw: JSON.stringify({ ...r.valid(ids), surprise_field: 1 }), headers: { 'content-type': type } });
        expect(res.status, type).toBe(422);
        expect(expectErrorShape(res).field).toBe('surprise_field');
      }
    });

    it('refuses a body over 1 MiB with 413 payload_too_large', async () => {
      const raw = JSON.stringify({ name: 'x'.repeat(ONE_MIB) });
      const res = await h.request(r.method, r.path(ids), { raw, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(413);
      expect(expectErrorShape(res).code).toBe('payload_too_large');
    });

    if (r.route.includes(':id')) it('answers unknown and malformed ids with 404 and the same body as any missing id', async () => {
      const real = r.path(ids);
      const bodies: string[] = [];
      for (const fake of ['XX_00000000000000000000000000', "1' OR '1'='1", '%E2%80%AE', 'a'.repeat(300)]) {
        const path = real.replace(/\/((SPC|PIPE|TRK|NUM|SCL)_[A-Z0-9]+|VP_[a-z0-9_]+)/, `/${fake}`);
        expect(path).not.toBe(real);
        const body = r.valid(ids);
        const res = await h.request(r.method, path, Object.keys(body).length ? { json: body } : {});
        expect(res.status, path).toBe(404);
        expect(expectErrorShape(res).code).toBe('not_found');
        bodies.push(res.text);
      }
      expect(new Set(bodies).size).toBe(1);
    });
  });

  it('tells a missing field ("is required") from a wrong-typed one', async () => {
    const missing = await h.request('POST', '/v1/api-keys', { json: {} });
    expect(expectErrorShape(missing)).toMatchObject({ field: 'name', message: 'name: is required' });
    const wrong = await h.request('POST', '/v1/api-keys', { json: { name: 42 } });
    expect(expectErrorShape(wrong).message).toMatch(/^name: .*expected string/i);
  });

  it('accepts an empty body or {} on body-less actions', async () => {
    expect((await h.request('POST', `/v1/numbers/${ids.number}/detach`)).status).toBe(200);
    expect((await h.request('POST', `/v1/numbers/${ids.number}/detach`, { json: {} })).status).toBe(200);
    expect((await h.request('POST', `/v1/trunks/${ids.trunk}/sync`, { raw: '  ', headers: { 'content-type': 'text/plain' } })).status).toBe(200);
  });

  it('answers unknown ids on GET and DELETE routes with 404', async () => {
    const reads = allRoutes({} as never).filter((r) => (r.method === 'get' || r.method === 'delete') && r.path.includes(':id'));
    expect(reads.length).toBeGreaterThanOrEqual(10);
    for (const r of reads) {
      const path = r.path.replace(':id', 'XX_00000000000000000000000000');
      const res = await h.request(r.method.toUpperCase(), path);
      expect(res.status, `${r.method} ${path}`).toBe(404);
      expect(expectErrorShape(res).code).toBe('not_found');
    }
  });

  it('refuses unknown query parameters on every list with 422 naming them', async () => {
    const lists = allRoutes({} as never).filter((r) => r.method === 'get' && r.query);
    expect(lists.length).toBeGreaterThanOrEqual(8);
    for (const r of lists) {
      const res = await h.request('GET', `${r.path}?sort=desc`);
      expect(res.status, r.path).toBe(422);
      expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field: 'sort' });
    }
  });

  it('refuses free-form JSON nested deeper than 32 levels with 422 on the field', async () => {
    const nested = (depth: number): unknown => (depth <= 1 ? {} : { n: nested(depth - 1) });
    const ok = await h.request('POST', '/v1/calls', { json: { agent_id: 'a', data: nested(32) } });
    expect(ok.status).toBe(201);
    expect((await h.request('GET', `/v1/calls/${ok.body.id}`)).body.data).toEqual(nested(32));
    const deep = await h.request('POST', '/v1/calls', { json: { agent_id: 'a', data: nested(33) } });
    expect(deep.status).toBe(422);
    expect(expectErrorShape(deep)).toMatchObject({ code: 'validation_failed', field: 'data' });
    const token = await h.request('POST', '/v1/sessions/token', { json: { pipe_id: ids.pipe, metadata: { a: [[[[nested(30)]]]] } } });
    expect(expectErrorShape(token)).toMatchObject({ code: 'validation_failed', field: 'metadata' });
  });

  // PostgreSQL text cannot hold NUL; both engines must refuse it the same way instead of a 500.
  it('refuses NUL characters in ids (404), query values (422) and body strings (422), on both engines', async () => {
    for (const path of ['/v1/pipes/%00', `/v1/pipes/${ids.pipe}%00`, '/v1/voice-profiles/VP_embedded_en%00', `/v1/calls/${ids.call}%00/hangup`]) {
      const method = path.endsWith('hangup') ? 'POST' : 'GET';
      const res = await h.request(method, path);
      expect(res.status, path).toBe(404);
      expect(expectErrorShape(res).code).toBe('not_found');
    }
    for (const [path, field] of [
      ['/v1/pipes?agent_id=%00', 'agent_id'],
      ['/v1/numbers?pipe_id=a%00', 'pipe_id'],
      ['/v1/calls?agent_id=x%00y', 'agent_id'],
    ] as const) {
      const res = await h.request('GET', path);
      expect(res.status, path).toBe(422);
      expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field });
    }
    for (const [path, body, field] of [
      ['/v1/pipes', { name: 'a\u0000b', agent_id: 'a' }, 'name'],
      ['/v1/pipes', { name: 'a', agent_id: 'a', voice_profile: 'x\u0000' }, 'voice_profile'],
      ['/v1/calls', { agent_id: 'a', data: { list: ['ok', 'bad\u0000'] } }, 'data.list.1'],
      ['/v1/calls', { agent_id: 'a', data: { 'k\u0000': 1 } }, 'data.k\u0000'],
      ['/v1/api-keys', { name: '\u0000' }, 'name'],
    ] as const) {
      const res = await h.request('POST', path, { json: body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(expectErrorShape(res)).toMatchObject({ code: 'validation_failed', field });
    }
  });

  it('survives hostile but well-formed JSON without a 500', async () => {
    const deep = `{"agent_id":"a","data":{"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`;
    const cases: Array<[string, string]> = [
      ['/v1/calls', deep],
      ['/v1/pipes', '{"__proto__":{"admin":true},"name":"p","agent_id":"a"}'],
      ['/v1/pipes', '{"constructor":{"prototype":{"x":1}},"name":"p","agent_id":"a"}'],
      ['/v1/pipes', `{"name":"${'\\u0000'.repeat(10)}","agent_id":"a"}`],
      ['/v1/calls', '{"agent_id":"a","data":{"n":1e999}}'],
      ['/v1/pipes', '{"name":"p","agent_id":"a","max_call_duration_s":1e308}'],
    ];
    for (const [path, raw] of cases) {
      const res = await h.request('POST', path, { raw, headers: { 'content-type': 'application/json' } });
      expect(res.status, raw.slice(0, 80)).toBeLessThan(500);
      if (res.status >= 400) expectErrorShape(res);
    }
  });
});
