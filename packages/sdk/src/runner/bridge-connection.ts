import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { FRAME_NAMES, parseFrame, WorkerToRunnerFrame, type RunnerToWorkerFrame } from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { AsyncQueue } from './async-queue.js';
import { SessionClosedError } from './errors.js';
import { coalesceWrites } from './write-coalescing.js';

/** One decoded worker -> runner frame, or a known frame whose fields failed validation. */
export type InboundItem =
  | { ok: true; frame: WorkerToRunnerFrame }
  | { ok: false; name: string; message: string };

/** How the bridge socket ended. */
export interface BridgeCloseInfo {
  code: number;
  reason: string;
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Frame-level view of one bridge WebSocket: inbound frames are decoded into a queue (unknown
 * events are logged at debug and dropped, never fatal), outbound verbs are JSON-encoded.
 * Listeners attach at construction, so nothing sent right after the handshake is missed.
 */
export class BridgeConnection {
  private readonly queue = new AsyncQueue<InboundItem>();
  private closeInfo: BridgeCloseInfo | null = null;
  private readonly closedPromise: Promise<BridgeCloseInfo>;
  /** The TCP socket under `ws`, known once the upgrade response arrives. */
  private socket: Duplex | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly logger: Logger,
  ) {
    let resolveClosed!: (info: BridgeCloseInfo) => void;
    this.closedPromise = new Promise((resolve) => (resolveClosed = resolve));
    ws.once('upgrade', (res) => (this.socket = res.socket));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString('utf8') };
      this.queue.close();
      resolveClosed(this.closeInfo);
    });
    ws.on('error', (err) => this.logger.debug({ err }, 'bridge socket error'));
  }

  /** Next inbound item; `undefined` once the socket is closed and all frames were read. */
  next(): Promise<InboundItem | undefined> {
    return this.queue.shift();
  }

  /** True while verbs can be sent. */
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.queue.closed;
  }

  /** Close code and reason once the socket has closed, else null. */
  get closeDetails(): BridgeCloseInfo | null {
    return this.closeInfo;
  }

  /** Resolves when the socket has fully closed. */
  get closed(): Promise<BridgeCloseInfo> {
    return this.closedPromise;
  }

  /** Send one runner -> worker frame; throws `SessionClosedError` when the bridge is closed. */
  send(frame: RunnerToWorkerFrame): void {
    if (!this.isOpen) throw new SessionClosedError(frame.event);
    coalesceWrites(this.socket);
    this.ws.send(JSON.stringify(frame));
    this.logger.debug({ verb: frame.event }, 'bridge verb sent');
  }

  /** Like `send`, but returns false instead of throwing when the bridge is closed. */
  trySend(frame: RunnerToWorkerFrame): boolean {
    if (!this.isOpen) return false;
    this.send(frame);
    return true;
  }

  /**
   * Close from the runner side. Reading stops at once (buffered frames are still delivered);
   * the socket finishes its closing handshake in the background.
   */
  close(code = 1000, reason = ''): void {
    this.queue.close();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      try {
        this.ws.close(code, reason);
      } catch {
        this.ws.terminate();
      }
    }
  }

  /** Drop the socket without a closing handshake. */
  terminate(): void {
    this.queue.close();
    this.ws.terminate();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.logger.debug({ bytes: toText(data).length }, 'binary bridge frame ignored');
      return;
    }
    const parsed = parseFrame(toText(data), WorkerToRunnerFrame, 'event', FRAME_NAMES.workerToRunner);
    if (parsed.ok) {
      this.queue.push({ ok: true, frame: parsed.frame });
    } else if (parsed.kind === 'unknown') {
      this.logger.debug({ event: parsed.name }, 'unknown bridge event ignored');
    } else {
      this.logger.warn({ event: parsed.name, kind: parsed.kind, problem: parsed.message }, 'invalid bridge frame ignored');
      if (parsed.name) this.queue.push({ ok: false, name: parsed.name, message: parsed.message });
    }
  }
}
