/** A block of mono PCM16 samples and the rate they are at. */
export interface PcmChunk {
  samples: Int16Array;
  sampleRateHz: number;
}

/**
 * A streaming sample-rate converter. State carries across `process` calls, so chunking does not
 * change the output. `@unpod/media`'s `Resampler` satisfies this shape.
 */
export interface StreamResampler {
  readonly inRateHz: number;
  readonly outRateHz: number;
  /** Converts one chunk; the result is a fresh array the caller owns. */
  process(input: Int16Array): Int16Array;
  /** Returns what is still inside the filter and resets for a new stream. */
  flush(): Int16Array;
  /** Frees native or WASM state. Idempotent. */
  close(): void;
}

/** Creates converters; the adapter bases get one injected (default: `@unpod/media`). */
export type ResamplerFactory = (inRateHz: number, outRateHz: number) => Promise<StreamResampler>;

/**
 * How narrowband input (8 kHz) reaches a wideband (16 kHz) recogniser.
 * - `fold`: zero insertion without an anti-imaging filter, so 4-8 kHz holds the mirror image of
 *   0-4 kHz (closer to what a wideband model was trained on than an empty band).
 * - `resample`: a clean, alias-free resampler (4-8 kHz stays empty).
 */
export type NarrowbandUpsampling = 'fold' | 'resample';

/** Duration in ms of `samples` at `sampleRateHz`. */
export function samplesToMs(samples: number, sampleRateHz: number): number {
  return (samples * 1000) / sampleRateHz;
}
