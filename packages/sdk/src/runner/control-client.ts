import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import {
  CLOSE_CODES,
  FRAME_NAMES,
  MAX_FRAME_BYTES,
  OrchestratorToRunnerFrame,
  parseFrame,
  type HeartbeatFrame,
  type JobAssignFrame,
  type JobCancelFrame,
  type RegisterFrame,
  type RunnerToOrchestratorFrame,
} from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { reconnectDelayMs } from './backoff.js';
import type { RunnerTiming } from './config.js';
import { RunnerAuthError, TransportRejectedError, type RunnerError } from './errors.js';
import { coalesceWrites } from './write-coalescing.js';

/** Inputs of {@link ControlClient}. */
export interface ControlClientOptions {
  /** `ws(s)://HOST/v1/internal/workers`. */
  url: string;
  /** Several nodes' control URLs (`url` is ignored when given): a failed or dropped connection moves to the next. */
  urls?: readonly string[];
  apiKey: string;
  logger: Logger;
  timing: RunnerTiming;
  /** The `register` frame (built fresh on every connect). */
  register: () => RegisterFrame;
  /** The current `heartbeat` frame. */
  heartbeat: () => HeartbeatFrame;
  /** Each successful registration. */
  onRegistered: (info: { heartbeatIntervalS: number; reconnect: boolean }) => void;
  /** `job.assign` / `job.cancel`; reply through `send()`. */
  onJobFrame: (frame: JobAssignFrame | JobCancelFrame) => void;
  /** A non-retriable failure: the client has stopped. */
  onFatal: (err: RunnerError) => void;
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * The runner's control socket (spec 3.4): connect with the bearer key, `register`, require
 * `registered` (with `transport_ack: "dial_out"`), heartbeat at the advertised interval, and hand
 * job frames to the runner. Reconnects with jittered exponential backoff; 4001/1008 (or an HTTP
 * 401/403 upgrade refusal) and a wrong transport are fatal. Unknown frames are ignored. With
 * several URLs (cluster nodes), each reconnect goes to the next URL in turn, so a runner whose
 * node died registers with a surviving one.
 */
export class ControlClient {
  private ws: WebSocket | null = null;
  /** The TCP socket under `ws` once upgraded (write coalescing). */
  private socket: Duplex | null = null;
  private stopped = false;
  private started = false;
  private everRegistered = false;
  /** Why the last connection attempt failed, for the reconnect log line. */
  private lastError: string | null = null;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly urls: readonly string[];
  private urlIndex = 0;

  constructor(private readonly options: ControlClientOptions) {
    this.urls = options.urls && options.urls.length > 0 ? options.urls : [options.url];
  }

  /** The control URL the next (or current) connection uses. */
  get currentUrl(): string {
    return this.urls[this.urlIndex]!;
  }

  /** Begin connecting (idempotent). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.loopDone = this.loop();
  }

  /** True while registered on an open socket. */
  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Send a frame if the socket is open; returns false otherwise. */
  send(frame: RunnerToOrchestratorFrame): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    coalesceWrites(this.socket);
    ws.send(JSON.stringify(frame));
    return true;
  }

  /** Send a heartbeat now (e.g. when draining starts). */
  sendHeartbeat(): void {
    this.send(this.options.heartbeat());
  }

  /** Stop reconnecting, close the socket with 1000 and resolve once the loop has exited. */
  async close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const ws = this.ws;
    if (ws) {
      const force = setTimeout(() => ws.terminate(), this.options.timing.closeGraceMs);
      force.unref?.();
      try {
        ws.close(CLOSE_CODES.normal, 'runner shutdown');
      } catch {
        ws.terminate();
      }
    }
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const { logger, timing } = this.options;
    let failures = 0;
    while (!this.stopped) {
      let registered = false;
      try {
        registered = await this.connectOnce();
      } catch (err) {
        this.stopped = true;
        logger.error({ err }, 'control socket refused; runner stopped');
        this.options.onFatal(err as RunnerError);
        return;
      }
      if (this.stopped) return;
      failures = registered ? 1 : failures + 1;
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      const delayMs = reconnectDelayMs(failures, timing.random, timing.reconnectBaseMs, timing.reconnectMaxMs);
      logger.warn(
        { attempt: failures, delay_ms: Math.round(delayMs), cause: this.lastError, ...(this.urls.length > 1 ? { next_node: this.urlIndex } : {}) },
        'control socket down; reconnecting',
      );
      this.lastError = null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * One connection: resolves with whether it registered once the socket closes, rejects with a
   * fatal error (auth, transport).
   */
  private connectOnce(): Promise<boolean> {
    const { apiKey, logger, timing } = this.options;
    const url = this.currentUrl;
    return new Promise<boolean>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${apiKey}` }, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
      this.ws = ws;
      this.socket = null;
      ws.once('upgrade', (res) => {
        if (this.ws === ws) this.socket = res.socket;
      });
      let registered = false;
      let fatal: RunnerError | null = null;
      let heartbeat: NodeJS.Timeout | null = null;
      let registerTimer: NodeJS.Timeout | null = null;

      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        if (status === 401 || status === 403) fatal = new RunnerAuthError(status, 'upgrade refused');
        else logger.warn({ status }, 'control socket upgrade refused');
        ws.terminate();
      });
      ws.on('open', () => {
        logger.debug({ url }, 'control socket open; registering');
        ws.send(JSON.stringify(this.options.register()));
        registerTimer = setTimeout(() => {
          logger.warn({ timeout_ms: timing.registerTimeoutMs }, 'no "registered" reply; reconnecting');
          ws.terminate();
        }, timing.registerTimeoutMs);
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const parsed = parseFrame(toText(data), OrchestratorToRunnerFrame, 'type', FRAME_NAMES.orchestratorToRunner);
        if (!parsed.ok) {
          if (parsed.kind === 'unknown') logger.debug({ type: parsed.name }, 'unknown control frame ignored');
          else logger.warn({ type: parsed.name, problem: parsed.message }, 'invalid control frame ignored');
          return;
        }
        const frame = parsed.frame;
        if (frame.type === 'registered') {
          if (registered) return;
          if (frame.transport_ack !== 'dial_out') {
            fatal = new TransportRejectedError(frame.transport_ack);
            ws.close(CLOSE_CODES.normal, 'transport rejected');
            return;
          }
          registered = true;
          if (registerTimer) clearTimeout(registerTimer);
          const intervalMs = frame.heartbeat_interval_s * 1000;
          logger.info({ heartbeat_interval_s: frame.heartbeat_interval_s }, this.everRegistered ? 're-registered' : 'registered');
          const reconnect = this.everRegistered;
          this.everRegistered = true;
          this.sendHeartbeat();
          heartbeat = setInterval(() => {
            this.sendHeartbeat();
            logger.debug({}, 'heartbeat sent');
          }, intervalMs);
          this.options.onRegistered({ heartbeatIntervalS: frame.heartbeat_interval_s, reconnect });
          return;
        }
        if (!registered) {
          logger.warn({ type: frame.type }, 'control frame before "registered"; reconnecting');
          ws.terminate();
          return;
        }
        this.options.onJobFrame(frame);
      });
      ws.on('error', (err) => {
        this.lastError = err.message;
        logger.debug({ err }, 'control socket error');
      });
      ws.on('close', (code) => {
        if (heartbeat) clearInterval(heartbeat);
        if (registerTimer) clearTimeout(registerTimer);
        if (this.ws === ws) {
          this.ws = null;
          this.socket = null;
        }
        if (code === CLOSE_CODES.unauthorized || code === CLOSE_CODES.policy) fatal = new RunnerAuthError(code);
        if (fatal && !this.stopped) {
          reject(fatal);
          return;
        }
        if (registered) logger.info({ code }, 'control socket closed');
        else this.lastError ??= `closed with ${code} before registration`;
        resolve(registered);
      });
    });
  }
}
