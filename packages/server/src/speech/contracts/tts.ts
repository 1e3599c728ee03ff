import type { PcmChunk, ResamplerFactory } from './audio.js';
import type { SpeechMetricsSink } from './metrics.js';
import type { RetryPolicy } from '../util/retry.js';

/** A voice an engine offers. */
export interface TtsVoice {
  /** The id voice profiles use (`slt`, `en-us`, a vendor voice id). */
  id: string;
  /** BCP-47, lower case. */
  language: string;
  gender: 'female' | 'male' | 'neutral' | null;
  /** Rate the engine produces for this voice. */
  sampleRateHz: number;
}

/** What a TTS engine can do. */
export interface TtsCapabilities {
  /** Audio for one request arrives in several chunks (not only after the whole text). */
  streaming: boolean;
  /**
   * `sentence`: the engine renders a whole request before returning, so the base feeds it one
   * sentence at a time and the first sentence plays while later ones render. `none`: the engine
   * streams long text itself.
   */
  segmentation: 'sentence' | 'none';
  nativeSampleRatesHz: readonly number[];
  voices: readonly TtsVoice[];
  /** BCP-47 tags, lower case. */
  languages: readonly string[];
}

/** Options of {@link TtsAdapter.synthesize}. */
export interface TtsSynthesizeOptions {
  /** Voice id; default: the adapter's default voice, or the first voice of `language`. */
  voice?: string | null | undefined;
  /** BCP-47; used to pick a voice when `voice` is not given. */
  language?: string | null | undefined;
  /** Rate every returned chunk is at (8000 for G.711, 16000, 24000, 48000...). */
  sampleRateHz: number;
  /** Aborting stops synthesis; iteration then throws `aborted`. */
  signal?: AbortSignal | undefined;
}

/** Synthesised audio at the requested rate, tagged with the text segment it renders. */
export interface TtsChunk {
  samples: Int16Array;
  sampleRateHz: number;
  /** Index of the segment (sentence) among those of this call. */
  segmentIndex: number;
  /** The segment's text, for working out how much of a reply was heard. */
  segmentText: string;
}

/** What an engine gets for one segment. */
export interface TtsSegmentContext {
  voice: TtsVoice;
  language: string;
  /**
   * The rate the caller asked for. Engines that can render at several rates (cloud vendors) may
   * use it to skip resampling; any rate they return is converted by the base.
   */
  requestedSampleRateHz?: number | undefined;
  /** Aborts on cancellation and on timeouts; stop producing when it does. */
  signal: AbortSignal;
}

/** Configuration shared by every TTS adapter (owned by the base). */
export interface TtsAdapterOptions {
  resamplerFactory?: ResamplerFactory | undefined;
  metrics?: SpeechMetricsSink | undefined;
  retry?: RetryPolicy | undefined;
  /** Bound from asking for a segment to its first chunk (default 10000). */
  firstChunkTimeoutMs?: number | undefined;
  /** Bound between two chunks of one segment (default 10000). */
  stallTimeoutMs?: number | undefined;
  /** Voice used when a call names none. */
  defaultVoice?: string | undefined;
}

export type { PcmChunk };
