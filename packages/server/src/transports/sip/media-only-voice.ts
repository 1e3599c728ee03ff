import { EnergyVad } from '@unpod/media';
import type { TransportSink } from '../transport.js';
import { synthesizeCached, type AnnouncementVoice } from './announcements.js';
import type { CallVoice, CallVoiceContext } from './voice.js';

const FRAME_SAMPLES = 160;

interface Queued {
  utteranceId: number;
  pcm: Int16Array;
  offset: number;
}

/**
 * A voice with the media plane only (the benchmark's "media-only" profile): caller audio goes
 * through the energy VAD and nowhere else (no STT, so no user turns), and agent text is spoken
 * from whole-utterance TTS kept in the announcement cache, so a repeated greeting costs no
 * synthesis. It measures what RTP, the jitter buffer, G.711 and VAD cost per call.
 */
export class MediaOnlyVoice implements CallVoice {
  readonly extensionEvents = [] as const;
  private sink: TransportSink | null = null;
  private readonly vad = new EnergyVad({ sampleRateHz: 8000 });
  private readonly queue: Queued[] = [];
  private readonly texts = new Map<number, string>();
  private readonly abort = new AbortController();
  private drainWaiters: Array<() => void> = [];
  private stopTicking: (() => void) | null = null;
  /** Speech starts the energy VAD confirmed (the benchmark's sanity check that audio arrived). */
  speechStarts = 0;

  constructor(
    private readonly context: CallVoiceContext,
    private readonly voice: AnnouncementVoice,
  ) {}

  bind(sink: TransportSink): void {
    this.sink = sink;
  }

  start(): void {}

  pushCallerAudio(samples: Int16Array): void {
    for (const event of this.vad.process(samples)) if (event.type === 'speech_start') this.speechStarts += 1;
  }

  agentDelta(utteranceId: number, text: string): void {
    this.texts.set(utteranceId, (this.texts.get(utteranceId) ?? '') + text);
  }

  agentEnd(utteranceId: number): void {
    const text = this.texts.get(utteranceId) ?? '';
    this.texts.delete(utteranceId);
    this.speak(utteranceId, text);
  }

  agentSay(utteranceId: number, text: string): void {
    this.speak(utteranceId, text);
  }

  filler(): void {}

  interruptOutput(utteranceId: number): { heardText: string } {
    const index = this.queue.findIndex((q) => q.utteranceId === utteranceId);
    if (index >= 0) this.queue.splice(index, 1);
    this.settleIfIdle();
    return { heardText: '' };
  }

  userInterrupted(): void {}

  state(): void {}

  setHints(): void {}

  setRecording(): void {}

  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async turnMetrics(): Promise<null> {
    return null;
  }

  synthesize(text: string, signal: AbortSignal): Promise<Int16Array> {
    return synthesizeCached(this.voice, text, signal);
  }

  async release(): Promise<void> {
    this.abort.abort();
    this.queue.length = 0;
    this.stopTicking?.();
    this.stopTicking = null;
    this.settleIfIdle();
  }

  private speak(utteranceId: number, text: string): void {
    if (text.trim() === '' || this.abort.signal.aborted) {
      this.sink?.played(utteranceId);
      return;
    }
    this.synthesize(text, this.abort.signal).then(
      (pcm) => {
        if (this.abort.signal.aborted) return;
        this.queue.push({ utteranceId, pcm, offset: 0 });
        this.stopTicking ??= this.context.ticker.add({ tick: () => this.playFrame() });
      },
      () => this.sink?.played(utteranceId),
    );
  }

  private playFrame(): void {
    const head = this.queue[0];
    if (!head) {
      this.stopTicking?.();
      this.stopTicking = null;
      return;
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(head.pcm.subarray(head.offset, head.offset + FRAME_SAMPLES));
    head.offset += FRAME_SAMPLES;
    this.context.sendAudio(frame);
    if (head.offset >= head.pcm.length) {
      this.queue.shift();
      this.sink?.played(head.utteranceId);
      this.settleIfIdle();
    }
  }

  private settleIfIdle(): void {
    if (this.queue.length > 0) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
