import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODES, type Pipe } from '@unpod/protocol';
import { generateSecret, hashSecret } from '../../control/keys.js';
import type { CallRecord } from '../../control/store/repos/calls.js';
import type { SessionGrant } from '../../control/store/repos/session-tokens.js';
import type { Store } from '../../control/store/store.js';
import type { Logger } from '../../logger.js';
import { recordingTarget, type RecordingStore } from '../../ops/recordings/index.js';
import { PocketsphinxStt, type SpeechRegistry } from '../../speech/index.js';
import { acceptUpgrade, closeSocket, refuseUpgrade, sendJson } from '../ws.js';
import { parseSampleRate } from './audio-frames.js';
import { WebSocketAudioTransport } from './audio-transport.js';
import { resolveVoice } from './voice-setup.js';

/** `WS /v1/calls/{id}/client?token=ct_...&sample_rate=16000`: the one-use client socket of an audio call. */
const CLIENT_PATH = /^\/v1\/calls\/([^/]+)\/client\/?$/;

/** Binary frames up to this size reach the transport (which refuses more than 1 s of audio with an error event). */
const MAX_SOCKET_FRAME_BYTES = 1024 * 1024;

export interface AudioGatewayDeps {
  logger: Logger;
  store: Store;
  registry: SpeechRegistry;
  /** Where call recordings are written and kept. */
  recordings: RecordingStore;
  /** WebSocket base URL of this node, e.g. `ws://127.0.0.1:7700`. */
  wsBase: () => string;
  clientConnectWindowMs: number;
  socketPingIntervalMs: number;
  consumeSessionToken(token: string): Promise<SessionGrant | undefined>;
  /** Create the call row (transport `websocket`) for a session. */
  createSessionCall(grant: SessionGrant): Promise<CallRecord | { code: string; message: string }>;
  /** Start a call whose client transport already exists. */
  launch(call: CallRecord, transport: WebSocketAudioTransport): Promise<void>;
}

interface Pending {
  transport: WebSocketAudioTransport;
  digest: Buffer;
  timer: NodeJS.Timeout;
}

/**
 * Client sockets of WebSocket audio calls, the audio twin of the text gateway: an API-created
 * call gets a one-use `client_url` (connect within the window, else `transport_lost`); a browser
 * with a session token connects to `/v1/sessions/connect?token=st_...&transport=websocket`.
 * `sample_rate` in the URL sets the PCM16 rate both ways (default 16000). Refusals complete the
 * upgrade and close with a readable code: 4003 bad token or unknown call, 4009 already connected,
 * 4001 bad session token, 1008 an unusable `sample_rate`.
 */
export class AudioGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_FRAME_BYTES, clientTracking: false, perMessageDeflate: false });
  private readonly pending = new Map<string, Pending>();
  private closing = false;
  private warmed = false;

  constructor(private readonly deps: AudioGatewayDeps) {}

  /** True when the client socket at `url` belongs to an audio call of this gateway. */
  ownsClientPath(url: URL): boolean {
    const match = CLIENT_PATH.exec(url.pathname);
    const callId = match ? safeDecode(match[1]!) : null;
    return callId !== null && this.pending.has(callId);
  }

  /** Closes the speech engines (after every call has ended). */
  async closeEngines(): Promise<void> {
    await this.deps.registry.close();
  }

  /** The transport of an API-created audio call and the client URL to give its creator. */
  async create(call: CallRecord, pipe: Pipe | undefined): Promise<{ transport: WebSocketAudioTransport; clientUrl: string }> {
    const transport = await this.transportFor(call, pipe, () => this.forget(call.id, entry));
    const token = generateSecret('ct');
    const entry: Pending = {
      transport,
      digest: Buffer.from(hashSecret(token), 'hex'),
      timer: setTimeout(() => entry.transport.connectWindowPassed(this.deps.clientConnectWindowMs), this.deps.clientConnectWindowMs),
    };
    entry.timer.unref();
    this.pending.set(call.id, entry);
    const clientUrl = `${this.deps.wsBase()}/v1/calls/${encodeURIComponent(call.id)}/client?token=${token}`;
    return { transport, clientUrl };
  }

  handleClientUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const match = CLIENT_PATH.exec(url.pathname);
    if (!match) return refuseUpgrade(socket, 404, 'no such socket');
    const callId = safeDecode(match[1]!);
    const token = url.searchParams.get('token');
    const rate = parseSampleRate(url.searchParams.get('sample_rate'));
    void acceptUpgrade(this.wss, req, socket, head).then((ws) => {
      if (!ws) return;
      ws.on('error', () => undefined);
      if (this.closing) return closeSocket(ws, CLOSE_CODES.goingAway, 'server is shutting down');
      if (rate === null) return refuseRate(ws);
      const refusal = this.pair(callId, token, ws, rate);
      if (refusal) closeSocket(ws, refusal.code, refusal.reason);
    });
  }

  handleSessionUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const token = url.searchParams.get('token') ?? '';
    const rate = parseSampleRate(url.searchParams.get('sample_rate'));
    void acceptUpgrade(this.wss, req, socket, head).then((ws) => {
      if (!ws) return;
      ws.on('error', () => undefined);
      if (this.closing) return closeSocket(ws, CLOSE_CODES.goingAway, 'server is shutting down');
      if (rate === null) return refuseRate(ws);
      void this.startSession(ws, token, rate).catch((err: unknown) => {
        this.deps.logger.error({ err }, 'audio session connect failed');
        closeSocket(ws, CLOSE_CODES.internalError, 'internal error');
      });
    });
  }

  close(): void {
    this.closing = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.wss.close();
  }

  private pair(callId: string | null, token: string | null, ws: WebSocket, rate: number): { code: number; reason: string } | null {
    const entry = callId === null ? undefined : this.pending.get(callId);
    if (!entry || entry.transport.hasEnded) return { code: CLOSE_CODES.pairingRejected, reason: 'unknown call, or the call has ended' };
    const presented = token ? Buffer.from(hashSecret(token), 'hex') : null;
    if (!presented || !timingSafeEqual(presented, entry.digest)) return { code: CLOSE_CODES.pairingRejected, reason: 'bad client token' };
    if (entry.transport.clientAttached) return { code: CLOSE_CODES.duplicateBridge, reason: 'the client token was already used' };
    clearTimeout(entry.timer);
    entry.transport.attach(ws, rate);
    return null;
  }

  private async startSession(ws: WebSocket, token: string, rate: number): Promise<void> {
    const grant = token.startsWith('st_') ? await this.deps.consumeSessionToken(token) : undefined;
    if (!grant) return closeSocket(ws, CLOSE_CODES.unauthorized, 'session token is invalid, expired or already used');
    const created = await this.deps.createSessionCall(grant);
    if (!('id' in created)) {
      sendJson(ws, { event: 'error', code: created.code, message: created.message });
      return closeSocket(ws, CLOSE_CODES.pairingRejected, created.message);
    }
    const pipe = created.pipe_id ? await this.deps.store.pipes.get(created.space_id, created.pipe_id) : undefined;
    let transport: WebSocketAudioTransport;
    try {
      transport = await this.transportFor(created, pipe, () => undefined);
    } catch (err) {
      await this.deps.store.calls.finish(created.id, 'error', { code: 'speech_unavailable', message: describe(err) });
      sendJson(ws, { event: 'error', code: 'speech_unavailable', message: describe(err) });
      return closeSocket(ws, CLOSE_CODES.pairingRejected, 'speech processing is not available');
    }
    transport.attach(ws, rate);
    await this.deps.launch(created, transport);
  }

  private async transportFor(call: CallRecord, pipe: Pipe | undefined, onEnded: () => void): Promise<WebSocketAudioTransport> {
    const voice = await resolveVoice(this.deps.store, this.deps.registry, call, pipe);
    const pocketsphinx = voice.adapters.stt.find((a) => a instanceof PocketsphinxStt);
    if (!this.warmed && pocketsphinx !== undefined) {
      this.warmed = true;
      void pocketsphinx.warm().catch((err: unknown) => this.deps.logger.warn({ err }, 'pre-loading speech recognition failed'));
    }
    const { store } = this.deps;
    const target = await recordingTarget(this.deps.recordings, call.id, (id, key) => store.calls.setRecordingPath(id, key), this.deps.logger);
    return new WebSocketAudioTransport({
      callId: call.id,
      logger: this.deps.logger,
      voice,
      recordingPath: target.recordingPath,
      pingIntervalMs: this.deps.socketPingIntervalMs,
      saveRecording: target.saveRecording,
      onEnded,
    });
  }

  private forget(callId: string, entry: Pending): void {
    clearTimeout(entry.timer);
    if (this.pending.get(callId) === entry) this.pending.delete(callId);
  }
}

function refuseRate(ws: WebSocket): void {
  sendJson(ws, { event: 'error', code: 'invalid_sample_rate', message: 'sample_rate must be one of 8000, 16000, 22050, 24000, 32000, 44100, 48000' });
  closeSocket(ws, CLOSE_CODES.policy, 'unsupported sample_rate');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
