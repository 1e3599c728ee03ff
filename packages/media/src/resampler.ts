// The package ships no types; this reference keeps the ambient declaration visible wherever this
// file is compiled from (the package build and the repo-wide test typecheck).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./speex-resampler-wasm.d.ts" />
import type { SpeexWasmModule } from '@echogarden/speex-resampler-wasm';

/** Options for {@link createResampler}. */
export interface ResamplerOptions {
  /** Input sample rate, e.g. 8000, 16000, 22050, 24000, 44100, 48000. */
  inRateHz: number;
  /** Output sample rate. */
  outRateHz: number;
  /** Interleaved channels (default 1). */
  channels?: 1 | 2;
  /**
   * Speex quality 0..10 (default 5: about 90 dB SNR on a 1 kHz tone, several hundred times real
   * time). Higher costs CPU for a longer filter and more delay.
   */
  quality?: number;
}

/** Error codes of {@link ResamplerError}. */
export type ResamplerErrorCode = 'init_failed' | 'process_failed' | 'closed';

/** Raised by the resampler; branch on `code`. */
export class ResamplerError extends Error {
  override readonly name = 'ResamplerError';
  constructor(
    readonly code: ResamplerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A streaming, alias-free sample-rate converter with a synchronous core. State carries across
 * `process` calls, so any chunking gives the same output as one call.
 */
export interface Resampler {
  readonly inRateHz: number;
  readonly outRateHz: number;
  readonly channels: number;
  /** Input samples (per channel) held inside the filter; `flush()` pushes them out. */
  readonly inputLatencySamples: number;
  /**
   * Converts a chunk of interleaved PCM16. The output is time-aligned with the input (the filter's
   * start-up delay is skipped) and is a fresh array the caller owns.
   */
  process(input: Int16Array): Int16Array;
  /** Ends the stream: returns the tail still in the filter and resets for a new stream. */
  flush(): Int16Array;
  /** Frees the WASM state; further calls throw `ResamplerError('closed')`. Idempotent. */
  close(): void;
}

let speexModule: Promise<SpeexWasmModule> | undefined;

function loadSpeex(): Promise<SpeexWasmModule> {
  speexModule ??= import('@echogarden/speex-resampler-wasm')
    .then((m) => m.default())
    .catch((err: unknown) => {
      speexModule = undefined;
      throw new ResamplerError('init_failed', `speex resampler WASM failed to load: ${String(err)}`);
    });
  return speexModule;
}

/**
 * Creates a Speex (SpeexDSP, via WebAssembly) resampler. Only creation is asynchronous: the WASM
 * module is compiled once per process on first use.
 *
 * @example
 * ```ts
 * const up = await createResampler({ inRateHz: 8000, outRateHz: 16000 });
 * const wide = up.process(narrowFrame); // 160 samples in, 320 out
 * up.close();
 * ```
 */
export async function createResampler(options: ResamplerOptions): Promise<Resampler> {
  const { inRateHz, outRateHz } = options;
  const channels = options.channels ?? 1;
  const quality = options.quality ?? 5;
  for (const [name, rate] of [['inRateHz', inRateHz], ['outRateHz', outRateHz]] as const) {
    if (!Number.isInteger(rate) || rate < 1000 || rate > 384_000) {
      throw new RangeError(`${name} must be an integer from 1000 to 384000, got ${rate}`);
    }
  }
  if (channels !== 1 && channels !== 2) throw new RangeError(`channels must be 1 or 2, got ${String(channels)}`);
  if (!Number.isInteger(quality) || quality < 0 || quality > 10) {
    throw new RangeError(`quality must be an integer from 0 to 10, got ${quality}`);
  }
  const wasm = await loadSpeex();
  return new SpeexResampler(wasm, inRateHz, outRateHz, channels, quality);
}

class SpeexResampler implements Resampler {
  readonly inputLatencySamples: number;
  private state: number;
  /** Two uint32 in/out length slots followed by an int32 error slot. */
  private readonly lengths: number;
  private inPtr = 0;
  private inCapacity = 0;
  private outPtr = 0;
  private outCapacity = 0;

  constructor(
    private readonly wasm: SpeexWasmModule,
    readonly inRateHz: number,
    readonly outRateHz: number,
    readonly channels: number,
    quality: number,
  ) {
    this.lengths = wasm._malloc(12);
    this.state = wasm._speex_resampler_init(channels, inRateHz, outRateHz, quality, this.lengths + 8);
    const err = wasm.HEAP32[(this.lengths + 8) >> 2]!;
    if (this.state === 0 || err !== 0) {
      wasm._free(this.lengths);
      throw new ResamplerError('init_failed', `speex_resampler_init failed with error ${err}`);
    }
    wasm._speex_resampler_skip_zeros(this.state);
    this.inputLatencySamples = wasm._speex_resampler_get_input_latency(this.state);
  }

  process(input: Int16Array): Int16Array {
    if (this.state === 0) throw new ResamplerError('closed', 'resampler is closed');
    if (input.length % this.channels !== 0) {
      throw new RangeError(`input length ${input.length} is not a multiple of ${this.channels} channels`);
    }
    const frames = input.length / this.channels;
    if (frames === 0) return new Int16Array(0);
    const outFrames = Math.ceil((frames * this.outRateHz) / this.inRateHz) + 16;
    this.reserve(input.length, outFrames * this.channels);
    const wasm = this.wasm;
    wasm.HEAP16.set(input, this.inPtr >> 1);

    const parts: Int16Array[] = [];
    let produced = 0;
    let consumed = 0;
    while (consumed < frames) {
      wasm.HEAPU32[this.lengths >> 2] = frames - consumed;
      wasm.HEAPU32[(this.lengths + 4) >> 2] = outFrames;
      const err = wasm._speex_resampler_process_interleaved_int(
        this.state,
        this.inPtr + consumed * this.channels * 2,
        this.lengths,
        this.outPtr,
        this.lengths + 4,
      );
      if (err !== 0) throw new ResamplerError('process_failed', `speex_resampler_process failed with error ${err}`);
      const used = wasm.HEAPU32[this.lengths >> 2]!;
      const made = wasm.HEAPU32[(this.lengths + 4) >> 2]! * this.channels;
      // Copy out of linear memory: the next call overwrites it, and growth detaches the view.
      const start = this.outPtr >> 1;
      parts.push(wasm.HEAP16.slice(start, start + made));
      produced += made;
      consumed += used;
      if (used === 0 && made === 0) break;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Int16Array(produced);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  flush(): Int16Array {
    if (this.state === 0) throw new ResamplerError('closed', 'resampler is closed');
    const tail = this.process(new Int16Array(this.inputLatencySamples * this.channels));
    this.wasm._speex_resampler_reset_mem(this.state);
    this.wasm._speex_resampler_skip_zeros(this.state);
    return tail;
  }

  close(): void {
    if (this.state === 0) return;
    this.wasm._speex_resampler_destroy(this.state);
    this.state = 0;
    if (this.inPtr !== 0) this.wasm._free(this.inPtr);
    if (this.outPtr !== 0) this.wasm._free(this.outPtr);
    this.wasm._free(this.lengths);
    this.inPtr = this.outPtr = this.inCapacity = this.outCapacity = 0;
  }

  /** Grows the WASM-side buffers (in samples) when a chunk is larger than any before. */
  private reserve(inSamples: number, outSamples: number): void {
    if (inSamples > this.inCapacity) {
      if (this.inPtr !== 0) this.wasm._free(this.inPtr);
      this.inCapacity = Math.max(inSamples, 2048);
      this.inPtr = this.wasm._malloc(this.inCapacity * 2);
    }
    if (outSamples > this.outCapacity) {
      if (this.outPtr !== 0) this.wasm._free(this.outPtr);
      this.outCapacity = Math.max(outSamples, 4096);
      this.outPtr = this.wasm._malloc(this.outCapacity * 2);
    }
    if (this.inPtr === 0 || this.outPtr === 0) {
      throw new ResamplerError('process_failed', 'out of WASM memory');
    }
  }
}
