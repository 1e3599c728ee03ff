import type { ResamplerFactory, StreamResampler } from '../contracts/audio.js';

/**
 * A deterministic stand-in resampler for contract tests: nearest-sample rate conversion that
 * records every converter it makes, so tests can see which rates the bases asked for.
 */
export function recordingResamplerFactory(): { factory: ResamplerFactory; made: { inRateHz: number; outRateHz: number }[] } {
  const made: { inRateHz: number; outRateHz: number }[] = [];
  const factory: ResamplerFactory = async (inRateHz, outRateHz) => {
    made.push({ inRateHz, outRateHz });
    let position = 0;
    const converter: StreamResampler = {
      inRateHz,
      outRateHz,
      process(input) {
        const out: number[] = [];
        const step = inRateHz / outRateHz;
        while (position < input.length) {
          out.push(input[Math.floor(position)]!);
          position += step;
        }
        position -= input.length;
        return Int16Array.from(out);
      },
      flush: () => new Int16Array(0),
      close: () => undefined,
    };
    return converter;
  };
  return { factory, made };
}
