import { FoldingUpsampler, createResampler } from '@unpod/media';
import type { NarrowbandUpsampling, ResamplerFactory, StreamResampler } from '../contracts/audio.js';

/** The default factory: the alias-free Speex resampler from `@unpod/media`. */
export const mediaResamplerFactory: ResamplerFactory = (inRateHz, outRateHz) => createResampler({ inRateHz, outRateHz });

/**
 * 8 kHz -> 16 kHz by spectral folding (zero insertion, no anti-imaging filter), as a
 * {@link StreamResampler}. Stateless, so `flush()` has nothing to return.
 */
export class FoldingConverter implements StreamResampler {
  readonly inRateHz = 8000;
  readonly outRateHz = 16000;
  private readonly upsampler = new FoldingUpsampler();

  process(input: Int16Array): Int16Array {
    return this.upsampler.process(input);
  }

  flush(): Int16Array {
    return new Int16Array(0);
  }

  close(): void {}
}

/**
 * Picks the engine rate for an input rate: the input rate itself when native, else the lowest
 * native rate above it, else the highest native rate.
 */
export function pickNativeRate(inputRateHz: number, nativeRatesHz: readonly number[]): number {
  if (nativeRatesHz.length === 0) throw new RangeError('an engine must declare at least one native rate');
  if (nativeRatesHz.includes(inputRateHz)) return inputRateHz;
  const sorted = [...nativeRatesHz].sort((a, b) => a - b);
  return sorted.find((r) => r > inputRateHz) ?? sorted[sorted.length - 1]!;
}

/**
 * Opens the converter from `inRateHz` to `outRateHz`: none when equal, folding for 8 -> 16 kHz
 * into a wideband recogniser when `narrowband` is `fold`, the factory's resampler otherwise.
 */
export async function openConverter(options: {
  inRateHz: number;
  outRateHz: number;
  narrowband: NarrowbandUpsampling | null;
  factory: ResamplerFactory;
}): Promise<StreamResampler | null> {
  const { inRateHz, outRateHz } = options;
  if (inRateHz === outRateHz) return null;
  if (options.narrowband === 'fold' && inRateHz === 8000 && outRateHz === 16000) return new FoldingConverter();
  return options.factory(inRateHz, outRateHz);
}
