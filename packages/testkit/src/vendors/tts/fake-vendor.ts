import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameLog } from '../../fake-frame-log.js';
import { toneSpeech, type FakeSpeech } from './audio.js';

/**
 * How a fake vendor misbehaves on a request:
 * - `status`: answer with this HTTP status and the vendor's error body (for WebSocket vendors a
 *   refused handshake, or the vendor's in-stream error message where it has one);
 * - `close_mid_stream`: send the first audio chunk, then drop the connection;
 * - `stall`: send the first audio chunk, then nothing until the client goes away;
 * - `garbage`: answer 200 with something that is not the documented format.
 */
export type FakeTtsFailure =
  | { kind: 'status'; status: number; message?: string | undefined }
  | { kind: 'close_mid_stream' }
  | { kind: 'stall' }
  | { kind: 'garbage' };

/** How a request ended, from the fake's side. */
export type FakeTtsOutcome = 'completed' | 'client_aborted' | 'failed';

/** A synthesis request as the fake received it. */
export interface FakeTtsRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (HTTP JSON vendors), raw text (Azure SSML), or `null` (WebSocket vendors). */
  body: unknown;
  /** Messages the client sent on the socket (WebSocket vendors), as parsed JSON; grows live. */
  messages: unknown[];
  /** The text the fake understood it had to speak (set when synthesis starts). */
  text: string | null;
  /** The rate the fake renders at. */
  sampleRateHz: number | null;
  /** Audio pieces (HTTP writes or socket messages) sent so far. */
  chunksSent: number;
  /** Settles when the exchange ends. */
  outcome: Promise<FakeTtsOutcome>;
}

/** What the fake does with one request: a failure to inject and whether to hold after the first chunk. */
export interface RequestPlan {
  failure: FakeTtsFailure | null;
  hold: boolean;
}

/** Options shared by every fake vendor. */
export interface FakeTtsVendorOptions {
  /** The only API key accepted (anything else gets the vendor's 401). Default `test-key`. */
  apiKey?: string | undefined;
  /** Audio to speak; default {@link toneSpeech}. Pass flite output for recognisable speech. */
  speech?: FakeSpeech | undefined;
  /** Audio per streamed chunk, in ms. Default 40. */
  chunkMs?: number | undefined;
}

/** Internal bookkeeping of a live request. */
export interface LiveRequest {
  record: FakeTtsRequest;
  plan: RequestPlan;
  settle: (outcome: FakeTtsOutcome) => void;
}

/**
 * The common core of the fake TTS vendors: an HTTP server on 127.0.0.1 (port 0) that routes
 * vendor paths to a subclass, accepts WebSocket upgrades for streaming vendors, records every
 * request, and injects failures. Control it in-process (`fail`, `holdNext`, `release`, `reset`) or
 * over HTTP from another process:
 *
 * - `POST /__fake/fail` `{ "failure": FakeTtsFailure, "times"?: n }` — the next n requests fail;
 * - `POST /__fake/hold` — the next request pauses after its first chunk until released;
 * - `POST /__fake/release` — lets held requests finish;
 * - `POST /__fake/reset` — clears queued failures and holds;
 * - `GET /__fake/requests` — `{ count, requests: [{ path, text, sampleRateHz }] }`.
 */
export abstract class FakeTtsVendor {
  /** Origin to configure as the adapter's `baseUrl`, e.g. `http://127.0.0.1:1234`. */
  baseUrl = '';
  /** Every synthesis request, in order. */
  readonly requests = new FrameLog<FakeTtsRequest>();
  /** Requests refused for a missing or wrong key (not recorded in `requests`). */
  authFailures = 0;
  readonly apiKey: string;
  speech: FakeSpeech;
  readonly chunkMs: number;
  private readonly failures: FakeTtsFailure[] = [];
  private holds = 0;
  private releaseWaiters: (() => void)[] = [];
  private server: Server | null = null;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  constructor(options: FakeTtsVendorOptions = {}) {
    this.apiKey = options.apiKey ?? 'test-key';
    this.speech = options.speech ?? toneSpeech;
    this.chunkMs = options.chunkMs ?? 40;
  }

  /** Listens on 127.0.0.1, port 0. */
  async listen(): Promise<this> {
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => void this.route(req, Buffer.concat(parts).toString('utf8'), res));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next `times` requests fail with `failure`. */
  fail(failure: FakeTtsFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  /** The next request pauses after its first chunk until {@link release}. */
  holdNext(): void {
    this.holds++;
  }

  /** Lets every held request go on. */
  release(): void {
    const waiters = this.releaseWaiters;
    this.releaseWaiters = [];
    waiters.forEach((w) => w());
  }

  /** Clears queued failures and holds (recorded requests stay). */
  reset(): void {
    this.failures.length = 0;
    this.holds = 0;
    this.release();
  }

  async close(): Promise<void> {
    this.release();
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Handles a vendor HTTP request (already authenticated by the subclass). */
  protected abstract handleHttp(req: IncomingMessage, url: URL, body: string, res: ServerResponse): Promise<void> | void;

  /**
   * Handles a WebSocket upgrade: return an HTTP status (and body) to refuse it, or `null` to accept
   * and then get {@link handleSocket}. Default: refuse with 404.
   */
  protected checkUpgrade(_req: IncomingMessage, _url: URL): { status: number; body: string } | null {
    return { status: 404, body: 'not found' };
  }

  protected handleSocket(socket: WebSocket, _req: IncomingMessage, _url: URL): void {
    socket.close(1011);
  }

  /** Counts a refused key and returns true when `presented` is not the configured key. */
  protected badKey(presented: unknown): boolean {
    if (presented === this.apiKey) return false;
    this.authFailures++;
    return true;
  }

  /** Starts recording a request and decides its plan. */
  protected begin(req: IncomingMessage, url: URL, body: unknown): LiveRequest {
    let settle!: (outcome: FakeTtsOutcome) => void;
    const outcome = new Promise<FakeTtsOutcome>((resolve) => (settle = resolve));
    const record: FakeTtsRequest = { path: url.pathname, query: url.searchParams, headers: req.headers, body, messages: [], text: null, sampleRateHz: null, chunksSent: 0, outcome };
    const plan: RequestPlan = { failure: this.failures.shift() ?? null, hold: this.holds > 0 };
    if (plan.hold) this.holds--;
    this.requests.push(record);
    let settled = false;
    return {
      record,
      plan,
      settle: (o) => {
        if (settled) return;
        settled = true;
        settle(o);
      },
    };
  }

  /** Resolves when {@link release} is called or `gone` resolves first. */
  protected waitForRelease(gone: Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      this.releaseWaiters.push(resolve);
      void gone.then(() => resolve());
    });
  }

  /** Audio for `text` at `rate`, with the configured speech. */
  protected async render(live: LiveRequest, text: string, rate: number): Promise<Int16Array> {
    live.record.text = text;
    live.record.sampleRateHz = rate;
    return await this.speech(text, rate);
  }

  private async route(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    try {
      if (url.pathname.startsWith('/__fake/')) {
        this.control(req.method ?? 'GET', url.pathname.slice('/__fake/'.length), body, res);
        return;
      }
      await this.handleHttp(req, url, body, res);
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake vendor failed: ${err instanceof Error ? err.message : String(err)}`);
      } else {
        res.destroy();
      }
    }
  }

  private control(method: string, verb: string, body: string, res: ServerResponse): void {
    const reply = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (method === 'GET' && verb === 'requests') {
      reply(200, { count: this.requests.items.length, requests: this.requests.items.map((r) => ({ path: r.path, text: r.text, sampleRateHz: r.sampleRateHz })) });
      return;
    }
    if (method !== 'POST') return reply(405, { error: 'use POST' });
    switch (verb) {
      case 'fail': {
        const parsed = JSON.parse(body || '{}') as { failure?: FakeTtsFailure; times?: number };
        if (parsed.failure === undefined || !['status', 'close_mid_stream', 'stall', 'garbage'].includes(parsed.failure.kind)) {
          return reply(400, { error: 'failure.kind must be status, close_mid_stream, stall or garbage' });
        }
        this.fail(parsed.failure, parsed.times ?? 1);
        return reply(200, { queued: this.failures.length });
      }
      case 'hold':
        this.holdNext();
        return reply(200, { holds: this.holds });
      case 'release':
        this.release();
        return reply(200, {});
      case 'reset':
        this.reset();
        return reply(200, {});
      default:
        return reply(404, { error: `unknown control verb ${verb}` });
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const refusal = this.checkUpgrade(req, url);
    if (refusal !== null) {
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(refusal.body)}\r\nconnection: close\r\n\r\n${refusal.body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.handleSocket(ws, req, url));
  }
}
