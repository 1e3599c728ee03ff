import type { ResamplerFactory } from './audio.js';
import type { SpeechMetricsSink } from './metrics.js';

/** What a VAD engine can do. */
export interface VadCapabilities {
  /** Rates the engine scores directly; other input rates are converted by the base. */
  nativeSampleRatesHz: readonly number[];
}

/** Options of {@link VadAdapter.createStream}. */
export interface VadStreamOptions {
  /** Rate of the PCM16 the caller pushes. */
  sampleRateHz: number;
  /** A frame with probability at or above this is speech (default 0.5). */
  threshold?: number | undefined;
  /** While speaking, a frame below this counts as silence (default `threshold - 0.15`). */
  negativeThreshold?: number | undefined;
  /** Speech must last this long before `speech_start` (default 100). */
  minSpeechMs?: number | undefined;
  /** Silence must last this long before `speech_end` (default 300). */
  minSilenceMs?: number | undefined;
  /** Aborting closes the stream. */
  signal?: AbortSignal | undefined;
}

/** The score of one engine frame. */
export interface VadFrame {
  /** 0..1 speech probability (energy VADs report 0 or 1). */
  probability: number;
  /** Position on the input timeline, ms since the first pushed sample. */
  startMs: number;
  durationMs: number;
}

/** A confirmed change of the speech state, placed where it began on the input timeline. */
export type VadEvent = { type: 'speech_start'; atMs: number } | { type: 'speech_end'; atMs: number; speechMs: number };

/** What one `process` call found. */
export interface VadResult {
  frames: VadFrame[];
  events: VadEvent[];
}

/** Per-call VAD state. Calls to `process` are applied in order. */
export interface VadStream {
  /** Scores mono PCM16 at the stream's rate; partial frames are kept for the next call. */
  process(samples: Int16Array): Promise<VadResult>;
  /** Ends the stream's audio: closes an open speech segment. */
  flush(): VadEvent[];
  /** True inside a confirmed speech segment. */
  readonly speaking: boolean;
  /** Releases per-call engine state. Idempotent. */
  close(): void;
}

/** Per-call engine state: scores fixed-size frames at one native rate. */
export interface VadEngineState {
  /** Samples per frame at the native rate (Silero: 512 at 16 kHz, 256 at 8 kHz). */
  readonly frameSamples: number;
  infer(frame: Int16Array): number | Promise<number>;
  close(): void;
}

/** Configuration shared by every VAD adapter. */
export interface VadAdapterOptions {
  resamplerFactory?: ResamplerFactory | undefined;
  metrics?: SpeechMetricsSink | undefined;
}
