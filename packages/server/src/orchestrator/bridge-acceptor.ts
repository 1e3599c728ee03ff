import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { acceptUpgrade, closeSocket, createUpgradeServer, refuseUpgrade } from '../transports/ws.js';

/** Bridge sockets live at `${ws base}/v1/internal/bridge/{call_id}?token=<call_token>` (spec 3.5). */
export const BRIDGE_PATH_PREFIX = '/v1/internal/bridge/';

export type PairingOutcome = { kind: 'connected'; ws: WebSocket } | { kind: 'expired' } | { kind: 'cancelled' };

/** One dispatch attempt's expectation of a runner dialing the bridge. */
export interface Pairing {
  /** Settles once: the runner's socket arrived with the right token in time, the window passed, or cancel(). */
  readonly outcome: Promise<PairingOutcome>;
  /** Stop waiting for this attempt (its token no longer pairs). A connected socket stays with its owner. */
  cancel(): void;
  /**
   * The call is over: forget it, so later dials are refused with 4003. Until then a dial with the
   * right token while the bridge is live gets 4009, and after the bridge closed 4003 (one use).
   */
  release(): void;
}

interface Record {
  callId: string;
  digest: Buffer;
  expiresAtMs: number;
  state: 'waiting' | 'connected' | 'done';
  ws: WebSocket | null;
  timer: NodeJS.Timeout;
  settle: (outcome: PairingOutcome) => void;
}

const digestOf = (token: string) => createHash('sha256').update(token).digest();

/**
 * Pairs runner bridge dials with dispatched calls. A call token is random, compared in constant
 * time, good for one socket, and only within the pairing window of the attempt that minted it
 * (a newer attempt's token replaces it). Refusals complete the upgrade and then close with the
 * spec's codes, so runners can tell them apart: 4003 pairing rejected, 4009 bridge already live.
 */
export class BridgeAcceptor {
  private readonly wss = createUpgradeServer();
  private readonly pairings = new Map<string, Record>();
  private closing = false;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  expect(callId: string, token: string, windowMs: number): Pairing {
    const previous = this.pairings.get(callId);
    if (previous) this.finish(previous, { kind: 'cancelled' });
    let settle!: (outcome: PairingOutcome) => void;
    const outcome = new Promise<PairingOutcome>((resolve) => (settle = resolve));
    const record: Record = {
      callId,
      digest: digestOf(token),
      expiresAtMs: this.now() + windowMs,
      state: 'waiting',
      ws: null,
      timer: setTimeout(() => this.finish(record, { kind: 'expired' }), windowMs),
      settle,
    };
    record.timer.unref();
    this.pairings.set(callId, record);
    return {
      outcome,
      cancel: () => {
        if (record.state === 'waiting') this.finish(record, { kind: 'cancelled' });
        else if (this.pairings.get(callId) === record && record.state === 'connected') this.pairings.delete(callId);
      },
      release: () => {
        this.finish(record, { kind: 'cancelled' });
        if (this.pairings.get(callId) === record) this.pairings.delete(callId);
      },
    };
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const rest = url.pathname.slice(BRIDGE_PATH_PREFIX.length).replace(/\/+$/, '');
    if (rest === '' || rest.includes('/')) return refuseUpgrade(socket, 404, 'no such socket');
    let callId: string;
    try {
      callId = decodeURIComponent(rest);
    } catch {
      return refuseUpgrade(socket, 404, 'no such socket');
    }
    const token = url.searchParams.get('token');
    void acceptUpgrade(this.wss, req, socket, head).then((ws) => {
      if (!ws) return;
      ws.on('error', (err) => this.logger.debug({ err: err.message, call_id: callId }, 'bridge socket error'));
      const refusal = this.closing ? { code: CLOSE_CODES.goingAway, reason: 'server is shutting down' } : this.pair(callId, token, ws);
      if (refusal) {
        this.logger.warn({ call_id: callId, code: refusal.code, problem: refusal.reason }, 'bridge dial refused');
        closeSocket(ws, refusal.code, refusal.reason);
      }
    });
  }

  /** Bind `ws` to its call, or say why not. */
  private pair(callId: string, token: string | null, ws: WebSocket): { code: number; reason: string } | null {
    const record = this.pairings.get(callId);
    if (!record) return { code: CLOSE_CODES.pairingRejected, reason: 'pairing rejected: unknown call or no dispatch waiting for a bridge' };
    const presented = token ? digestOf(token) : Buffer.alloc(record.digest.length);
    if (!token || !timingSafeEqual(presented, record.digest)) return { code: CLOSE_CODES.pairingRejected, reason: 'pairing rejected: bad call token' };
    if (record.state === 'connected') {
      if (record.ws && record.ws.readyState === WebSocket.OPEN) return { code: CLOSE_CODES.duplicateBridge, reason: 'a bridge socket is already live for this call' };
      return { code: CLOSE_CODES.pairingRejected, reason: 'pairing rejected: call token already used' };
    }
    if (record.state !== 'waiting' || this.now() > record.expiresAtMs) {
      return { code: CLOSE_CODES.pairingRejected, reason: 'pairing rejected: pairing window expired' };
    }
    clearTimeout(record.timer);
    record.state = 'connected';
    record.ws = ws;
    record.settle({ kind: 'connected', ws });
    return null;
  }

  private finish(record: Record, outcome: PairingOutcome): void {
    if (record.state !== 'waiting') return;
    record.state = 'done';
    clearTimeout(record.timer);
    if (this.pairings.get(record.callId) === record) this.pairings.delete(record.callId);
    record.settle(outcome);
  }

  close(): void {
    this.closing = true;
    for (const record of [...this.pairings.values()]) this.finish(record, { kind: 'cancelled' });
    this.pairings.clear();
    this.wss.close();
  }
}
