import type { VadEvent } from './vad.js';

/** Thresholds of a {@link SpeechSegmenter}. */
export interface SpeechSegmenterOptions {
  threshold: number;
  negativeThreshold: number;
  minSpeechMs: number;
  minSilenceMs: number;
}

/**
 * Turns per-frame speech probabilities into confirmed speech segments with hysteresis: entering
 * speech needs `minSpeechMs` of frames at or above `threshold`; leaving it needs `minSilenceMs` of
 * frames below `negativeThreshold`. Pure and synchronous.
 */
export class SpeechSegmenter {
  private inSpeech = false;
  private runStartMs = -1;
  private runMs = 0;
  private speechStartMs = 0;
  private endMs = 0;

  constructor(private readonly options: SpeechSegmenterOptions) {
    if (!(options.negativeThreshold <= options.threshold)) throw new RangeError('negativeThreshold must not exceed threshold');
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Feeds one frame's probability; returns the transition it confirmed, if any. */
  next(probability: number, startMs: number, durationMs: number): VadEvent | undefined {
    this.endMs = startMs + durationMs;
    const towardOther = this.inSpeech ? probability < this.options.negativeThreshold : probability >= this.options.threshold;
    if (!towardOther) {
      this.runStartMs = -1;
      this.runMs = 0;
      return undefined;
    }
    if (this.runStartMs < 0) this.runStartMs = startMs;
    this.runMs += durationMs;
    const needed = this.inSpeech ? this.options.minSilenceMs : this.options.minSpeechMs;
    if (this.runMs + 1e-6 < needed) return undefined;
    return this.toggle(this.runStartMs);
  }

  /** Closes an open segment at the end of the audio (or where its trailing silence began). */
  flush(): VadEvent | undefined {
    if (!this.inSpeech) return undefined;
    return this.toggle(this.runStartMs >= 0 ? this.runStartMs : this.endMs);
  }

  private toggle(atMs: number): VadEvent {
    this.inSpeech = !this.inSpeech;
    this.runStartMs = -1;
    this.runMs = 0;
    if (this.inSpeech) {
      this.speechStartMs = atMs;
      return { type: 'speech_start', atMs };
    }
    return { type: 'speech_end', atMs, speechMs: atMs - this.speechStartMs };
  }
}
