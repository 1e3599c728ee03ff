import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { HttpServer } from '../../http-server.js';
import { Store } from '../store/store.js';
import { createControlApp } from './app.js';
import { bodyLimit, readBodyText } from './body.js';

const logger = pino({ level: 'silent' });

/** A raw HTTP/1.1 request; `chunked` sends the body without Content-Length. */
function send(port: number, method: string, urlPath: string, body: string | null, options: { chunked?: boolean; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (body !== null && !options.chunked) headers['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (body !== null && options.chunked) {
      // Two chunks, so the body really arrives chunked.
      req.write(body.slice(0, 10));
      req.end(body.slice(10));
    } else {
      req.end(body ?? undefined);
    }
  });
}

describe('request bodies over HTTP and in-process', () => {
  const app = new Hono();
  app.use('*', bodyLimit(100, (c) => c.json({ error: 'too large' }, 413)));
  app.post('/echo', async (c) => c.json({ text: await readBodyText(c) }));
  app.get('/echo', (c) => c.json({ text: null }));
  const http = new HttpServer(app, logger);
  let port = 0;
  beforeAll(async () => {
    port = await http.listen(0, '127.0.0.1');
  });
  afterAll(() => http.close());

  it.each([false, true])('reads a body within the limit (chunked: %s)', async (chunked) => {
    const res = await send(port, 'POST', '/echo', '{"hello":"wörld"}', { chunked });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ text: '{"hello":"wörld"}' });
  });

  it.each([false, true])('refuses a body over the limit with the route-level 413 (chunked: %s)', async (chunked) => {
    const res = await send(port, 'POST', '/echo', 'x'.repeat(101), { chunked });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ error: 'too large' });
  });

  it('drops a leading byte order mark, as Request.text() does', async () => {
    const res = await send(port, 'POST', '/echo', '\ufeff{"a":1}');
    expect(JSON.parse(res.text)).toEqual({ text: '{"a":1}' });
  });

  it('passes requests without a body', async () => {
    const res = await send(port, 'GET', '/echo', null);
    expect(res.status).toBe(200);
  });

  it('behaves the same in-process (app.request)', async () => {
    const ok = await app.request('/echo', { method: 'POST', body: '\ufeff{"a":1}' });
    expect(await ok.json()).toEqual({ text: '{"a":1}' });
    const big = await app.request('/echo', { method: 'POST', body: 'x'.repeat(101), headers: { 'content-length': '101' } });
    expect(big.status).toBe(413);
  });
});

describe('control app over HTTP', () => {
  let dataDir: string;
  let store: Store;
  let http: HttpServer;
  let port = 0;
  let key = '';
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-http-'));
    const config = loadConfig({ dataDir, port: 0, nodeId: 'test-node', logLevel: 'silent' }, {});
    store = await Store.open({ databaseUrl: null, dataDir, migrate: true });
    const { space } = await store.spaces.ensure('http');
    key = (await store.apiKeys.create(space.id, 'test')).key;
    const app = createControlApp({
      store,
      config,
      logger,
      liveCalls: { launch: () => Promise.resolve({}), hangup: () => Promise.resolve() },
      workers: { list: () => [] },
      startedAtMs: Date.now(),
    });
    http = new HttpServer(app, logger);
    port = await http.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await http?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('echoes X-Request-Id on JSON responses, errors and responses a handler builds itself (an idempotent replay)', async () => {
    const health = await send(port, 'GET', '/v1/health', null, { headers: { 'x-request-id': 'req-1' } });
    expect(health.headers['x-request-id']).toBe('req-1');
    const refused = await send(port, 'GET', '/v1/calls', null, { headers: { 'x-request-id': 'req-2' } });
    expect(refused.status).toBe(401);
    expect(refused.headers['x-request-id']).toBe('req-2');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'once' };
    const first = await send(port, 'POST', '/v1/api-keys', '{"name":"k"}', { headers: { ...headers, 'x-request-id': 'req-3' } });
    expect(first.status).toBe(201);
    expect(first.headers['x-request-id']).toBe('req-3');
    const replay = await send(port, 'POST', '/v1/api-keys', '{"name":"k"}', { headers: { ...headers, 'x-request-id': 'req-4' } });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.text).toBe(first.text);
    expect(replay.headers['x-request-id']).toBe('req-4');
  });

  it('refuses an oversized JSON body with 413 payload_too_large', async () => {
    const res = await send(port, 'POST', '/v1/api-keys', JSON.stringify({ name: 'x'.repeat(1024 * 1024) }), {
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe('payload_too_large');
  });
});
