import { EnergyVad } from '@unpod/media';
import type { VadEvent, VadStream } from '../../speech/index.js';
import type { AudioInFrame, Direction, Frame } from '../frames.js';
import { FrameProcessor } from '../processor.js';

export interface VadProcessorOptions {
  sampleRateHz: number;
  /** Speech must last this long before it counts (default 100). */
  minSpeechMs?: number | undefined;
  /** Silence must last this long before a speech segment ends (default 250). */
  minSilenceMs?: number | undefined;
  /** A speech segment longer than this is cut (the turn cap); the speech goes on in a new segment. */
  maxSegmentMs: number;
  /** Energy threshold above the noise floor (default 12 dB). */
  thresholdDb?: number | undefined;
  /**
   * A model VAD (Silero) run only on audio the energy gate lets through: the energy VAD opens the
   * gate cheaply, the model decides what is speech. Without it the energy VAD decides alone.
   */
  model?: VadStream | undefined;
}

/** Gate hangover: audio keeps reaching the model this long after the energy VAD's last speech frame. */
const GATE_HANGOVER_MS = 400;

/**
 * Voice activity on the caller audio: emits `user.started_speaking` / `user.stopped_speaking`
 * (placed where the speech began / the silence began) and passes every audio frame on. With a
 * model VAD, audio reaches the model only while the energy gate is open, so silent stretches cost
 * nothing; when the gate closes, an open model segment ends at the last gated audio.
 */
export class VadProcessor extends FrameProcessor {
  private readonly energy: EnergyVad;
  private readonly gate: EnergyVad | null;
  private readonly maxSegmentMs: number;
  private speaking = false;
  private segmentStartMs = 0;
  /** Caller-timeline ms of each gated run fed to the model: [modelMs, callerMs] pairs. */
  private readonly modelMap: Array<[number, number]> = [];
  private modelMs = 0;
  private gateOpenUntilMs = -1;

  constructor(private readonly options: VadProcessorOptions) {
    super('vad');
    this.maxSegmentMs = options.maxSegmentMs;
    const minSpeechMs = options.minSpeechMs ?? 100;
    const minSilenceMs = options.minSilenceMs ?? 250;
    this.energy = new EnergyVad({ sampleRateHz: options.sampleRateHz, thresholdDb: options.thresholdDb, minSpeechMs, minSilenceMs });
    this.gate = options.model ? new EnergyVad({ sampleRateHz: options.sampleRateHz, thresholdDb: options.thresholdDb, minSpeechMs: 0, minSilenceMs: 0 }) : null;
  }

  protected process(frame: Frame, direction: Direction): void | Promise<void> {
    if (direction === 'downstream' && frame.type === 'audio.in') {
      return this.options.model ? this.withModel(frame, this.options.model) : this.withEnergy(frame);
    }
    if (frame.type === 'cancel' || frame.type === 'end') this.options.model?.close();
    this.push(frame, direction);
  }

  private withEnergy(frame: AudioInFrame): void {
    const events = this.energy.process(frame.samples);
    const endMs = frame.atMs + (frame.samples.length * 1000) / frame.sampleRateHz;
    for (const e of events) this.emit(e.type, e.atMs, frame, endMs);
    this.push(frame);
    this.capSegment(frame, endMs);
  }

  private async withModel(frame: AudioInFrame, model: VadStream): Promise<void> {
    const durationMs = (frame.samples.length * 1000) / frame.sampleRateHz;
    const endMs = frame.atMs + durationMs;
    this.gate!.process(frame.samples);
    if (this.gate!.isSpeech) this.gateOpenUntilMs = endMs + GATE_HANGOVER_MS;
    if (endMs <= this.gateOpenUntilMs) {
      this.modelMap.push([this.modelMs, frame.atMs]);
      if (this.modelMap.length > 512) this.modelMap.splice(0, 256);
      this.modelMs += durationMs;
      const result = await model.process(frame.samples);
      for (const e of result.events) this.emitModel(e, frame, endMs);
    } else if (model.speaking) {
      for (const e of model.flush()) this.emitModel(e, frame, endMs);
    }
    this.push(frame);
    this.capSegment(frame, endMs);
  }

  private emitModel(event: VadEvent, frame: AudioInFrame, endMs: number): void {
    this.emit(event.type, this.toCallerMs(event.atMs), frame, endMs);
  }

  /** Maps a position on the model's (gated) timeline back to the caller timeline. */
  private toCallerMs(modelMs: number): number {
    for (let i = this.modelMap.length - 1; i >= 0; i--) {
      const [m, c] = this.modelMap[i]!;
      if (m <= modelMs) return c + (modelMs - m);
    }
    return this.modelMap[0]?.[1] ?? 0;
  }

  private emit(type: 'speech_start' | 'speech_end', atMs: number, frame: AudioInFrame, frameEndMs: number, cut = false): void {
    const wallMs = frame.wallMs - Math.max(0, frameEndMs - atMs);
    if (type === 'speech_start') {
      if (this.speaking) return;
      this.speaking = true;
      this.segmentStartMs = atMs;
      this.push({ type: 'user.started_speaking', atMs, wallMs, segmentId: 0 });
    } else {
      if (!this.speaking) return;
      this.speaking = false;
      this.push({ type: 'user.stopped_speaking', atMs, wallMs, speechMs: atMs - this.segmentStartMs, cut });
    }
  }

  /** A segment that reaches the turn cap is ended here and continues as a new segment. */
  private capSegment(frame: AudioInFrame, endMs: number): void {
    if (!this.speaking || endMs - this.segmentStartMs < this.maxSegmentMs) return;
    this.emit('speech_end', endMs, frame, endMs, true);
    this.emit('speech_start', endMs, frame, endMs);
  }
}
