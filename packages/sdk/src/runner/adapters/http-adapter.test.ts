import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../errors.js';
import { HttpAdapter } from './http-adapter.js';
import type { StreamOptions, TurnContext } from './types.js';

// A local HTTP brain: each request is answered by the next scripted handler.

type Handler = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void;

let server: Server | null = null;
const bodies: Record<string, unknown>[] = [];

afterEach(async () => {
  bodies.length = 0;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function brain(...handlers: Handler[]): Promise<string> {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      bodies.push(body);
      const handler = handlers.shift();
      if (handler) handler(req, body, res);
      else res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/brain`;
}

const context: TurnContext = { callId: 'SCL_1', sessionId: 'SCL_1', agentId: 'agent_h', turnId: 3, data: { org_id: 'o1' } };
const opts = (signal = new AbortController().signal): StreamOptions => ({ language: 'hi', signal, context });

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of it) out.push(c);
  return out;
}

const json = (text: string): Handler => (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text }));

describe('HttpAdapter', () => {
  it('POSTs text, ids, context and pending system instructions (sent once), and reads {text}', async () => {
    const url = await brain(json('Hello'), json('Again'));
    const adapter = new HttpAdapter({ url, headers: { authorization: 'Bearer brain' } });
    adapter.assist('be brief');
    expect(await collect(adapter.stream('hi', opts()))).toEqual(['Hello']);
    expect(await collect(adapter.stream('hi again', opts()))).toEqual(['Again']);
    expect(bodies[0]).toEqual({
      text: 'hi',
      session_id: 'SCL_1',
      call_id: 'SCL_1',
      language: 'hi',
      context: { agent_id: 'agent_h', turn_id: 3, data: { org_id: 'o1' } },
      system_instructions: ['be brief'],
    });
    expect(bodies[1]!.system_instructions).toEqual([]);
  });

  it('streams NDJSON lines and SSE events as chunks', async () => {
    const url = await brain(
      (_req, _b, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"text":"one "}\n');
        res.end('{"text":"two"}\n');
      },
      (_req, _b, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"text":"three "}\n\n');
        res.write('data: four\n\n');
        res.end('data: [DONE]\n\n');
      },
    );
    const adapter = new HttpAdapter({ url });
    expect(await collect(adapter.stream('x', opts()))).toEqual(['one ', 'two']);
    expect(await collect(adapter.stream('y', opts()))).toEqual(['three ', 'four']);
  });

  it('retries transient statuses only', async () => {
    const fail = (status: number): Handler => (_req, _b, res) => res.writeHead(status).end('{"detail":"no"}');
    const url = await brain(fail(503), fail(429), json('ok'), fail(400));
    const adapter = new HttpAdapter({ url, retries: 2, retryDelayMs: 1 });
    expect(await collect(adapter.stream('x', opts()))).toEqual(['ok']);
    expect(bodies).toHaveLength(3);
    const err = await collect(adapter.stream('y', opts())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdapterError);
    expect(err).toMatchObject({ status: 400, transient: false });
    expect(bodies).toHaveLength(4);
  });

  it('times out a silent brain and retries', async () => {
    const url = await brain(() => undefined, json('late but fine'));
    const adapter = new HttpAdapter({ url, timeoutMs: 300, retries: 1, retryDelayMs: 1 });
    expect(await collect(adapter.stream('x', opts()))).toEqual(['late but fine']);
  });

  it('rejects a reply without "text"', async () => {
    const url = await brain((_req, _b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"answer":"x"}'));
    await expect(collect(new HttpAdapter({ url }).stream('x', opts()))).rejects.toThrow(/"text"/);
  });

  it('aborting the signal stops a streaming reply and closes the request', async () => {
    let closed!: () => void;
    const requestClosed = new Promise<void>((resolve) => (closed = resolve));
    const url = await brain((_req, _b, res) => {
      res.on('close', closed);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"text":"first"}\n');
    });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const chunk of new HttpAdapter({ url }).stream('x', opts(controller.signal))) {
        seen.push(chunk);
        controller.abort();
      }
    })();
    await expect(run).rejects.toBeDefined();
    await requestClosed;
    expect(seen).toEqual(['first']);
  });
});
