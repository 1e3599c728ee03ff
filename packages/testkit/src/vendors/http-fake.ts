import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BehaviourState, type VendorBehaviour, type VendorRequest } from './behaviour.js';

/** What a vendor fake's handler gets for one request. */
export interface HttpExchange {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  url: URL;
  behaviour: VendorBehaviour;
  /** Fill in what the request carried (audio, rate) for the request log. */
  record: VendorRequest;
}

/**
 * The shared shell of the HTTP vendor fakes: a server on 127.0.0.1 and a random port, the
 * request log, the behaviour switch, and the modes that look the same for every HTTP vendor
 * (`die-after`, `stall`). Vendor files answer `ok`, `http-error`, `close-mid-stream` and
 * `garbage` in their own documented shapes.
 */
export class HttpVendorServer {
  readonly requests: VendorRequest[] = [];
  private readonly behaviour = new BehaviourState();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts a server whose requests go to `handle` (after the shared modes were applied). */
  static async start(handle: (exchange: HttpExchange) => void | Promise<void>): Promise<HttpVendorServer> {
    const ref: { self?: HttpVendorServer } = {};
    const server = createServer((req, res) => {
      void ref.self!.dispatch(req, res, handle);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ref.self = new HttpVendorServer(server, `http://127.0.0.1:${port}`);
    return ref.self;
  }

  behave(behaviour: VendorBehaviour): void {
    this.behaviour.set(behaviour);
  }

  /** Drops the connection of `res` without an answer. */
  drop(res: ServerResponse): void {
    res.socket?.destroy();
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, handle: (exchange: HttpExchange) => void | Promise<void>): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const behaviour = this.behaviour.take();
    const record: VendorRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, behaviour: behaviour.mode, audioBytes: 0, sampleRateHz: null };
    this.requests.push(record);
    if (behaviour.mode === 'stall') return;
    if (behaviour.mode === 'die-after') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.drop(res);
      }, behaviour.ms);
      this.timers.add(t);
      return;
    }
    try {
      await handle({ req, res, body: Buffer.concat(chunks), url: new URL(req.url ?? '/', this.origin), behaviour, record });
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
