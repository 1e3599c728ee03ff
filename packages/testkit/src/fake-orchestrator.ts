import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES } from '@unpod/protocol';
import { FrameLog } from './fake-frame-log.js';
import { BridgePeer, ControlPeer, FakeCall, type BridgeBehaviour, type PeerHost } from './fake-bridge-peers.js';

/**
 * A small real WebSocket server speaking the server side of the runner control protocol
 * (`/v1/internal/workers`) and the bridge protocol v2 (`/v1/internal/bridge/{call_id}`), driven
 * by the test: it records every frame, answers `register`, sends `job.assign` / `job.cancel` on
 * demand, accepts bridge dials and (optionally) completes the handshake. Listens on port 0.
 */

export { FrameLog };
export { BridgePeer, ControlPeer, FakeCall, type BridgeBehaviour, type Frame } from './fake-bridge-peers.js';

/** Options of {@link FakeOrchestrator.start}. */
export interface FakeOrchestratorOptions {
  /** Keys accepted on the control socket. Default `['sk_test']`. */
  apiKeys?: string[];
  /** How a bad key is refused: close 4001 after the upgrade (default) or an HTTP 401 upgrade refusal. */
  authFailure?: 'close4001' | 'http401';
  /** `registered.heartbeat_interval_s`. Default 10. */
  heartbeatIntervalS?: number;
  /** `registered.transport_ack`; null omits it. Default `dial_out`. */
  transportAck?: string | null;
  /** Reply `registered` to `register` automatically. Default true. */
  autoRegister?: boolean;
  /** Default bridge behaviour of new calls. */
  bridge?: Partial<BridgeBehaviour>;
  /** Default wait timeout of the frame logs. Default 5000. */
  waitTimeoutMs?: number;
}

/** The fake server. */
export class FakeOrchestrator implements PeerHost {
  /** `http://127.0.0.1:<port>` (pass as the runner's `baseUrl`). */
  readonly baseUrl: string;
  readonly wsUrl: string;
  /** Every control connection, in order. */
  readonly controls: FrameLog<ControlPeer>;
  /** Control connections refused for a bad key (4001 or HTTP 401). */
  readonly authFailures: FrameLog<{ authorization: string | null }>;
  /** Bridge dials refused with 4003 (unknown call or wrong token). */
  readonly rejectedDials: FrameLog<{ callId: string; token: string | null }>;
  readonly waitTimeoutMs: number;
  private readonly calls = new Map<string, FakeCall>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly options: FakeOrchestratorOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 5_000;
    this.controls = new FrameLog<ControlPeer>(this.waitTimeoutMs);
    this.rejectedDials = new FrameLog(this.waitTimeoutMs);
    this.authFailures = new FrameLog(this.waitTimeoutMs);
  }

  /** Listen on 127.0.0.1, port 0. */
  static async start(options: FakeOrchestratorOptions = {}): Promise<FakeOrchestrator> {
    const server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeOrchestrator(server, wss, options);
    server.on('upgrade', (req, socket, head) => fake.onUpgrade(req, socket, head));
    return fake;
  }

  /** The next control connection that sent `register`. */
  async nextWorker(): Promise<ControlPeer> {
    const peer = await this.controls.next();
    await peer.register();
    return peer;
  }

  /** @internal */
  createCall(bridge: Partial<BridgeBehaviour> = {}): FakeCall {
    const behaviour: BridgeBehaviour = {
      autoHandshake: true,
      supportedEvents: 'all',
      supportedVerbs: 'all',
      metadata: { direction: 'inbound', from_number: '+15550001111', to_number: '+15552223333', org_id: 'org_1' },
      voiceProfileId: 'VP_default',
      dropFirstDials: 0,
      ...this.options.bridge,
      ...bridge,
    };
    const call = new FakeCall(behaviour, this.waitTimeoutMs);
    this.calls.set(call.callId, call);
    return call;
  }

  /** Close every socket and the listener. */
  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname === '/v1/internal/workers') {
      const keys = this.options.apiKeys ?? ['sk_test'];
      const ok = keys.some((k) => req.headers.authorization === `Bearer ${k}`);
      if (!ok) this.authFailures.push({ authorization: req.headers.authorization ?? null });
      if (!ok && this.options.authFailure === 'http401') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (!ok) {
          ws.close(CLOSE_CODES.unauthorized, 'invalid api key');
          return;
        }
        this.controls.push(new ControlPeer(ws, req, this));
      });
      return;
    }
    const match = /^\/v1\/internal\/bridge\/([^/]+)$/.exec(url.pathname);
    if (!match) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const callId = decodeURIComponent(match[1]!);
      const call = this.calls.get(callId);
      if (!call || url.searchParams.get('token') !== call.token) {
        ws.close(CLOSE_CODES.pairingRejected, 'pairing rejected');
        this.rejectedDials.push({ callId, token: url.searchParams.get('token') });
        return;
      }
      if (call.dials.items.some((p) => p.isOpen && !p.dropped)) {
        ws.close(CLOSE_CODES.duplicateBridge, 'bridge already open');
        return;
      }
      const peer = new BridgePeer(ws, url, call, this.waitTimeoutMs);
      if (call.dropped < call.behaviour.dropFirstDials) {
        call.dropped += 1;
        peer.dropped = true;
        ws.close(CLOSE_CODES.internalError, 'dropped by test');
      }
      call.dials.push(peer);
    });
  }
}
