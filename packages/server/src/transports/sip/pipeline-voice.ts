import type { CallState } from '@unpod/protocol';
import type { Logger } from '../../logger.js';
import { VoicePipeline } from '../../pipeline/voice-pipeline.js';
import type { TransportSink, VoiceTurnStages } from '../transport.js';
import type { VoiceSettings } from '../websocket-audio/voice-setup.js';
import { synthesizeCached } from './announcements.js';
import type { CallVoice, CallVoiceContext } from './voice.js';

/** Filler lines get utterance ids of their own, outside the call's numbering. */
const FIRST_FILLER_ID = 1_000_000;

export interface PipelineVoiceOptions extends CallVoiceContext {
  logger: Logger;
  settings: VoiceSettings;
  /** Where the recording goes when the pipe records (null: not recorded). */
  recordingPath: string | null;
  /** Stores the finished recording's path on the call. */
  saveRecording(path: string): Promise<void>;
}

/**
 * A SIP call's voice on the speech pipeline: caller frames (8 kHz) into VAD/STT/turn taking,
 * agent text through TTS to paced frames for RTP. Reports to the call as the WebSocket audio
 * transport does: finals, partials, barge-in (with what was heard), played, silence, idle.
 */
export class PipelineVoice implements CallVoice {
  readonly extensionEvents = ['user.partial', 'silence'] as const;
  private sink: TransportSink | null = null;
  private readonly early: Array<(sink: TransportSink) => void> = [];
  private fillerSeq = FIRST_FILLER_ID;
  private released: Promise<void> | null = null;
  private pipeline!: VoicePipeline;

  private constructor(private readonly options: PipelineVoiceOptions) {}

  static async create(options: PipelineVoiceOptions): Promise<PipelineVoice> {
    const voice = new PipelineVoice(options);
    const { settings } = options;
    settings.speech.subscribe((event) => voice.report((sink) => sink.speechFailover?.(event)));
    voice.pipeline = await VoicePipeline.create({
      callId: options.callId,
      logger: options.logger,
      edgeSampleRateHz: 8000,
      engines: settings.engines,
      endpointing: settings.endpointing,
      idle: settings.idle,
      defaultHints: settings.sttHints,
      recordingPath: settings.recording ? options.recordingPath : null,
      sendAudio: (samples) => options.sendAudio(samples),
      events: {
        userTurn: (text) => voice.report((sink) => sink.userText(text)),
        partial: (text) => voice.report((sink) => sink.partial(text)),
        utteranceStarted: () => undefined,
        utteranceStopped: (id, outcome) => {
          if (id >= FIRST_FILLER_ID) return;
          if (outcome.bargeIn) voice.report((sink) => sink.bargeIn(id));
          else if (!outcome.interrupted) voice.report((sink) => sink.played(id));
        },
        silence: (durationMs) => voice.report((sink) => sink.silence(durationMs)),
        idleTimeout: () => voice.report((sink) => sink.idle()),
        error: (frame) => {
          options.logger.warn({ call_id: options.callId, source: frame.source, code: frame.code }, 'voice pipeline error');
          if (frame.fatal) voice.report((sink) => sink.lost('transport_lost', frame.message));
        },
      },
    });
    return voice;
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
    for (const deliver of this.early.splice(0)) deliver(sink);
  }

  start(): void {
    this.pipeline.start();
  }

  pushCallerAudio(samples: Int16Array): void {
    this.pipeline.pushCallerAudio(samples);
  }

  agentDelta(utteranceId: number, text: string): void {
    this.pipeline.agentDelta(utteranceId, 'reply', true, text);
  }

  agentEnd(utteranceId: number): void {
    this.pipeline.agentEnd(utteranceId, 'reply', true);
  }

  agentSay(utteranceId: number, text: string, options: { interruptible: boolean } = { interruptible: true }): void {
    this.pipeline.agentDelta(utteranceId, 'say', options.interruptible, text);
    this.pipeline.agentEnd(utteranceId, 'say', options.interruptible);
  }

  /** Spoken only while nothing else of the agent is playing or queued: it bridges a silence. */
  filler(text: string): void {
    if (text.trim() === '' || this.pipeline.busy) return;
    const id = this.fillerSeq++;
    this.pipeline.agentDelta(id, 'filler', true, text);
    this.pipeline.agentEnd(id, 'filler', true);
  }

  interruptOutput(utteranceId: number): { heardText: string } {
    return { heardText: this.pipeline.cut(utteranceId) };
  }

  userInterrupted(): void {
    // A phone line has no client to tell; the caller heard the audio stop.
  }

  state(state: CallState): void {
    this.pipeline.runnerThinking(state === 'thinking');
  }

  setHints(phrases: readonly string[]): void {
    this.pipeline.setHints(phrases);
  }

  setRecording(active: boolean): void {
    this.pipeline.setRecording(active);
  }

  drained(): Promise<void> {
    return this.pipeline.drained();
  }

  async turnMetrics(utteranceId: number): Promise<VoiceTurnStages | null> {
    const stages = await this.pipeline.turnMetrics(utteranceId);
    return { ...stages, speech: this.options.settings.speech.takeTurnInfo() };
  }

  synthesize(text: string, signal: AbortSignal): Promise<Int16Array> {
    const { engines } = this.options.settings;
    return synthesizeCached({ tts: engines.tts, voice: engines.ttsVoice, language: engines.ttsLanguage }, text, signal);
  }

  /** Stops the pipeline and finishes the recording (its path is stored on the call). Idempotent. */
  release(): Promise<void> {
    this.released ??= (async () => {
      const { recording } = await this.pipeline.close();
      const usage = this.options.settings.speech.usage();
      if (usage.length > 0) this.report((sink) => sink.speechUsage?.(usage));
      if (!recording) return;
      try {
        await this.options.saveRecording(recording.path);
      } catch (err) {
        this.options.logger.error({ err, call_id: this.options.callId }, 'storing the recording path failed');
      }
    })();
    return this.released;
  }

  private report(deliver: (sink: TransportSink) => void): void {
    if (this.sink) deliver(this.sink);
    else this.early.push(deliver);
  }
}
