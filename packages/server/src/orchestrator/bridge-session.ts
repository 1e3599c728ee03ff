import { WebSocket } from 'ws';
import {
  BASE_VERBS,
  CLOSE_CODES,
  EXTENSION_VERBS,
  FRAME_NAMES,
  RunnerToWorkerFrame,
  parseFrame,
  type HelloFrame,
  type WorkerToRunnerFrame,
} from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { closeSocket, keepAlive, rawText, sendJson } from '../transports/ws.js';

/** Runner -> worker frames after the handshake. */
export type RunnerVerb = Exclude<RunnerToWorkerFrame, HelloFrame>;

export interface BridgeCloseInfo {
  code: number;
  reason: string;
  /** True when this side closed the socket (call end, shutdown). */
  byUs: boolean;
}

/** The call that owns the bridge after the handshake. */
export interface BridgeHandler {
  verb(frame: RunnerVerb): void;
  closed(info: BridgeCloseInfo): void;
}

/** `hello.ack` fields (spec 4.1). */
export interface HelloAckFields {
  protocol_version: number;
  negotiated_events: string[];
  negotiated_verbs: string[];
  call_id: string;
  session_id: string;
  job_id: string;
  room_id: string;
}

/** `call.started` fields (spec 4.1). */
export interface CallStartedFields {
  session_id: string;
  job_id: string;
  room_id: string;
  metadata: Record<string, unknown>;
  voice_profile_id?: string;
  agent_id?: string;
}

/** Events sent whether or not the runner listed them: the call cannot work without them. */
const ALWAYS_SENT: ReadonlySet<string> = new Set(['hello.ack', 'call.started', 'user.text', 'user.interrupted', 'error']);

/** Verbs this server accepts (all of them; unsupported effects are recorded and logged). */
export const SUPPORTED_VERBS: readonly string[] = [...BASE_VERBS, ...EXTENSION_VERBS];

/**
 * `hello.ack` lists (spec 4.1): events = what the runner listed and we can send for this call,
 * always including `error`; verbs = what the runner listed and we accept. Order follows the
 * runner's lists; duplicates are dropped.
 */
export function negotiate(hello: HelloFrame, supportedEvents: readonly string[]): { events: string[]; verbs: string[] } {
  const events = new Set(hello.supported_events.filter((e) => supportedEvents.includes(e)));
  events.add('error');
  const verbs = new Set(hello.supported_verbs.filter((v) => SUPPORTED_VERBS.includes(v)));
  return { events: [...events], verbs: [...verbs] };
}

type Phase = 'awaiting_hello' | 'handshaking' | 'live' | 'closed';

/**
 * One call's bridge socket (worker side): waits for `hello`, answers `hello.ack` then
 * `call.started`, then carries events to the runner (extension and optional events only when
 * negotiated) and verbs to the call. A malformed verb is answered with a `warn` error frame and
 * skipped; unknown verbs are ignored. Verbs that arrive before the call attaches are queued.
 */
export class BridgeSession {
  private phase: Phase = 'awaiting_hello';
  private helloWaiter: ((hello: HelloFrame | null) => void) | null = null;
  private hello: HelloFrame | null = null;
  private queue: RunnerVerb[] = [];
  private handler: BridgeHandler | null = null;
  private closeInfo: BridgeCloseInfo | null = null;
  private closingByUs = false;
  private events: ReadonlySet<string> = new Set();
  private readonly logger: Logger;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: { callId: string; logger: Logger; queueLimit: number; pingIntervalMs: number },
  ) {
    this.logger = options.logger;
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? null : rawText(data)));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    if (ws.readyState !== WebSocket.OPEN) this.onClose(1006, 'socket closed before the bridge session started');
    else keepAlive(ws, options.pingIntervalMs);
  }

  get isOpen(): boolean {
    return this.phase !== 'closed' && this.ws.readyState === WebSocket.OPEN;
  }

  /** Resolves with the runner's `hello`, or why it did not come (a wrong first frame counts as closed). */
  waitForHello(timeoutMs: number, signal: AbortSignal): Promise<HelloFrame | 'timeout' | 'closed' | 'aborted'> {
    if (this.hello) return Promise.resolve(this.hello);
    if (this.phase === 'closed') return Promise.resolve('closed');
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.close(CLOSE_CODES.handshakeFailed, `no hello within ${timeoutMs} ms`);
        done('timeout');
      }, timeoutMs);
      const onAbort = () => done('aborted');
      const done = (outcome: HelloFrame | 'timeout' | 'closed' | 'aborted') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.helloWaiter = null;
        resolve(outcome);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.helloWaiter = (hello) => done(hello ?? 'closed');
    });
  }

  /** Send `hello.ack` and `call.started` (in that order) and start carrying events. */
  start(ack: HelloAckFields, started: CallStartedFields): boolean {
    if (this.phase !== 'handshaking') return false;
    this.events = new Set(ack.negotiated_events);
    this.phase = 'live';
    sendJson(this.ws, { event: 'hello.ack', ...ack });
    return sendJson(this.ws, { event: 'call.started', ...started });
  }

  /** Hand verbs to the call: queued ones first, then live ones. A close that already happened is reported. */
  attach(handler: BridgeHandler): void {
    this.handler = handler;
    const queued = this.queue;
    this.queue = [];
    for (const verb of queued) handler.verb(verb);
    if (this.closeInfo) handler.closed(this.closeInfo);
  }

  /** True when the runner negotiated `event` (or it is one the call always needs). */
  accepts(event: string): boolean {
    return ALWAYS_SENT.has(event) || this.events.has(event);
  }

  /** Send an event to the runner if negotiated; false when skipped or the socket is gone. */
  send(frame: WorkerToRunnerFrame): boolean {
    if (this.phase !== 'live' || !this.accepts(frame.event)) return false;
    return sendJson(this.ws, frame);
  }

  close(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    this.closingByUs = true;
    closeSocket(this.ws, code, reason);
  }

  private onMessage(text: string | null): void {
    if (this.phase === 'closed') return;
    if (text === null) {
      if (this.phase === 'awaiting_hello') return this.close(CLOSE_CODES.handshakeFailed, 'expected hello');
      return this.warn('invalid_frame', 'binary frames are not part of the bridge protocol');
    }
    const parsed = parseFrame(text, RunnerToWorkerFrame, 'event', FRAME_NAMES.runnerToWorker);
    if (this.phase === 'awaiting_hello') {
      if (!parsed.ok || parsed.frame.event !== 'hello') {
        return this.close(CLOSE_CODES.handshakeFailed, parsed.ok ? `expected hello, got ${parsed.frame.event}` : `expected hello: ${parsed.message}`);
      }
      this.hello = parsed.frame;
      this.phase = 'handshaking';
      this.helloWaiter?.(parsed.frame);
      return;
    }
    if (!parsed.ok) {
      if (parsed.kind === 'unknown') {
        this.logger.debug({ verb: parsed.name }, 'unknown bridge verb ignored');
        return;
      }
      this.logger.warn({ verb: parsed.name, kind: parsed.kind, problem: parsed.message }, 'invalid bridge frame skipped');
      return this.warn('invalid_frame', parsed.message);
    }
    const frame = parsed.frame;
    if (frame.event === 'hello') {
      this.logger.debug('repeated hello ignored');
      return;
    }
    if (this.handler) return this.handler.verb(frame);
    if (this.queue.length >= this.options.queueLimit) return this.warn('queue_full', 'too many verbs before the call started; verb dropped');
    this.queue.push(frame);
  }

  private warn(code: string, message: string): void {
    if (this.phase !== 'live') return;
    this.send({ event: 'error', severity: 'warn', source: 'internal', code, message });
  }

  private onClose(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeInfo = { code, reason, byUs: this.closingByUs };
    this.helloWaiter?.(null);
    this.handler?.closed(this.closeInfo);
  }
}
