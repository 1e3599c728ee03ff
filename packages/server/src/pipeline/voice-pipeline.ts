import { createResampler } from '@unpod/media';
import type { Endpointing, TurnMetrics } from '@unpod/protocol';
import type { Logger } from '../logger.js';
import type { SttHints, SttService, TtsService, VadAdapter, VadStream } from '../speech/index.js';
import type { ErrorFrame, Frame, UtteranceKind } from './frames.js';
import { IdleMonitor, type IdleOptions } from './idle-monitor.js';
import { Pipeline } from './processor.js';
import { CallEdgeProcessor } from './processors/call-edge.js';
import { OutputProcessor } from './processors/output.js';
import { ResampleProcessor } from './processors/resample.js';
import { SentenceProcessor } from './processors/sentences.js';
import { SttProcessor } from './processors/stt.js';
import { TtsProcessor } from './processors/tts.js';
import { TurnProcessor } from './processors/turn.js';
import { VadProcessor } from './processors/vad.js';
import { CallRecorder } from './recorder.js';

/** The engines a call's voice profile resolved to. */
export interface VoiceEngines {
  /** An adapter, or the call's failover chain (same surface). */
  stt: SttService;
  sttLanguage: string;
  tts: TtsService;
  ttsVoice: string | null;
  ttsLanguage: string;
  /** A model VAD behind the energy gate (Silero); energy alone when absent. */
  vad?: VadAdapter | undefined;
}

/** What the pipeline reports to its transport. */
export interface VoicePipelineEvents {
  /** A finished user turn (endpointed and transcribed). */
  userTurn(text: string): void;
  /** The caller's current turn as recognised so far. */
  partial(text: string): void;
  /** Agent audio of an utterance went on the wire. */
  utteranceStarted(utteranceId: number): void;
  /**
   * An utterance left the playout: played out, flushed by a caller barge-in (`bargeIn`), or cut
   * by the call. `heardText` is what the caller actually heard of it.
   */
  utteranceStopped(utteranceId: number, outcome: { interrupted: boolean; bargeIn: boolean; heardText: string }): void;
  /** The line has been quiet for `durationMs` (the pipe's silence timeout). */
  silence(durationMs: number): void;
  /** The line has been quiet for the pipe's idle timeout. */
  idleTimeout(): void;
  error(frame: ErrorFrame): void;
}

export interface VoicePipelineConfig {
  callId: string;
  logger: Logger;
  /** Rate caller audio arrives at and agent audio leaves at (the transport's rate). */
  edgeSampleRateHz: number;
  engines: VoiceEngines;
  endpointing: Endpointing;
  /** Longest user turn (the pipe's `max_turn_s`, ms). */
  idle: IdleOptions;
  /** Phrases expected in every user turn (the pipe's), used until the runner sends its own. */
  defaultHints?: readonly string[] | undefined;
  /** Where to record the call (stereo WAV), or null for no recording. */
  recordingPath: string | null;
  /** Puts one frame of agent audio on the wire. */
  sendAudio(samples: Int16Array, utteranceId: number): void;
  events: VoicePipelineEvents;
}

/** Wall-clock marks of one agent utterance, for the turn's latency breakdown. */
interface UtteranceMarks {
  kind: UtteranceKind;
  interruptible: boolean;
  userTurn: { speechEndWallMs: number; finalWallMs: number } | null;
  firstDeltaWallMs: number | null;
  ttsFirstByteWallMs: number | null;
  firstAudioOutWallMs: number | null;
  settled: boolean;
  waiters: Array<() => void>;
}

/** Stage latencies a voice call adds to a turn's metrics. */
export type VoiceTurnMetrics = Pick<TurnMetrics, 'stt_ms' | 'tts_ttfb_ms' | 'ttfa_ms'>;

/**
 * One call's voice pipeline:
 * caller audio -> resample -> VAD (energy, optional model behind it) -> STT (per speech segment)
 * -> turn taking -> [call edge: user turns out, agent text in] -> sentences -> TTS -> paced output.
 *
 * This class is the shell around the frame pipeline: it stamps caller audio with its timeline,
 * feeds the recording, watches the line for idle silence (wall clock), tracks agent utterances
 * until they have played (for `drained()` and the turn metrics) and reports to the transport.
 */
export class VoicePipeline {
  private readonly abort = new AbortController();
  private readonly pipeline: Pipeline;
  private readonly edge: CallEdgeProcessor;
  private readonly output: OutputProcessor;
  private readonly utterances = new Map<number, UtteranceMarks>();
  /** Marks of utterances that left the playout, kept for late `turnMetrics` questions. */
  private readonly doneMarks = new Map<number, UtteranceMarks>();
  private readonly logger: Logger;
  private idle: IdleMonitor | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private callerSamples = 0;
  private runnerHints: readonly string[] | null = null;
  private lastUserTurn: { speechEndWallMs: number; finalWallMs: number } | null = null;
  /** Utterances the call cut (not a caller barge-in). */
  private readonly cutIds = new Set<number>();
  private drainWaiters: Array<() => void> = [];
  private closed: Promise<{ recording: { path: string; durationMs: number } | null }> | null = null;
  private ended: Promise<void> | null = null;
  private resolveEnded: (() => void) | null = null;

  private constructor(
    private readonly config: VoicePipelineConfig,
    pipelineRateHz: number,
    resample: ResampleProcessor | null,
    vadStream: VadStream | undefined,
    private readonly recorder: CallRecorder | null,
  ) {
    this.logger = config.logger;
    const { engines, endpointing } = config;
    const silenceMs = endpointing.silence_ms;
    this.output = new OutputProcessor({
      sampleRateHz: config.edgeSampleRateHz,
      send: (samples, utteranceId) => {
        this.recorder?.agent(samples);
        config.sendAudio(samples, utteranceId);
      },
    });
    this.edge = new CallEdgeProcessor({
      userTurn: (f) => this.onUserTurn(f.text, f.speechEndWallMs, f.finalWallMs),
      partial: (text) => config.events.partial(text),
      userSpeaking: (speaking, wallMs) => this.idleEvent((m) => m.caller(speaking, wallMs)),
      botStarted: (f) => {
        this.idleEvent((m) => m.agent(true, f.wallMs));
        config.events.utteranceStarted(f.utteranceId);
      },
      botStopped: (f) => this.onUtteranceStopped(f.utteranceId, f.interrupted, f.heardText),
      metrics: (f) => this.onMetrics(f.utteranceId, f.name, f.wallMs),
    });
    const stages = [
      ...(resample ? [resample] : []),
      new VadProcessor({
        sampleRateHz: pipelineRateHz,
        minSpeechMs: Math.min(100, endpointing.barge_in_min_ms || 100),
        minSilenceMs: Math.min(250, silenceMs),
        maxSegmentMs: endpointing.max_turn_s * 1000,
        model: vadStream,
      }),
      new SttProcessor({
        adapter: engines.stt,
        sampleRateHz: pipelineRateHz,
        language: engines.sttLanguage,
        hints: () => this.hintsForSegment(),
        signal: this.abort.signal,
        logger: this.logger,
      }),
      new TurnProcessor({ silenceMs, bargeIn: endpointing.barge_in, bargeInMinMs: endpointing.barge_in_min_ms }, this.logger),
      this.edge,
      new SentenceProcessor(),
      new TtsProcessor({
        adapter: engines.tts,
        voice: engines.ttsVoice,
        language: engines.ttsLanguage,
        sampleRateHz: config.edgeSampleRateHz,
        signal: this.abort.signal,
        logger: this.logger,
      }),
      this.output,
    ];
    this.pipeline = new Pipeline(`voice:${config.callId}`, stages);
    this.pipeline.setExits({ upstream: (f) => this.onUpstreamExit(f), downstream: (f) => f.type === 'end' && this.resolveEnded?.() });
  }

  /** Builds a call's pipeline: opens the resampler, the model VAD stream and the recording file. */
  static async create(config: VoicePipelineConfig): Promise<VoicePipeline> {
    const edge = config.edgeSampleRateHz;
    const pipelineRateHz = edge === 8000 || edge === 16_000 ? edge : 16_000;
    const resampler = pipelineRateHz === edge ? null : await createResampler({ inRateHz: edge, outRateHz: pipelineRateHz });
    let vadStream: VadStream | undefined;
    let recorder: CallRecorder | null = null;
    try {
      vadStream = await openModelVad(config, pipelineRateHz);
      if (config.recordingPath !== null) {
        recorder = await CallRecorder.create(config.recordingPath, edge, (err) => config.logger.error({ err }, 'recording write failed'));
      }
    } catch (err) {
      resampler?.close();
      vadStream?.close();
      throw err;
    }
    return new VoicePipeline(config, pipelineRateHz, resampler ? new ResampleProcessor(resampler, pipelineRateHz) : null, vadStream, recorder);
  }

  /** True while agent audio is playing or waiting to play. */
  get busy(): boolean {
    return this.utterances.size > 0;
  }

  /** The call is live: start watching the line for silence. */
  start(): void {
    if (this.idle !== null || this.abort.signal.aborted) return;
    this.idle = new IdleMonitor(this.config.idle, performance.now());
    this.armIdle();
  }

  /** One block of caller audio (mono PCM16 at the edge rate), in arrival order. */
  pushCallerAudio(samples: Int16Array): void {
    if (this.abort.signal.aborted || samples.length === 0) return;
    const atMs = (this.callerSamples * 1000) / this.config.edgeSampleRateHz;
    this.callerSamples += samples.length;
    this.recorder?.caller(samples);
    this.pipeline.queueFrame({ type: 'audio.in', samples, sampleRateHz: this.config.edgeSampleRateHz, atMs, wallMs: performance.now() });
  }

  /** Part of an agent utterance's text. */
  agentDelta(utteranceId: number, kind: UtteranceKind, interruptible: boolean, text: string): void {
    if (this.abort.signal.aborted || this.output.playout.finished(utteranceId)) return;
    const wallMs = performance.now();
    const marks = this.marks(utteranceId, kind, interruptible);
    marks.firstDeltaWallMs ??= wallMs;
    this.edge.agentText({ type: 'text.delta', utteranceId, kind, interruptible, text, wallMs });
  }

  /** The utterance's text is complete. */
  agentEnd(utteranceId: number, kind: UtteranceKind, interruptible: boolean): void {
    if (this.abort.signal.aborted || this.output.playout.finished(utteranceId)) return;
    this.marks(utteranceId, kind, interruptible);
    this.edge.agentText({ type: 'text.end', utteranceId, kind, interruptible });
  }

  /** Stops an utterance now (queued audio flushed); returns what the caller heard of it. */
  cut(utteranceId: number): string {
    if (!this.output.playout.finished(utteranceId)) this.cutIds.add(utteranceId);
    return this.output.cut(utteranceId);
  }

  /** Phrases the caller is likely to say in the next turn (runner hints; empty clears them). */
  setHints(phrases: readonly string[]): void {
    this.runnerHints = phrases.length > 0 ? [...phrases] : null;
  }

  setRecording(active: boolean): void {
    this.recorder?.setActive(active);
  }

  /** The runner holds the turn (the call's state is `thinking`): the line is not idle. */
  runnerThinking(thinking: boolean): void {
    this.idleEvent((m) => m.runnerThinking(thinking, performance.now()));
  }

  /** Resolves once every agent utterance given so far has played (or was cut). */
  drained(): Promise<void> {
    if (this.utterances.size === 0 || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * The voice stages of the turn answered by `utteranceId`, once its first audio is on the wire
   * (or it ended without audio, or the call ended).
   */
  async turnMetrics(utteranceId: number): Promise<VoiceTurnMetrics> {
    const marks = this.utterances.get(utteranceId) ?? this.doneMarks.get(utteranceId);
    if (!marks) return { stt_ms: null, tts_ttfb_ms: null, ttfa_ms: null };
    if (!marks.settled) await new Promise<void>((resolve) => marks.waiters.push(resolve));
    const diff = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : Math.max(0, Math.round((a - b) * 10) / 10));
    return {
      stt_ms: diff(marks.userTurn?.finalWallMs, marks.userTurn?.speechEndWallMs),
      tts_ttfb_ms: diff(marks.ttsFirstByteWallMs, marks.firstDeltaWallMs),
      ttfa_ms: diff(marks.firstAudioOutWallMs, marks.userTurn?.speechEndWallMs),
    };
  }

  /**
   * Graceful end: caller audio stops being listened to, agent audio already queued plays out;
   * resolves when the last frame is on the wire. `close()` afterwards releases everything.
   */
  finish(): Promise<void> {
    if (this.ended) return this.ended;
    this.ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));
    if (this.abort.signal.aborted) this.resolveEnded!();
    else this.pipeline.queueFrame({ type: 'end' });
    return this.ended;
  }

  /** Hard stop: everything queued is dropped, work in flight aborted, the recording closed. Idempotent. */
  close(): Promise<{ recording: { path: string; durationMs: number } | null }> {
    if (this.closed) return this.closed;
    this.abort.abort();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.pipeline.queueFrame({ type: 'cancel', reason: 'call_ended' });
    this.resolveEnded?.();
    for (const marks of this.utterances.values()) this.settle(marks);
    this.utterances.clear();
    for (const w of this.drainWaiters.splice(0)) w();
    this.closed = (async () => ({ recording: this.recorder ? await this.recorder.close() : null }))();
    return this.closed;
  }

  private marks(utteranceId: number, kind: UtteranceKind, interruptible: boolean): UtteranceMarks {
    let marks = this.utterances.get(utteranceId);
    if (!marks) {
      const userTurn = kind === 'reply' ? this.lastUserTurn : null;
      if (kind === 'reply') this.lastUserTurn = null;
      marks = { kind, interruptible, userTurn, firstDeltaWallMs: null, ttsFirstByteWallMs: null, firstAudioOutWallMs: null, settled: false, waiters: [] };
      this.utterances.set(utteranceId, marks);
    }
    return marks;
  }

  private hintsForSegment(): SttHints | undefined {
    const phrases = this.runnerHints ?? this.config.defaultHints ?? [];
    return phrases.length > 0 ? { phrases } : undefined;
  }

  private onUserTurn(text: string, speechEndWallMs: number, finalWallMs: number): void {
    // Runner hints are for one turn; the pipe's apply again after it.
    this.runnerHints = null;
    this.lastUserTurn = { speechEndWallMs, finalWallMs };
    this.config.events.userTurn(text);
  }

  private onMetrics(utteranceId: number, name: 'tts_first_byte' | 'first_audio_out', wallMs: number): void {
    const marks = this.utterances.get(utteranceId);
    if (!marks) return;
    if (name === 'tts_first_byte') marks.ttsFirstByteWallMs ??= wallMs;
    else {
      marks.firstAudioOutWallMs ??= wallMs;
      this.settle(marks);
    }
  }

  private onUtteranceStopped(utteranceId: number, interrupted: boolean, heardText: string): void {
    this.idleEvent((m) => m.agent(false, performance.now()));
    const marks = this.utterances.get(utteranceId);
    if (marks) {
      this.settle(marks);
      this.utterances.delete(utteranceId);
      this.doneMarks.set(utteranceId, marks);
      if (this.doneMarks.size > 16) this.doneMarks.delete(this.doneMarks.keys().next().value!);
    }
    const bargeIn = interrupted && !this.cutIds.delete(utteranceId);
    this.config.events.utteranceStopped(utteranceId, { interrupted, bargeIn, heardText });
    if (this.utterances.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  private settle(marks: UtteranceMarks): void {
    if (marks.settled) return;
    marks.settled = true;
    for (const w of marks.waiters.splice(0)) w();
  }

  private onUpstreamExit(frame: Frame): void {
    if (frame.type === 'error') this.config.events.error(frame);
  }

  private idleEvent(apply: (monitor: IdleMonitor) => void): void {
    if (this.idle === null) return;
    apply(this.idle);
    this.armIdle();
  }

  private armIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const deadline = this.idle?.deadline() ?? null;
    if (deadline === null || this.abort.signal.aborted) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      for (const action of this.idle!.check(performance.now())) {
        if (action.kind === 'silence') this.config.events.silence(action.durationMs);
        else this.config.events.idleTimeout();
      }
      this.armIdle();
    }, Math.max(0, deadline - performance.now()));
    this.idleTimer.unref();
  }
}

/**
 * The model VAD stream (Silero) when the profile asks for one. A model that cannot load (no
 * onnxruntime on this machine, a broken model file) leaves the energy VAD alone in charge: the
 * call goes on, with a warning, instead of failing.
 */
async function openModelVad(config: VoicePipelineConfig, sampleRateHz: number): Promise<VadStream | undefined> {
  const vad = config.engines.vad;
  if (!vad) return undefined;
  try {
    return await vad.createStream({ sampleRateHz });
  } catch (err) {
    config.logger.warn({ err, call_id: config.callId }, 'model VAD unavailable; using the energy VAD alone');
    return undefined;
  }
}
