import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AsyncClient, Client } from './client.js';
import type { ClientOptions } from './config.js';
import { resolveClientConfig } from './config.js';
import {
  ConflictError,
  NotFoundError,
  RateLimitError,
  ServerError,
  UnpodConfigError,
  UnpodConnectionError,
  UnpodResponseError,
  UnpodTimeoutError,
  ValidationError,
} from './errors.js';
import { HttpTransport } from './transport.js';
import { SDK_VERSION } from './version.js';

const API_KEY = 'sk_test_5ecret_do_not_leak';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Seen {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The answer to one request: a status and optional JSON/bytes body, or `hang` to never answer. */
type Reply = { status: number; json?: unknown; bytes?: Uint8Array; headers?: Record<string, string> } | 'hang';

/** A real HTTP server on an ephemeral port that records requests and answers from `reply`. */
async function startServer(reply: (req: Seen, index: number) => Reply) {
  const requests: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://test'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      const answer = reply(seen, requests.length - 1);
      if (answer !== 'hang') send(res, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  servers.push(close);
  return { baseUrl: `http://127.0.0.1:${String(port)}`, requests, close };
}

function send(res: ServerResponse, answer: Exclude<Reply, 'hang'>): void {
  res.writeHead(answer.status, {
    ...(answer.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...answer.headers,
  });
  if (answer.bytes) res.end(Buffer.from(answer.bytes));
  else res.end(answer.json === undefined ? undefined : JSON.stringify(answer.json));
}

const servers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((close) => close()));
});

const apiError = (status: number, code: string, message = 'nope', field?: string, headers?: Record<string, string>): Reply => ({
  status,
  json: { error: { code, message, ...(field ? { field } : {}) } },
  ...(headers ? { headers } : {}),
});

/** A client whose retries wait 1 ms, so retry tests run at full speed. */
function clientFor(baseUrl: string, options: ClientOptions = {}): Client {
  return new Client({ apiKey: API_KEY, baseUrl, retryBackoff: { baseDelayMs: 1, maxDelayMs: 1 }, ...options });
}

/** A transport that records the waits it was asked for instead of waiting. */
function recordingTransport(baseUrl: string, maxRetries = 2) {
  const waits: number[] = [];
  const transport = new HttpTransport({
    ...resolveClientConfig({ apiKey: API_KEY, baseUrl, maxRetries }),
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    random: () => 0,
  });
  return { transport, waits };
}

describe('Client requests', () => {
  it('sends bearer auth, user agent and a fresh request id on every request', async () => {
    const server = await startServer(() => ({ status: 200, json: { data: [], next_cursor: null } }));
    const client = clientFor(server.baseUrl);
    await client.pipes.list();
    await client.pipes.list();
    const [first, second] = server.requests;
    expect(first?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first?.headers['user-agent']).toBe(`unpod-js/${SDK_VERSION}`);
    expect(first?.headers['x-request-id']).toMatch(UUID);
    expect(second?.headers['x-request-id']).toMatch(UUID);
    expect(second?.headers['x-request-id']).not.toBe(first?.headers['x-request-id']);
  });

  it('sends JSON content type and an idempotency key only where they apply', async () => {
    const server = await startServer(() => ({ status: 200, json: {} }));
    const client = clientFor(server.baseUrl);
    await client.pipes.get('PIPE_1');
    await client.pipes.create({ name: 'Support', agent_id: 'support' });
    await client.pipes.update('PIPE_1', { name: 'Sales' });
    const [get, post, patch] = server.requests;
    expect(get?.headers['content-type']).toBeUndefined();
    expect(get?.headers['idempotency-key']).toBeUndefined();
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers['idempotency-key']).toMatch(UUID);
    expect(patch?.headers['content-type']).toBe('application/json');
    expect(patch?.headers['idempotency-key']).toBeUndefined();
  });

  it('adds default headers but never lets them replace the key', async () => {
    const server = await startServer(() => ({ status: 200, json: {} }));
    const client = clientFor(server.baseUrl, { defaultHeaders: { 'X-Team': 'voice', authorization: 'Bearer other' } });
    await client.spaces.get('SPC_1');
    expect(server.requests[0]?.headers['x-team']).toBe('voice');
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('sends no key to the health endpoint', async () => {
    const health = { status: 'ok', version: '0.1.0', node_id: 'n1', database: 'sqlite', uptime_s: 3 };
    const server = await startServer(() => ({ status: 200, json: health }));
    expect(await clientFor(server.baseUrl).health()).toEqual(health);
    expect(server.requests[0]?.url.pathname).toBe('/v1/health');
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('serialises snake_case bodies and leaves out undefined keys', async () => {
    const server = await startServer(() => ({ status: 201, json: { id: 'PIPE_1' } }));
    const client = clientFor(server.baseUrl);
    const pipe = await client.pipes.create({
      name: 'Support',
      agent_id: 'support',
      voice_profile: 'Aria',
      greeting: undefined,
      endpointing: { silence_ms: 700, barge_in: undefined },
    });
    expect(pipe).toEqual({ id: 'PIPE_1' });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toStrictEqual({
      name: 'Support',
      agent_id: 'support',
      voice_profile: 'Aria',
      endpointing: { silence_ms: 700 },
    });
  });

  it('maps each namespace method to its method and path', async () => {
    const server = await startServer(() => ({ status: 200, json: {} }));
    const client = clientFor(server.baseUrl);
    await client.numbers.attach('NUM_1', 'PIPE_2');
    await client.numbers.detach('NUM_1');
    await client.numbers.release('NUM_1');
    await client.calls.hangup('SCL_9');
    await client.trunks.sync('TRK_3');
    await client.apiKeys.revoke('AK_4');
    await client.sessions.createToken({ pipe_id: 'PIPE_2', ttl_s: 60 });
    await client.workers.list({ agent_id: 'support' });
    expect(server.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      'POST /v1/numbers/NUM_1/attach',
      'POST /v1/numbers/NUM_1/detach',
      'DELETE /v1/numbers/NUM_1',
      'POST /v1/calls/SCL_9/hangup',
      'POST /v1/trunks/TRK_3/sync',
      'DELETE /v1/api-keys/AK_4',
      'POST /v1/sessions/token',
      'GET /v1/workers?agent_id=support',
    ]);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ pipe_id: 'PIPE_2' });
    expect(server.requests[1]?.body).toBe('');
  });

  it('percent-encodes ids so that an id cannot reach another route', async () => {
    const server = await startServer(() => ({ status: 200, json: {} }));
    const client = clientFor(server.baseUrl);
    await client.pipes.get('a/../b?c');
    expect(server.requests[0]?.url.pathname).toBe('/v1/pipes/a%2F..%2Fb%3Fc');
    expect(() => client.pipes.get('')).toThrow(TypeError);
    expect(() => client.pipes.get('..')).toThrow(TypeError);
    expect(server.requests).toHaveLength(1);
  });

  it('encodes query parameters and drops undefined ones', async () => {
    const server = await startServer(() => ({ status: 200, json: { data: [], next_cursor: null } }));
    const client = clientFor(server.baseUrl);
    await client.numbers.list({ prefix: '+44', status: 'available', pipe_id: undefined, limit: 5 });
    await client.voiceProfiles.list({ language: 'pt BR&x=1', offline: true });
    expect(server.requests[0]?.url.search).toBe('?prefix=%2B44&status=available&limit=5');
    expect(server.requests[1]?.url.searchParams.get('language')).toBe('pt BR&x=1');
    expect(server.requests[1]?.url.searchParams.get('offline')).toBe('true');
    expect([...(server.requests[1]?.url.searchParams.keys() ?? [])]).toEqual(['language', 'offline']);
  });

  it('resolves 204 and empty bodies to undefined', async () => {
    const server = await startServer((_, i) => (i === 0 ? { status: 204 } : { status: 200 }));
    const client = clientFor(server.baseUrl);
    await expect(client.pipes.delete('PIPE_1')).resolves.toBeUndefined();
    await expect(client.trunks.delete('TRK_1')).resolves.toBeUndefined();
  });

  it('returns a recording as the exact bytes sent', async () => {
    const wav = new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 255, 128]);
    const server = await startServer(() => ({ status: 200, bytes: wav, headers: { 'Content-Type': 'audio/wav' } }));
    const bytes = await clientFor(server.baseUrl).calls.recording('SCL_1');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes]).toEqual([...wav]);
    expect(server.requests[0]?.url.pathname).toBe('/v1/calls/SCL_1/recording');
  });

  it('reports a missing recording as NotFoundError', async () => {
    const server = await startServer(() => apiError(404, 'not_found', 'no recording'));
    await expect(clientFor(server.baseUrl).calls.recording('SCL_1')).rejects.toMatchObject({
      constructor: NotFoundError,
      code: 'not_found',
    });
  });

  it('rejects a 2xx body that is not JSON with UnpodResponseError', async () => {
    const server = await startServer(() => ({ status: 200, bytes: new TextEncoder().encode('<html>') }));
    await expect(clientFor(server.baseUrl).pipes.get('PIPE_1')).rejects.toBeInstanceOf(UnpodResponseError);
  });
});

describe('Client errors', () => {
  it('throws typed errors carrying status, code, field and request id', async () => {
    const server = await startServer(() => apiError(422, 'validation_failed', 'too short', 'agent_id'));
    const error: unknown = await clientFor(server.baseUrl)
      .pipes.create({ name: 'x', agent_id: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 422, code: 'validation_failed', message: 'too short', field: 'agent_id' });
    expect((error as ValidationError).requestId).toBe(server.requests[0]?.headers['x-request-id']);
  });

  it('prefers the request id the server echoes', async () => {
    const server = await startServer(() => apiError(409, 'number_already_attached', 'attached', undefined, { 'X-Request-Id': 'srv-42' }));
    const error = await clientFor(server.baseUrl).numbers.attach('NUM_1', 'PIPE_2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'number_already_attached', requestId: 'srv-42' });
  });

  it('reports an unreachable server as UnpodConnectionError without leaking the key', async () => {
    const server = await startServer(() => ({ status: 200 }));
    await server.close();
    const error: unknown = await clientFor(server.baseUrl, { maxRetries: 0 })
      .pipes.get('PIPE_1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnpodConnectionError);
    expect(String(error)).toContain(server.baseUrl);
    expect(String(error)).not.toContain(API_KEY);
  });

  it('aborts a stalled attempt after timeoutMs with UnpodTimeoutError', async () => {
    const server = await startServer(() => 'hang');
    const error = await clientFor(server.baseUrl, { timeoutMs: 50, maxRetries: 0 })
      .pipes.get('PIPE_1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnpodTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 50 });
  });

  it('lets a per-call timeout override the client one, and retries timeouts', async () => {
    const server = await startServer((_, i) => (i === 0 ? 'hang' : { status: 200, json: { id: 'PIPE_1' } }));
    const client = clientFor(server.baseUrl, { timeoutMs: 60_000 });
    await expect(client.pipes.get('PIPE_1', { timeoutMs: 50 })).resolves.toEqual({ id: 'PIPE_1' });
    expect(server.requests).toHaveLength(2);
  });

  it("rejects with the caller's abort reason and does not retry", async () => {
    const server = await startServer(() => 'hang');
    const controller = new AbortController();
    const pending = clientFor(server.baseUrl).pipes.get('PIPE_1', { signal: controller.signal });
    await vi.waitFor(() => {
      expect(server.requests).toHaveLength(1);
    });
    const reason = new Error('user gave up');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
  });
});

describe('Client retries', () => {
  it('retries a 503 and returns the later success', async () => {
    const server = await startServer((_, i) => (i === 0 ? apiError(503, 'service_unavailable') : { status: 200, json: { id: 'PIPE_1' } }));
    await expect(clientFor(server.baseUrl).pipes.get('PIPE_1')).resolves.toEqual({ id: 'PIPE_1' });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers['x-request-id']).not.toBe(server.requests[0]?.headers['x-request-id']);
  });

  it('waits with exponential backoff and gives up after maxRetries', async () => {
    const server = await startServer(() => apiError(500, 'internal'));
    const { transport, waits } = recordingTransport(server.baseUrl, 2);
    await expect(transport.request({ method: 'GET', path: '/v1/pipes/PIPE_1' })).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([250, 500]);
  });

  it('honours Retry-After seconds on 429', async () => {
    const server = await startServer((_, i) =>
      i === 0 ? apiError(429, 'rate_limited', 'slow down', undefined, { 'Retry-After': '3' }) : { status: 200, json: {} },
    );
    const { transport, waits } = recordingTransport(server.baseUrl);
    await transport.request({ method: 'GET', path: '/v1/calls' });
    expect(waits).toEqual([3000]);
    expect(server.requests).toHaveLength(2);
  });

  it('surfaces a Retry-After longer than a minute instead of waiting it out', async () => {
    const server = await startServer(() => apiError(429, 'rate_limited', 'slow down', undefined, { 'Retry-After': '120' }));
    const { transport, waits } = recordingTransport(server.baseUrl);
    const error = await transport.request({ method: 'GET', path: '/v1/calls' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 120_000 });
    expect(waits).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [400, 'invalid_json'],
    [401, 'unauthorized'],
    [404, 'not_found'],
    [409, 'conflict'],
    [422, 'validation_failed'],
  ])('does not retry %i %s', async (status, code) => {
    const server = await startServer(() => apiError(status, code));
    await expect(clientFor(server.baseUrl).pipes.get('PIPE_1')).rejects.toMatchObject({ status, code });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a POST with the same Idempotency-Key', async () => {
    const server = await startServer((_, i) => (i < 2 ? apiError(502, 'service_unavailable') : { status: 201, json: { id: 'SCL_1' } }));
    await clientFor(server.baseUrl).calls.create({ pipe_id: 'PIPE_1' });
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(UUID);
    expect(new Set(keys).size).toBe(1);
  });

  it("uses the caller's idempotency key, and a fresh one per call otherwise", async () => {
    const server = await startServer(() => ({ status: 201, json: {} }));
    const client = clientFor(server.baseUrl);
    await client.calls.create({ pipe_id: 'PIPE_1' }, { idempotencyKey: 'order-1234' });
    await client.calls.create({ pipe_id: 'PIPE_1' });
    await client.calls.create({ pipe_id: 'PIPE_1' });
    const [given, a, b] = server.requests.map((r) => r.headers['idempotency-key']);
    expect(given).toBe('order-1234');
    expect(a).not.toBe(b);
  });

  it('retries a POST that overtook its own first attempt (idempotency_in_progress)', async () => {
    const server = await startServer((_, i) => (i === 0 ? apiError(409, 'idempotency_in_progress') : { status: 201, json: {} }));
    await clientFor(server.baseUrl).pipes.create({ name: 'a', agent_id: 'a' });
    expect(server.requests).toHaveLength(2);
  });

  it('never retries PATCH', async () => {
    const server = await startServer(() => apiError(503, 'service_unavailable'));
    await expect(clientFor(server.baseUrl).pipes.update('PIPE_1', { name: 'b' })).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });

  it('lets a call turn retries off', async () => {
    const server = await startServer(() => apiError(503, 'service_unavailable'));
    await expect(clientFor(server.baseUrl).pipes.get('PIPE_1', { maxRetries: 0 })).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('Client lists', () => {
  /** Seven pipes served three per page; the cursor is the id of the last item sent. */
  const pipes = Array.from({ length: 7 }, (_, i) => ({ id: `PIPE_${String(i)}` }));
  const pager = (req: Seen): Reply => {
    const limit = Number(req.url.searchParams.get('limit'));
    const cursor = req.url.searchParams.get('cursor');
    const start = cursor === null ? 0 : pipes.findIndex((p) => p.id === cursor) + 1;
    const data = pipes.slice(start, start + limit);
    const more = start + limit < pipes.length;
    return { status: 200, json: { data, next_cursor: more ? (data.at(-1)?.id ?? null) : null } };
  };

  it('awaits to the first page', async () => {
    const server = await startServer(pager);
    const page = await clientFor(server.baseUrl).pipes.list({ limit: 3, agent_id: 'support' });
    expect(page).toEqual({ data: pipes.slice(0, 3), next_cursor: 'PIPE_2' });
    expect(server.requests[0]?.url.search).toBe('?limit=3&agent_id=support');
  });

  it('iterates all items across three pages, keeping the filters on every page', async () => {
    const server = await startServer(pager);
    const ids: string[] = [];
    for await (const pipe of clientFor(server.baseUrl).pipes.list({ limit: 3, agent_id: 'support' })) ids.push(pipe.id);
    expect(ids).toEqual(pipes.map((p) => p.id));
    expect(server.requests.map((r) => r.url.search)).toEqual([
      '?limit=3&agent_id=support',
      '?limit=3&agent_id=support&cursor=PIPE_2',
      '?limit=3&agent_id=support&cursor=PIPE_5',
    ]);
  });
});

describe('Client configuration', () => {
  it('takes the key from UNPOD_API_KEY when no option is given', async () => {
    vi.stubEnv('UNPOD_API_KEY', 'sk_from_env');
    const server = await startServer(() => ({ status: 200, json: {} }));
    await new Client({ baseUrl: server.baseUrl }).spaces.get('SPC_1');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk_from_env');
  });

  it('prefers the apiKey option over the environment', async () => {
    vi.stubEnv('UNPOD_API_KEY', 'sk_from_env');
    const server = await startServer(() => ({ status: 200, json: {} }));
    await clientFor(server.baseUrl).spaces.get('SPC_1');
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('fails fast with UnpodConfigError when there is no key', () => {
    vi.stubEnv('UNPOD_API_KEY', '');
    expect(() => new Client()).toThrow(UnpodConfigError);
    expect(() => new Client()).toThrow(/UNPOD_API_KEY/);
    expect(() => new Client({ apiKey: '   ' })).toThrow(UnpodConfigError);
  });

  it('rejects out-of-range numbers', () => {
    expect(() => new Client({ apiKey: API_KEY, timeoutMs: 0 })).toThrow(UnpodConfigError);
    expect(() => new Client({ apiKey: API_KEY, maxRetries: -1 })).toThrow(UnpodConfigError);
    expect(() => new Client({ apiKey: API_KEY, maxRetries: 1.5 })).toThrow(UnpodConfigError);
    expect(() => new Client({ apiKey: API_KEY, retryBackoff: { baseDelayMs: -1 } })).toThrow(UnpodConfigError);
  });

  it('resolves the base URL from the option, then UNPOD_BASE_URL, then the local default', () => {
    vi.stubEnv('UNPOD_BASE_URL', 'https://unpod.example.com/');
    expect(new Client({ apiKey: API_KEY }).baseUrl).toBe('https://unpod.example.com');
    expect(new Client({ apiKey: API_KEY, baseUrl: 'localhost:7700' }).baseUrl).toBe('http://localhost:7700');
    expect(new Client({ apiKey: API_KEY, baseUrl: 'wss://voice.example.com' }).baseUrl).toBe('https://voice.example.com');
    vi.stubEnv('UNPOD_BASE_URL', '');
    expect(new Client({ apiKey: API_KEY }).baseUrl).toBe('http://127.0.0.1:7700');
  });

  it('sends requests to UNPOD_BASE_URL, keeping a path prefix', async () => {
    const server = await startServer(() => ({ status: 200, json: {} }));
    vi.stubEnv('UNPOD_BASE_URL', `${server.baseUrl}/unpod/`);
    await new Client({ apiKey: API_KEY }).pipes.get('PIPE_1');
    expect(server.requests[0]?.url.pathname).toBe('/unpod/v1/pipes/PIPE_1');
  });

  it('uses the fetch it is given', async () => {
    const fetchSpy = vi.fn<typeof fetch>(() => Promise.resolve(new Response('{"id":"SPC_1"}', { status: 200 })));
    const client = new Client({ apiKey: API_KEY, baseUrl: 'http://unpod.invalid', fetch: fetchSpy });
    expect(await client.spaces.get('SPC_1')).toEqual({ id: 'SPC_1' });
    expect(fetchSpy).toHaveBeenCalledOnce();
    expect(fetchSpy.mock.calls[0]?.[0]).toBe('http://unpod.invalid/v1/spaces/SPC_1');
  });

  it('never shows the key when the client is logged or serialised', () => {
    const client = new Client({ apiKey: API_KEY });
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(API_KEY);
    expect(JSON.stringify(client)).not.toContain(API_KEY);
  });

  it('exports AsyncClient as the same class', () => {
    expect(AsyncClient).toBe(Client);
  });

  it('advertises the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });
});
