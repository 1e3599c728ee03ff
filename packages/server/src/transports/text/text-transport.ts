import { WebSocket } from 'ws';
import {
  CLOSE_CODES,
  ClientToServerFrame,
  FRAME_NAMES,
  parseFrame,
  type CallEndReason,
  type CallState,
  type ServerToClientFrame,
} from '@unpod/protocol';
import type { Logger } from '../../logger.js';
import type { CallTransport, TransferRequest, TransportSink } from '../transport.js';
import { closeSocket, keepAlive, rawText, sendJson } from '../ws.js';

export interface TextTransportOptions {
  callId: string;
  logger: Logger;
  /** Frames kept while no client is connected; `call.ended` is always kept. */
  bufferLimit: number;
  /** Keep-alive ping interval of the client socket. */
  pingIntervalMs: number;
  /** Called once the transport has ended (for its gateway's bookkeeping). */
  onEnded?: () => void;
}

/**
 * The text transport of one call: a client WebSocket carrying chat frames (`wire/client.ts`).
 * The client may connect after the call started; frames meant for it are buffered (bounded) and
 * delivered after `call.connected`. What the caller "heard" of an agent reply is what was
 * delivered to the client. Transfer, DTMF out and recording do not exist on text.
 */
export class TextTransport implements CallTransport {
  readonly kind = 'text' as const;
  readonly extensionEvents = ['dtmf'] as const;
  readonly defersAgentRecord = false;
  private ws: WebSocket | null = null;
  private buffer: ServerToClientFrame[] = [];
  private dropped = 0;
  private sink: TransportSink | null = null;
  private readonly early: Array<(sink: TransportSink) => void> = [];
  private readonly delivered = new Map<number, string>();
  private ended = false;
  private readonly logger: Logger;

  constructor(private readonly options: TextTransportOptions) {
    this.logger = options.logger.child({ call_id: options.callId, transport: 'text' });
  }

  get clientAttached(): boolean {
    return this.ws !== null;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Become the call's client socket: `call.connected`, then everything buffered. */
  attach(ws: WebSocket, earlyFrames: readonly string[] = []): void {
    if (this.ws) throw new Error('text transport already has a client');
    this.ws = ws;
    ws.on('message', (data, isBinary) => this.onClientFrame(isBinary ? null : rawText(data)));
    ws.on('close', () => {
      if (!this.ended) this.report((sink) => sink.lost('user_hangup', 'the client disconnected'));
    });
    ws.on('error', (err) => this.logger.debug({ err: err.message }, 'client socket error'));
    if (ws.readyState !== WebSocket.OPEN) {
      this.report((sink) => sink.lost('user_hangup', 'the client disconnected'));
      return;
    }
    keepAlive(ws, this.options.pingIntervalMs);
    sendJson(ws, { event: 'call.connected', call_id: this.options.callId });
    const buffered = this.buffer;
    this.buffer = [];
    for (const frame of buffered) sendJson(ws, frame);
    if (this.dropped > 0) {
      sendJson(ws, { event: 'error', code: 'frames_dropped', message: `${this.dropped} frames were dropped before the client connected` });
    }
    for (const text of earlyFrames) this.onClientFrame(text);
    if (this.ended) closeSocket(ws, CLOSE_CODES.normal, 'call ended');
  }

  /** The client never connected in time: the call has lost its only participant. */
  connectWindowPassed(windowMs: number): void {
    if (this.ws || this.ended) return;
    this.report((sink) => sink.lost('transport_lost', `no client connected within ${Math.round(windowMs / 1000)} s`));
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
    for (const deliver of this.early.splice(0)) deliver(sink);
  }

  callStarted(): void {}

  agentDelta(utteranceId: number, text: string): void {
    this.delivered.set(utteranceId, (this.delivered.get(utteranceId) ?? '') + text);
    this.out({ event: 'agent.text.delta', text, turn_id: utteranceId });
  }

  agentEnd(utteranceId: number, text: string): void {
    this.delivered.delete(utteranceId);
    this.out({ event: 'agent.text.end', turn_id: utteranceId, text });
  }

  agentSay(utteranceId: number, text: string): void {
    this.out({ event: 'agent.text.delta', text, turn_id: utteranceId });
    this.out({ event: 'agent.text.end', turn_id: utteranceId, text });
  }

  filler(): void {
    // A chat shows the reply itself; a filler line would only be noise.
  }

  interruptOutput(utteranceId: number): { heardText: string } {
    const heardText = this.delivered.get(utteranceId) ?? '';
    this.delivered.delete(utteranceId);
    return { heardText };
  }

  userInterrupted(utteranceId: number, heardText: string): void {
    this.out({ event: 'user.interrupted', turn_id: utteranceId, heard_prefix: heardText });
  }

  state(state: CallState): void {
    this.out({ event: 'state', state });
  }

  async transfer(_request: TransferRequest): Promise<{ outcome: 'failed'; reason: string }> {
    return { outcome: 'failed', reason: 'transport_unsupported' };
  }

  sendDtmf(): boolean {
    return false;
  }

  setHints(): void {}

  setRecording(): void {}

  async drained(): Promise<void> {}

  async turnMetrics(): Promise<null> {
    return null;
  }

  async release(): Promise<void> {}

  end(reason: CallEndReason, error: { code: string; message: string } | null, closeCode: number): void {
    if (this.ended) return;
    this.ended = true;
    if (error) this.out({ event: 'error', code: error.code, message: error.message }, true);
    this.out({ event: 'call.ended', reason, call_id: this.options.callId }, true);
    if (this.ws) closeSocket(this.ws, closeCode === CLOSE_CODES.goingAway ? CLOSE_CODES.goingAway : CLOSE_CODES.normal, `call ended: ${reason}`);
    this.options.onEnded?.();
  }

  private out(frame: ServerToClientFrame, always = false): void {
    if (this.ws) {
      sendJson(this.ws, frame);
      return;
    }
    if (this.buffer.length < this.options.bufferLimit || always) this.buffer.push(frame);
    else this.dropped += 1;
  }

  private report(deliver: (sink: TransportSink) => void): void {
    if (this.sink) deliver(this.sink);
    else this.early.push(deliver);
  }

  private onClientFrame(text: string | null): void {
    if (this.ended) return;
    if (text === null) {
      this.out({ event: 'error', code: 'invalid_frame', message: 'binary frames are not accepted; send JSON text frames' });
      return;
    }
    const parsed = parseFrame(text, ClientToServerFrame, 'event', FRAME_NAMES.clientToServer);
    if (!parsed.ok) {
      if (parsed.kind === 'unknown') {
        this.logger.debug({ event: parsed.name }, 'unknown client frame ignored');
        return;
      }
      this.out({ event: 'error', code: 'invalid_frame', message: parsed.message });
      return;
    }
    const frame = parsed.frame;
    switch (frame.event) {
      case 'user.text':
        return this.report((sink) => sink.userText(frame.text));
      case 'hangup':
        return this.report((sink) => sink.hangup());
      case 'dtmf':
        return this.report((sink) => sink.dtmf(frame.digits));
    }
  }
}
