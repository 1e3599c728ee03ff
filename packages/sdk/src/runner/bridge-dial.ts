import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import {
  BASE_EVENTS,
  BASE_VERBS,
  BRIDGE_PROTOCOL_VERSION,
  CLOSE_CODES,
  EXTENSION_EVENTS,
  EXTENSION_VERBS,
  MAX_FRAME_BYTES,
  type CallStartedFrame,
  type HelloAckFrame,
  type HelloFrame,
} from '@unpod/protocol';
import type { Logger } from '../logger.js';
import { BridgeConnection } from './bridge-connection.js';
import { BridgeDialError, CallCancelledError } from './errors.js';
import { bridgeUrlWithToken, redactUrl } from './redact.js';

/** The `hello` this SDK sends: protocol v2, the reference lists plus Unpod extensions. */
export function buildHello(): HelloFrame {
  return {
    event: 'hello',
    protocol_version: BRIDGE_PROTOCOL_VERSION,
    supported_events: [...BASE_EVENTS, ...EXTENSION_EVENTS],
    supported_verbs: [...BASE_VERBS, ...EXTENSION_VERBS],
  };
}

/** A bridge whose handshake completed: the call is live. */
export interface BridgeHandshake {
  conn: BridgeConnection;
  helloAck: HelloAckFrame;
  callStarted: CallStartedFrame;
  /** Dial attempts used (1 when the first one succeeded). */
  attempts: number;
}

/** Inputs of {@link dialBridge}. */
export interface DialBridgeOptions {
  bridgeUrl: string;
  callToken: string;
  /** Aborts the dial (job.cancel, shutdown); never retried. */
  signal: AbortSignal;
  openTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** Sleeps between attempts; attempts = length + 1. */
  retryDelaysMs: readonly number[];
  logger: Logger;
}

const CLOSE_HINTS: Record<number, string> = {
  [CLOSE_CODES.pairingRejected]: 'pairing rejected: unknown call, pairing window expired, or bad call token',
  [CLOSE_CODES.duplicateBridge]: 'a bridge socket is already open for this call',
  [CLOSE_CODES.handshakeFailed]: 'the server rejected the handshake',
};

function cancelReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CallCancelledError(String(signal.reason ?? 'aborted'));
}

/** 4003 is final (the token or pairing will not become valid); everything else may be retried. */
function isRetriable(err: unknown): boolean {
  return !(err instanceof BridgeDialError && err.closeCode === CLOSE_CODES.pairingRejected);
}

async function openSocket(url: string, opts: DialBridgeOptions): Promise<BridgeConnection> {
  // No compression: frames are small JSON, and deflate costs CPU and latency on every frame.
  const ws = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const conn = new BridgeConnection(ws, opts.logger);
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('close', onClose);
    };
    const fail = (err: Error): void => {
      cleanup();
      conn.terminate();
      reject(err);
    };
    const onOpen = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => fail(new BridgeDialError('bridge_dial_failed', `bridge connect failed: ${err.message}`, null, err));
    const onClose = (code: number): void =>
      fail(new BridgeDialError('bridge_dial_failed', `bridge closed while opening (${code}${CLOSE_HINTS[code] ? `: ${CLOSE_HINTS[code]}` : ''})`, code));
    const onAbort = (): void => fail(cancelReason(opts.signal));
    const timer = setTimeout(
      () => fail(new BridgeDialError('bridge_dial_failed', `bridge did not open within ${opts.openTimeoutMs} ms`)),
      opts.openTimeoutMs,
    );
    ws.once('open', onOpen);
    ws.once('error', onError);
    ws.once('close', onClose);
    opts.signal.addEventListener('abort', onAbort, { once: true });
  });
  return conn;
}

/** Send `hello`, then require `hello.ack` and `call.started`, in that order, within the timeout. */
async function handshake(conn: BridgeConnection, opts: DialBridgeOptions): Promise<{ helloAck: HelloAckFrame; callStarted: CallStartedFrame }> {
  let stop: 'timeout' | 'abort' | null = null;
  const timer = setTimeout(() => {
    stop = 'timeout';
    conn.terminate();
  }, opts.handshakeTimeoutMs);
  const onAbort = (): void => {
    stop = 'abort';
    conn.terminate();
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    // If the server already closed (e.g. 4003), reading below reports its close code.
    conn.trySend(buildHello());
    let helloAck: HelloAckFrame | null = null;
    for (;;) {
      const item = await conn.next();
      if (stop === 'abort') throw cancelReason(opts.signal);
      if (stop === 'timeout') {
        throw new BridgeDialError(
          'bridge_handshake_failed',
          `no ${helloAck ? 'call.started' : 'hello.ack'} within ${opts.handshakeTimeoutMs} ms of hello`,
        );
      }
      if (!item) {
        const code = (await conn.closed).code;
        throw new BridgeDialError(
          'bridge_handshake_failed',
          `bridge closed during handshake (${code}${CLOSE_HINTS[code] ? `: ${CLOSE_HINTS[code]}` : ''})`,
          code,
        );
      }
      if (!item.ok) {
        throw new BridgeDialError('bridge_handshake_failed', `invalid ${item.name} during handshake: ${item.message}`);
      }
      const frame = item.frame;
      if (!helloAck) {
        if (frame.event !== 'hello.ack') throw new BridgeDialError('bridge_handshake_failed', `expected hello.ack, got ${frame.event}`);
        helloAck = frame;
        continue;
      }
      if (frame.event !== 'call.started') throw new BridgeDialError('bridge_handshake_failed', `expected call.started, got ${frame.event}`);
      return { helloAck, callStarted: frame };
    }
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Dial the call's bridge (spec 3.5): `bridge_url` plus `token=<call_token>`, open timeout per
 * attempt, then the v2 handshake (spec 4.1). Only failures before the handshake completes are
 * retried, so the entrypoint can never run twice for one call. A 4003 close is final.
 */
export async function dialBridge(opts: DialBridgeOptions): Promise<BridgeHandshake> {
  const url = bridgeUrlWithToken(opts.bridgeUrl, opts.callToken);
  const logUrl = redactUrl(url);
  const attempts = opts.retryDelaysMs.length + 1;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal.aborted) throw cancelReason(opts.signal);
    let conn: BridgeConnection | null = null;
    try {
      opts.logger.debug({ url: logUrl, attempt }, 'dialing bridge');
      conn = await openSocket(url, opts);
      const { helloAck, callStarted } = await handshake(conn, opts);
      opts.logger.info(
        { url: logUrl, attempt, negotiated_events: helloAck.negotiated_events, negotiated_verbs: helloAck.negotiated_verbs },
        'bridge handshake complete',
      );
      return { conn, helloAck, callStarted, attempts: attempt };
    } catch (err) {
      conn?.terminate();
      if (opts.signal.aborted) throw cancelReason(opts.signal);
      const last = attempt >= attempts || !isRetriable(err);
      const wrapped = err instanceof BridgeDialError ? err : new BridgeDialError('bridge_dial_failed', String(err), null, err);
      opts.logger.warn({ url: logUrl, attempt, attempts, code: wrapped.code, close_code: wrapped.closeCode, err: wrapped.message }, last ? 'bridge dial failed' : 'bridge dial failed; retrying');
      if (last) throw wrapped;
      try {
        await sleep(opts.retryDelaysMs[attempt - 1] ?? 0, undefined, { signal: opts.signal });
      } catch {
        throw cancelReason(opts.signal);
      }
    }
  }
}
