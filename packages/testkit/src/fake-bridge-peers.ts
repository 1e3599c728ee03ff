import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { BRIDGE_PROTOCOL_VERSION, BASE_EVENTS, BASE_VERBS } from '@unpod/protocol';
import { FrameLog } from './fake-frame-log.js';

/**
 * The peers of the fake orchestrator: one control connection per runner (re)connect, one bridge
 * socket per dial, and the calls they belong to. Each peer records every frame it receives.
 */

/** A decoded frame as received (loose: tests assert on fields). */
export type Frame = Record<string, unknown>;

/** How the fake bridge treats the dials of one call. */
export interface BridgeBehaviour {
  /** Answer `hello` with `hello.ack` then `call.started`. Default true. */
  autoHandshake: boolean;
  /** Extension events/verbs the fake supports; negotiated = intersection with `hello`. Default: all offered. */
  supportedEvents: string[] | 'all';
  supportedVerbs: string[] | 'all';
  /** `call.started.metadata`. */
  metadata: Record<string, unknown>;
  /** `call.started.voice_profile_id`. */
  voiceProfileId: string | null;
  /** Close this many dial attempts (code 1011) right after the upgrade, before any frame. */
  dropFirstDials: number;
}

/** What the peers need from the fake server. */
export interface PeerHost {
  readonly options: { autoRegister?: boolean; heartbeatIntervalS?: number; transportAck?: string | null };
  readonly waitTimeoutMs: number;
  readonly wsUrl: string;
  createCall(bridge?: Partial<BridgeBehaviour>): FakeCall;
}


function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** A peer socket with a frame log and a close promise. */
abstract class Peer {
  readonly frames: FrameLog<Frame>;
  /** Resolves with the close code once the socket has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly ws: WebSocket,
    timeoutMs: number,
  ) {
    this.frames = new FrameLog<Frame>(timeoutMs);
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let frame: Frame;
      try {
        frame = JSON.parse(toText(data)) as Frame;
      } catch {
        frame = { invalid_json: toText(data) };
      }
      this.frames.push(frame);
      this.onFrame(frame);
    });
  }

  protected abstract onFrame(frame: Frame): void;

  /** Send a raw frame object. */
  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Close with a code (default 1000). */
  close(code = 1000, reason = ''): void {
    this.ws.close(code, reason);
  }

  /** Drop the TCP connection without a close frame. */
  terminate(): void {
    this.ws.terminate();
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

/** One runner control connection. */
export class ControlPeer extends Peer {
  /** Request headers of the upgrade (e.g. `authorization`). */
  readonly headers: IncomingMessage['headers'];

  constructor(
    ws: WebSocket,
    req: IncomingMessage,
    private readonly orchestrator: PeerHost,
  ) {
    super(ws, orchestrator.waitTimeoutMs);
    this.headers = req.headers;
  }

  /** `capabilities.agent_id` of the `register` frame, once received. */
  agentId: string | null = null;

  protected onFrame(frame: Frame): void {
    if (frame.type !== 'register') return;
    const agentId = (frame.capabilities as Frame | undefined)?.agent_id;
    if (typeof agentId === 'string') this.agentId = agentId;
    if (this.orchestrator.options.autoRegister !== false) this.sendRegistered();
  }

  /** Reply `registered` with the configured interval and transport. */
  sendRegistered(overrides: Frame = {}): void {
    const opts = this.orchestrator.options;
    const frame: Frame = { type: 'registered', heartbeat_interval_s: opts.heartbeatIntervalS ?? 10 };
    const ack = opts.transportAck === undefined ? 'dial_out' : opts.transportAck;
    if (ack !== null) frame.transport_ack = ack;
    this.send({ ...frame, ...overrides });
  }

  /** The `register` frame (waits for it). */
  register(): Promise<Frame> {
    return this.frames.find((f) => f.type === 'register');
  }

  /** Create a call on the fake and send `job.assign` for it. */
  assign(options: { agentId?: string; jobId?: string; assignId?: string; bridge?: Partial<BridgeBehaviour>; extra?: Frame } = {}): FakeCall {
    const call = this.orchestrator.createCall(options.bridge);
    call.agentId = options.agentId ?? this.agentId ?? 'agent';
    const jobId = options.jobId ?? `job_${call.callId}`;
    call.jobId = jobId;
    call.assignId = options.assignId ?? randomUUID();
    this.send({
      type: 'job.assign',
      job_id: jobId,
      call_id: call.callId,
      agent_id: call.agentId,
      bridge_url: `${this.orchestrator.wsUrl}/v1/internal/bridge/${call.callId}?via=fake`,
      call_token: call.token,
      assign_id: call.assignId,
      deadline_ms: 2000,
      metadata: { org_id: 'org_1' },
      ...options.extra,
    });
    return call;
  }

  /** The `job.ack` for `assignId` (waits for it). */
  ack(assignId: string): Promise<Frame> {
    return this.frames.find((f) => f.type === 'job.ack' && f.assign_id === assignId);
  }

  /** Send `job.cancel`. */
  cancel(jobId: string, reason?: string): void {
    this.send({ type: 'job.cancel', job_id: jobId, ...(reason ? { reason } : {}) });
  }
}

/** One bridge socket of a call. */
export class BridgePeer extends Peer {
  /** The `token` query parameter of the dial. */
  readonly token: string | null;
  /** Query string of the dial (the fake adds `via=fake` to check query preservation). */
  readonly query: URLSearchParams;
  /** True when the fake closed this dial on purpose (`dropFirstDials`). */
  dropped = false;

  constructor(
    ws: WebSocket,
    url: URL,
    readonly call: FakeCall,
    timeoutMs: number,
  ) {
    super(ws, timeoutMs);
    this.token = url.searchParams.get('token');
    this.query = url.searchParams;
  }

  protected onFrame(frame: Frame): void {
    if (frame.event === 'hello' && this.call.behaviour.autoHandshake) this.handshake(frame);
  }

  /** Send `hello.ack` (negotiating against `hello`) then `call.started`. */
  handshake(hello: Frame): void {
    const b = this.call.behaviour;
    const pick = (offered: unknown, supported: string[] | 'all'): string[] => {
      const list = Array.isArray(offered) ? offered.filter((x): x is string => typeof x === 'string') : [];
      return supported === 'all' ? list : list.filter((x) => isBase(x) || supported.includes(x));
    };
    this.send({
      event: 'hello.ack',
      protocol_version: BRIDGE_PROTOCOL_VERSION,
      negotiated_events: pick(hello.supported_events, b.supportedEvents),
      negotiated_verbs: pick(hello.supported_verbs, b.supportedVerbs),
      call_id: this.call.callId,
      session_id: this.call.sessionId,
      job_id: this.call.jobId,
      room_id: `room_${this.call.callId}`,
    });
    this.send({
      event: 'call.started',
      session_id: this.call.sessionId,
      job_id: this.call.jobId,
      room_id: `room_${this.call.callId}`,
      metadata: b.metadata,
      voice_profile_id: b.voiceProfileId,
      agent_id: this.call.agentId,
    });
  }

  /** Send a final (or partial) `user.text`. */
  userText(text: string, extra: Frame = {}): void {
    this.send({ event: 'user.text', text, is_final: true, ...extra });
  }

  /** Send `user.interrupted`. */
  interrupt(heardPrefix: string | null, turnId = 0): void {
    this.send({ event: 'user.interrupted', turn_id: turnId, heard_prefix: heardPrefix });
  }

  /** Send an `error` frame. */
  error(severity: 'warn' | 'error' | 'fatal', code = 'test.error', source = 'internal'): void {
    this.send({ event: 'error', severity, source, code, message: `test ${severity}` });
  }
}

const BASE: ReadonlySet<string> = new Set<string>([...BASE_EVENTS, ...BASE_VERBS]);
function isBase(name: string): boolean {
  return BASE.has(name);
}

/** A call the fake created; its bridge dials are logged in `dials`. */
export class FakeCall {
  readonly callId = `call_${randomUUID().slice(0, 8)}`;
  readonly sessionId = `SCL_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  readonly token = `ct_${randomUUID()}`;
  jobId = '';
  assignId = '';
  agentId: string | null = null;
  /** Every accepted dial, in order (including dropped ones). */
  readonly dials: FrameLog<BridgePeer>;
  dropped = 0;

  constructor(
    readonly behaviour: BridgeBehaviour,
    timeoutMs: number,
  ) {
    this.dials = new FrameLog<BridgePeer>(timeoutMs);
  }

  /**
   * The next dial that was not dropped; with `autoHandshake`, resolves once `hello.ack` and
   * `call.started` were sent, so frames sent next reach the runner's session.
   */
  async bridge(): Promise<BridgePeer> {
    const peer = await this.dials.next((p) => !p.dropped);
    if (this.behaviour.autoHandshake) await peer.frames.find((f) => f.event === 'hello');
    return peer;
  }
}
