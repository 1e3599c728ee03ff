import type { NarrowbandUpsampling, ResamplerFactory } from './audio.js';
import type { SpeechMetricsSink } from './metrics.js';
import type { RetryPolicy } from '../util/retry.js';

/**
 * Expected speech for the next utterance. Engines that decode grammars use them to constrain
 * recognition (and fall back to open vocabulary when the caller says something else); cloud
 * engines may pass phrases on as keyword boosts. Hints are advisory: an engine that cannot use
 * them ignores them.
 */
export interface SttHints {
  /** Whole phrases the caller is likely to say ("yes", "no", "speak to an agent"). */
  phrases?: readonly string[];
  /** A JSGF grammar (`#JSGF V1.0; grammar g; public <s> = ...;`), for engines with `grammars.jsgf`. */
  jsgf?: string;
}

/** What an STT engine can do. Adapters declare it once; the base validates requests against it. */
export interface SttCapabilities {
  /** Results arrive while audio flows (not only after the whole utterance). */
  streaming: boolean;
  /** The engine emits partial hypotheses before the final. */
  interimResults: boolean;
  /** Rates the engine takes without conversion; any other input rate is converted by the base. */
  nativeSampleRatesHz: readonly number[];
  /** BCP-47 tags served, lower case (`en-us`); a bare primary tag (`en`) matches any region. */
  languages: readonly string[];
  /** Which kinds of {@link SttHints} the engine uses. */
  grammars: { phrases: boolean; jsgf: boolean };
  /**
   * True when the model is wideband (16 kHz) and narrowband input needs upsampling; the base then
   * applies {@link NarrowbandUpsampling} to 8 kHz input.
   */
  widebandModel: boolean;
}

/** One recognised word with its timing on the stream's audio timeline. */
export interface SttWord {
  word: string;
  startMs: number;
  endMs: number;
  /** 0..1. */
  confidence: number;
}

/** A hypothesis that may still change. */
export interface SttPartialEvent {
  type: 'partial';
  /** 1 for the stream's first utterance, then counting up. */
  utteranceId: number;
  text: string;
  /** 0..1; engines without a measure report 0.5. */
  confidence: number;
  /** Timing on the stream's audio timeline (ms since the first pushed sample). */
  startMs: number;
  endMs: number;
}

/** The settled transcript of one utterance. */
export interface SttFinalEvent {
  type: 'final';
  utteranceId: number;
  /** Lower-case words separated by single spaces; empty when nothing was recognised. */
  text: string;
  confidence: number;
  startMs: number;
  endMs: number;
  words: readonly SttWord[];
  /** `grammar` when the hint grammar produced it, `open` for open-vocabulary recognition. */
  source: 'grammar' | 'open';
}

export type SttEvent = SttPartialEvent | SttFinalEvent;

/** Options of {@link SttAdapter.createStream}. */
export interface SttStreamOptions {
  /** Rate of the PCM16 the caller will push (8000 for G.711, 16000, 48000...). */
  sampleRateHz: number;
  /** BCP-47 language of the caller (`en-US`). */
  language: string;
  /** Hints for the first utterance; `SttStream.setHints` changes them for later ones. */
  hints?: SttHints | undefined;
  /** Aborting closes the stream; iteration then throws `aborted`. */
  signal?: AbortSignal | undefined;
  /** Overrides the adapter's narrowband upsampling for this stream. */
  narrowbandUpsampling?: NarrowbandUpsampling | undefined;
}

/**
 * One recognition session: usually one per call, carrying many utterances. Push caller audio,
 * call `flush()` when the caller stops talking (endpointing is the pipeline's job), and read
 * partials and finals from the async iterator.
 */
export interface SttStream extends AsyncIterable<SttEvent> {
  /** Feeds mono PCM16 at the stream's input rate. Ignored after the stream closed. */
  push(samples: Int16Array): void;
  /** Ends the current utterance; its `final` follows (none when no audio was pushed since the last). */
  flush(): void;
  /** Hints for the next utterance (`undefined` clears them). */
  setHints(hints: SttHints | undefined): void;
  /** Flushes, waits for the last final, releases the engine and ends iteration. */
  end(): Promise<void>;
  /** Cancels at once: the engine is released and iteration throws `aborted`. Idempotent. */
  close(): void;
  /** True once the stream ended, failed or was closed. */
  readonly closed: boolean;
}

/** Receives results from an engine session. */
export interface SttEngineSink {
  partial(result: Omit<SttPartialEvent, 'type' | 'utteranceId'>): void;
  final(result: Omit<SttFinalEvent, 'type' | 'utteranceId'>): void;
  /**
   * Fails the stream from outside a `write`/`endUtterance` call: a vendor connection that drops
   * or answers with an error while the engine is idle. Use a {@link SpeechError} with the right
   * `code` and `retryable`; anything else becomes `provider_error`.
   */
  fail(error: unknown): void;
}

/** What an engine gets when a stream opens. */
export interface SttSessionContext {
  model: string | null;
  language: string;
  /** Rate the caller pushes at. */
  inputSampleRateHz: number;
  /** Rate the engine receives (one of its native rates). */
  sampleRateHz: number;
  /** How 8 kHz input was brought to a wideband engine; `null` when that did not happen. */
  narrowbandUpsampling: NarrowbandUpsampling | null;
  hints: SttHints | undefined;
  /** Aborts when the stream closes or the open times out. */
  signal: AbortSignal;
  sink: SttEngineSink;
}

/**
 * The engine side of a stream. The base serialises calls: `write` and `endUtterance` never
 * overlap. `endUtterance` emits the final through the sink (engines that endpoint on their own may
 * also emit finals unprompted).
 */
export interface SttEngineSession {
  /** PCM16 at `SttSessionContext.sampleRateHz`. */
  write(samples: Int16Array): void | Promise<void>;
  endUtterance(): void | Promise<void>;
  /** Applies to the next utterance. */
  setHints(hints: SttHints | undefined): void;
  /**
   * Releases everything; must not throw. May be called while a `write` or `endUtterance` is still
   * running (cancellation): release shared resources only after that call has settled.
   */
  close(): void | Promise<void>;
}

/** Configuration shared by every STT adapter (owned by the base). */
export interface SttAdapterOptions {
  resamplerFactory?: ResamplerFactory | undefined;
  metrics?: SpeechMetricsSink | undefined;
  retry?: RetryPolicy | undefined;
  /** Bound on opening a session, including waiting for a pooled engine (default 10000). */
  openTimeoutMs?: number | undefined;
  /** Bound from `flush()` to the final (default 15000). */
  finalTimeoutMs?: number | undefined;
  /**
   * When set, a stream fails with `stalled` if audio kept flowing for this long without any
   * result from the engine. Off by default: engines that stay silent during silence (pocketsphinx)
   * would trip it; cloud adapters and failover turn it on.
   */
  stallTimeoutMs?: number | undefined;
  /** Default for 8 kHz input to wideband engines (default `fold`). */
  narrowbandUpsampling?: NarrowbandUpsampling | undefined;
}
