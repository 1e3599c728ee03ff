import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { CLOSE_CODES } from '@unpod/protocol';
import type { CallRecord } from '../../control/store/repos/calls.js';
import type { SessionGrant } from '../../control/store/repos/session-tokens.js';
import { generateSecret, hashSecret } from '../../control/keys.js';
import type { Logger } from '../../logger.js';
import { acceptUpgrade, closeSocket, createUpgradeServer, rawText, refuseUpgrade, sendJson } from '../ws.js';
import { TextTransport } from './text-transport.js';

/** `WS /v1/calls/{id}/client?token=ct_...`: the one-use client socket of a text call. */
export const CLIENT_PATH = /^\/v1\/calls\/([^/]+)\/client\/?$/;
/** `WS /v1/sessions/connect?token=st_...`: a browser starts a text call with a session token. */
export const SESSION_CONNECT_PATH = '/v1/sessions/connect';

export interface TextGatewayDeps {
  logger: Logger;
  /** WebSocket base URL of this node, e.g. `ws://127.0.0.1:7700`. */
  wsBase: () => string;
  clientConnectWindowMs: number;
  clientBufferFrames: number;
  socketPingIntervalMs: number;
  /** Consume a session token (single use); undefined when unknown, used or expired. */
  consumeSessionToken(token: string): Promise<SessionGrant | undefined>;
  /** Create the call row for a session; an error code when that is impossible. */
  createSessionCall(grant: SessionGrant): Promise<CallRecord | { code: string; message: string }>;
  /** Start a call whose client transport already exists. */
  launch(call: CallRecord, transport: TextTransport): Promise<void>;
}

interface Pending {
  transport: TextTransport;
  digest: Buffer;
  timer: NodeJS.Timeout;
}

/** Frames a browser may send before its session call exists; more is refused. */
const MAX_EARLY_FRAMES = 32;

/**
 * Client sockets of text calls. A call created through the API gets a one-use `client_url`
 * whose token must be presented within the connect window (else the call ends with
 * `transport_lost`); the browser path consumes a session token and becomes the client of a new
 * call on the token's pipe. Refusals complete the upgrade and close with a code a browser can
 * read: 4003 bad/used client token or unknown call, 4009 a client is already connected,
 * 4001 bad session token.
 */
export class TextGateway {
  private readonly wss = createUpgradeServer();
  private readonly pending = new Map<string, Pending>();
  private closing = false;

  constructor(private readonly deps: TextGatewayDeps) {}

  /** A text transport for an API-created call, and the client URL to give its creator. */
  create(callId: string): { transport: TextTransport; clientUrl: string } {
    const token = generateSecret('ct');
    const entry: Pending = {
      transport: new TextTransport({
        callId,
        logger: this.deps.logger,
        bufferLimit: this.deps.clientBufferFrames,
        pingIntervalMs: this.deps.socketPingIntervalMs,
        onEnded: () => this.forget(callId, entry),
      }),
      digest: Buffer.from(hashSecret(token), 'hex'),
      timer: setTimeout(() => entry.transport.connectWindowPassed(this.deps.clientConnectWindowMs), this.deps.clientConnectWindowMs),
    };
    entry.timer.unref();
    this.pending.set(callId, entry);
    const clientUrl = `${this.deps.wsBase()}/v1/calls/${encodeURIComponent(callId)}/client?token=${token}`;
    return { transport: entry.transport, clientUrl };
  }

  handleClientUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const match = CLIENT_PATH.exec(url.pathname);
    if (!match) return refuseUpgrade(socket, 404, 'no such socket');
    const callId = safeDecode(match[1]!);
    const token = url.searchParams.get('token');
    void acceptUpgrade(this.wss, req, socket, head).then((ws) => {
      if (!ws) return;
      ws.on('error', () => undefined);
      const refusal = this.closing ? { code: CLOSE_CODES.goingAway, reason: 'server is shutting down' } : this.pair(callId, token, ws);
      if (refusal) closeSocket(ws, refusal.code, refusal.reason);
    });
  }

  private pair(callId: string | null, token: string | null, ws: WebSocket): { code: number; reason: string } | null {
    const entry = callId === null ? undefined : this.pending.get(callId);
    if (!entry || entry.transport.hasEnded) return { code: CLOSE_CODES.pairingRejected, reason: 'unknown call, or the call has ended' };
    const presented = token ? Buffer.from(hashSecret(token), 'hex') : null;
    if (!presented || !timingSafeEqual(presented, entry.digest)) return { code: CLOSE_CODES.pairingRejected, reason: 'bad client token' };
    if (entry.transport.clientAttached) return { code: CLOSE_CODES.duplicateBridge, reason: 'the client token was already used' };
    clearTimeout(entry.timer);
    entry.transport.attach(ws);
    return null;
  }

  handleSessionUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (url.pathname.replace(/\/+$/, '') !== SESSION_CONNECT_PATH) return refuseUpgrade(socket, 404, 'no such socket');
    const token = url.searchParams.get('token') ?? '';
    void acceptUpgrade(this.wss, req, socket, head).then((ws) => {
      if (!ws) return;
      ws.on('error', () => undefined);
      if (this.closing) return closeSocket(ws, CLOSE_CODES.goingAway, 'server is shutting down');
      void this.startSession(ws, token).catch((err: unknown) => {
        this.deps.logger.error({ err }, 'session connect failed');
        closeSocket(ws, CLOSE_CODES.internalError, 'internal error');
      });
    });
  }

  private async startSession(ws: WebSocket, token: string): Promise<void> {
    const early: string[] = [];
    const onEarly = (data: RawData, isBinary: boolean) => {
      if (early.length >= MAX_EARLY_FRAMES) return closeSocket(ws, CLOSE_CODES.policy, 'too many frames before the call started');
      if (!isBinary) early.push(rawText(data));
    };
    ws.on('message', onEarly);
    const grant = token.startsWith('st_') ? await this.deps.consumeSessionToken(token) : undefined;
    if (!grant) {
      ws.off('message', onEarly);
      return closeSocket(ws, CLOSE_CODES.unauthorized, 'session token is invalid, expired or already used');
    }
    const created = await this.deps.createSessionCall(grant);
    ws.off('message', onEarly);
    if (!('id' in created)) {
      sendJson(ws, { event: 'error', code: created.code, message: created.message });
      return closeSocket(ws, CLOSE_CODES.pairingRejected, created.message);
    }
    const transport = new TextTransport({
      callId: created.id,
      logger: this.deps.logger,
      bufferLimit: this.deps.clientBufferFrames,
      pingIntervalMs: this.deps.socketPingIntervalMs,
    });
    transport.attach(ws, early);
    await this.deps.launch(created, transport);
  }

  private forget(callId: string, entry: Pending): void {
    clearTimeout(entry.timer);
    if (this.pending.get(callId) === entry) this.pending.delete(callId);
  }

  close(): void {
    this.closing = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.wss.close();
  }
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
