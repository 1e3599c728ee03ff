import { WebSocket, type RawData } from 'ws';
import { FrameSplitter, pcm16ToBytes } from '@unpod/media';
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
import { VoicePipeline } from '../../pipeline/voice-pipeline.js';
import type { CallTransport, TransferRequest, TransportSink, VoiceTurnStages } from '../transport.js';
import { closeSocket, keepAlive, rawText, sendJson } from '../ws.js';
import { checkAudioFrame } from './audio-frames.js';
import type { VoiceSettings } from './voice-setup.js';

export interface AudioTransportOptions {
  callId: string;
  logger: Logger;
  voice: VoiceSettings;
  /** Where this call's recording goes when the pipe records (null: not recorded). */
  recordingPath: string | null;
  pingIntervalMs: number;
  /** Stores the finished recording's path on the call. */
  saveRecording(path: string): Promise<void>;
  /** Called once the transport has ended (for its gateway's bookkeeping). */
  onEnded?: () => void;
}

/** Caller audio is cut into frames of this length before the pipeline. */
const FRAME_MS = 20;
/** Caller audio kept while the pipeline is being built; more is dropped. */
const EARLY_AUDIO_MS = 2000;
/** When the client falls this far behind real time, the gap is filled with silence. */
const STARVED_AFTER_MS = 300;
/** How far behind real time the caller clock stays after filling. */
const FILL_TO_MS = 200;
/** JSON events kept for a client that has not connected yet. */
const MAX_PENDING_JSON = 200;
/** Filler lines get utterance ids of their own, outside the call's numbering. */
const FIRST_FILLER_ID = 1_000_000;

/**
 * A call's caller on a WebSocket carrying audio: binary frames are PCM16 little-endian mono at
 * the rate given when connecting, both ways (caller audio in, paced agent audio out); text frames
 * are the JSON events of the text transport, plus the caller's transcripts (`user.partial`,
 * `user.text`) and agent audio progress (`agent.audio.started` / `agent.audio.ended`). Speech runs
 * through the call's {@link VoicePipeline}. A malformed audio frame is answered with an `error`
 * event and dropped; it never ends the call.
 *
 * Caller audio is the pipeline's clock. A client that stops sending (a script, a muted tab) is
 * treated as silent: once it is {@link STARVED_AFTER_MS} behind real time, silence fills the gap,
 * so endpointing and idle prompts still happen.
 */
export class WebSocketAudioTransport implements CallTransport {
  readonly kind = 'websocket' as const;
  readonly extensionEvents = ['dtmf', 'user.partial', 'silence'] as const;
  readonly defersAgentRecord = true;
  private ws: WebSocket | null = null;
  private sampleRateHz = 0;
  private splitter: FrameSplitter | null = null;
  private pipeline: VoicePipeline | null = null;
  /** Work for the pipeline that arrived before it existed, in order. */
  private waiting: Array<(p: VoicePipeline) => void> = [];
  /** Utterances whose `agent.audio.started` went out and whose end has not. */
  private readonly announced = new Set<number>();
  private earlyAudio: Int16Array[] = [];
  private earlyAudioSamples = 0;
  private sink: TransportSink | null = null;
  private readonly early: Array<(sink: TransportSink) => void> = [];
  private live = false;
  private ended = false;
  private released: Promise<void> | null = null;
  private fillerSeq = FIRST_FILLER_ID;
  /** JSON events made before the client connected (bounded), delivered after `call.connected`. */
  private pendingJson: ServerToClientFrame[] = [];
  private clock: { startWallMs: number; samples: number } | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly logger: Logger;

  constructor(private readonly options: AudioTransportOptions) {
    this.logger = options.logger.child({ call_id: options.callId, transport: 'websocket' });
    options.voice.speech.subscribe((event) => this.report((sink) => sink.speechFailover?.(event)));
  }

  get clientAttached(): boolean {
    return this.ws !== null;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Become the call's client socket, with audio at `sampleRateHz` both ways. */
  attach(ws: WebSocket, sampleRateHz: number): void {
    if (this.ws) throw new Error('audio transport already has a client');
    this.ws = ws;
    this.sampleRateHz = sampleRateHz;
    this.splitter = new FrameSplitter({ sampleRateHz, frameMs: FRAME_MS });
    ws.on('message', (data, isBinary) => this.onClientFrame(data, isBinary));
    ws.on('close', () => {
      if (!this.ended) this.report((sink) => sink.lost('user_hangup', 'the client disconnected'));
    });
    ws.on('error', (err) => this.logger.debug({ err: err.message }, 'client socket error'));
    if (ws.readyState !== WebSocket.OPEN) {
      this.report((sink) => sink.lost('user_hangup', 'the client disconnected'));
      return;
    }
    keepAlive(ws, this.options.pingIntervalMs);
    sendJson(ws, { event: 'call.connected', call_id: this.options.callId, sample_rate: sampleRateHz });
    for (const frame of this.pendingJson.splice(0)) sendJson(ws, frame);
    if (this.ended) {
      closeSocket(ws, CLOSE_CODES.normal, 'call ended');
      return;
    }
    void this.buildPipeline();
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

  callStarted(): void {
    this.live = true;
    this.withPipeline((p) => p.start());
  }

  agentDelta(utteranceId: number, text: string): void {
    this.withPipeline((p) => p.agentDelta(utteranceId, 'reply', true, text));
    this.out({ event: 'agent.text.delta', text, turn_id: utteranceId });
  }

  agentEnd(utteranceId: number, text: string): void {
    this.withPipeline((p) => p.agentEnd(utteranceId, 'reply', true));
    this.out({ event: 'agent.text.end', turn_id: utteranceId, text });
  }

  agentSay(utteranceId: number, text: string, options: { interruptible: boolean } = { interruptible: true }): void {
    this.withPipeline((p) => {
      p.agentDelta(utteranceId, 'say', options.interruptible, text);
      p.agentEnd(utteranceId, 'say', options.interruptible);
    });
    this.out({ event: 'agent.text.delta', text, turn_id: utteranceId });
    this.out({ event: 'agent.text.end', turn_id: utteranceId, text });
  }

  /** Spoken only while nothing else of the agent is playing or queued: it bridges a silence. */
  filler(text: string): void {
    const p = this.pipeline;
    if (!p || text.trim() === '' || p.busy) return;
    const id = this.fillerSeq++;
    p.agentDelta(id, 'filler', true, text);
    p.agentEnd(id, 'filler', true);
  }

  interruptOutput(utteranceId: number): { heardText: string } {
    if (!this.pipeline) {
      this.waiting.push((p) => void p.cut(utteranceId));
      return { heardText: '' };
    }
    return { heardText: this.pipeline.cut(utteranceId) };
  }

  userInterrupted(utteranceId: number, heardText: string): void {
    this.out({ event: 'user.interrupted', turn_id: utteranceId, heard_prefix: heardText });
  }

  state(state: CallState): void {
    this.withPipeline((p) => p.runnerThinking(state === 'thinking'));
    this.out({ event: 'state', state });
  }

  async transfer(_request: TransferRequest): Promise<{ outcome: 'failed'; reason: string }> {
    return { outcome: 'failed', reason: 'transport_unsupported' };
  }

  sendDtmf(): boolean {
    return false;
  }

  setHints(phrases: readonly string[]): void {
    this.withPipeline((p) => p.setHints(phrases));
  }

  setRecording(active: boolean): void {
    this.withPipeline((p) => p.setRecording(active));
  }

  async drained(): Promise<void> {
    if (this.pipeline) await this.pipeline.drained();
  }

  async turnMetrics(utteranceId: number): Promise<VoiceTurnStages | null> {
    if (!this.pipeline) return null;
    const stages = await this.pipeline.turnMetrics(utteranceId);
    return { ...stages, speech: this.options.voice.speech.takeTurnInfo() };
  }

  /** Stops the media and finishes the recording (its path is stored on the call). Idempotent. */
  release(): Promise<void> {
    this.released ??= (async () => {
      this.stopWatchdog();
      const p = this.pipeline;
      this.waiting = [];
      if (!p) return;
      const { recording } = await p.close();
      const usage = this.options.voice.speech.usage();
      if (usage.length > 0) this.report((sink) => sink.speechUsage?.(usage));
      if (recording) {
        try {
          await this.options.saveRecording(recording.path);
        } catch (err) {
          this.logger.error({ err }, 'storing the recording path failed');
        }
      }
    })();
    return this.released;
  }

  end(reason: CallEndReason, error: { code: string; message: string } | null, closeCode: number): void {
    if (this.ended) return;
    this.ended = true;
    void this.release();
    if (error) this.out({ event: 'error', code: error.code, message: error.message });
    this.out({ event: 'call.ended', reason, call_id: this.options.callId });
    if (this.ws) closeSocket(this.ws, closeCode === CLOSE_CODES.goingAway ? CLOSE_CODES.goingAway : CLOSE_CODES.normal, `call ended: ${reason}`);
    this.options.onEnded?.();
  }

  private async buildPipeline(): Promise<void> {
    const { voice } = this.options;
    try {
      const pipeline = await VoicePipeline.create({
        callId: this.options.callId,
        logger: this.logger,
        edgeSampleRateHz: this.sampleRateHz,
        engines: voice.engines,
        endpointing: voice.endpointing,
        idle: voice.idle,
        defaultHints: voice.sttHints,
        recordingPath: voice.recording ? this.options.recordingPath : null,
        sendAudio: (samples, utteranceId) => this.sendAudio(samples, utteranceId),
        events: {
          userTurn: (text) => {
            this.out({ event: 'user.text', text });
            this.report((sink) => sink.userText(text));
          },
          partial: (text) => {
            this.out({ event: 'user.partial', text });
            this.report((sink) => sink.partial(text));
          },
          utteranceStarted: (id) => this.announceAudio(id),
          utteranceStopped: (id, outcome) => this.onUtteranceStopped(id, outcome),
          silence: (durationMs) => this.report((sink) => sink.silence(durationMs)),
          idleTimeout: () => this.report((sink) => sink.idle()),
          error: (frame) => {
            this.logger.warn({ source: frame.source, code: frame.code }, 'voice pipeline error');
            if (frame.fatal) this.report((sink) => sink.lost('transport_lost', frame.message));
          },
        },
      });
      if (this.ended) {
        await pipeline.close();
        return;
      }
      this.pipeline = pipeline;
      for (const work of this.waiting.splice(0)) work(pipeline);
      if (this.live) pipeline.start();
      for (const samples of this.earlyAudio.splice(0)) this.feed(samples);
      this.earlyAudioSamples = 0;
      this.startWatchdog();
    } catch (err) {
      this.logger.error({ err }, 'the voice pipeline could not be built');
      this.out({ event: 'error', code: 'speech_unavailable', message: 'speech processing is not available for this call' });
      this.report((sink) => sink.lost('transport_lost', 'speech processing could not start'));
    }
  }

  /**
   * `agent.audio.started` goes out before the utterance's first audio frame: the pipeline reports
   * the start after the frame is sent, so the first frame announces it and the report is a no-op.
   */
  private announceAudio(id: number): void {
    if (id >= FIRST_FILLER_ID || this.announced.has(id)) return;
    this.announced.add(id);
    this.out({ event: 'agent.audio.started', turn_id: id });
  }

  private onUtteranceStopped(id: number, outcome: { interrupted: boolean; bargeIn: boolean; heardText: string }): void {
    if (id >= FIRST_FILLER_ID) return;
    this.announced.delete(id);
    this.out({ event: 'agent.audio.ended', turn_id: id, interrupted: outcome.interrupted, heard_text: outcome.heardText });
    if (outcome.bargeIn) this.report((sink) => sink.bargeIn(id));
    else if (!outcome.interrupted) this.report((sink) => sink.played(id));
  }

  private withPipeline(work: (p: VoicePipeline) => void): void {
    if (this.ended) return;
    if (this.pipeline) work(this.pipeline);
    else this.waiting.push(work);
  }

  private sendAudio(samples: Int16Array, utteranceId: number): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    this.announceAudio(utteranceId);
    ws.send(pcm16ToBytes(samples), { binary: true });
  }

  private onClientFrame(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary) return this.onAudio(toBuffer(data));
    const parsed = parseFrame(rawText(data), ClientToServerFrame, 'event', FRAME_NAMES.clientToServer);
    if (!parsed.ok) {
      if (parsed.kind === 'unknown') return this.logger.debug({ event: parsed.name }, 'unknown client frame ignored');
      return this.out({ event: 'error', code: 'invalid_frame', message: parsed.message });
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

  private onAudio(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const problem = checkAudioFrame(bytes.length, this.sampleRateHz);
    if (problem) {
      this.logger.debug({ code: problem.code, bytes: bytes.length }, 'caller audio frame refused');
      return this.out({ event: 'error', code: problem.code, message: problem.message });
    }
    for (const frame of this.splitter!.process(bytes)) this.feed(frame);
  }

  private feed(samples: Int16Array): void {
    const p = this.pipeline;
    if (!p) {
      if (this.earlyAudioSamples < (this.sampleRateHz * EARLY_AUDIO_MS) / 1000) {
        this.earlyAudio.push(samples);
        this.earlyAudioSamples += samples.length;
      }
      return;
    }
    const now = performance.now();
    this.clock ??= { startWallMs: now, samples: 0 };
    this.clock.samples += samples.length;
    // A client far ahead of real time (sending a file at once) moves the clock's start back.
    const aheadMs = (this.clock.samples * 1000) / this.sampleRateHz - (now - this.clock.startWallMs);
    if (aheadMs > 0) this.clock.startWallMs -= aheadMs;
    p.pushCallerAudio(samples);
  }

  /** Fills silence for a client that stopped sending, so the call's clock keeps running. */
  private startWatchdog(): void {
    this.watchdog = setInterval(() => {
      const p = this.pipeline;
      if (!p || this.ended) return;
      const now = performance.now();
      this.clock ??= { startWallMs: now, samples: 0 };
      const behindMs = now - this.clock.startWallMs - (this.clock.samples * 1000) / this.sampleRateHz;
      if (behindMs < STARVED_AFTER_MS) return;
      const frameSamples = (this.sampleRateHz * FRAME_MS) / 1000;
      const frames = Math.floor((behindMs - FILL_TO_MS) / FRAME_MS);
      for (let i = 0; i < frames; i++) {
        this.clock.samples += frameSamples;
        p.pushCallerAudio(new Int16Array(frameSamples));
      }
    }, 100);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private out(frame: ServerToClientFrame): void {
    if (this.ws) sendJson(this.ws, frame);
    else if (this.pendingJson.length < MAX_PENDING_JSON || frame.event === 'call.ended' || frame.event === 'error') this.pendingJson.push(frame);
  }

  private report(deliver: (sink: TransportSink) => void): void {
    if (this.sink) deliver(this.sink);
    else this.early.push(deliver);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

