/**
 * Doubles the sample rate (8 kHz -> 16 kHz) by zero insertion with no anti-imaging filter, on
 * purpose.
 *
 * Why: telephone audio is band-limited to 4 kHz, while wideband recognisers (pocketsphinx en-us,
 * trained at 16 kHz) expect energy up to 8 kHz. A clean resampler leaves 4-8 kHz empty and
 * recognition collapses (measured here: 88 % WER). Zero insertion leaves the mirror image of the
 * 0-4 kHz band in 4-8 kHz ("spectral folding"): a tone at f Hz also appears at 8000 - f Hz. That
 * image is close enough to what the model was trained on that WER drops to 25 % on the same
 * audio. Use this only to feed such a model; for anything a person hears, use
 * {@link createResampler}.
 *
 * Each input sample becomes `[2·x, 0]`: the gain of 2 restores the baseband level that zero
 * insertion halves (samples saturate at the PCM16 limits). Stateless, so chunking never matters.
 */
export class FoldingUpsampler {
  /** Input rate this is meant for; the output is twice this. */
  readonly inRateHz: number = 8000;
  readonly outRateHz: number = 16000;

  /**
   * Upsamples one chunk.
   *
   * @param input - Mono PCM16 at 8 kHz.
   * @param out - Optional destination of at least `2 * input.length` samples.
   * @returns Mono PCM16 at 16 kHz, `2 * input.length` samples.
   */
  process(input: Int16Array, out?: Int16Array): Int16Array {
    const length = input.length * 2;
    if (out !== undefined && out.length < length) {
      throw new RangeError(`output buffer holds ${out.length} samples, ${length} needed`);
    }
    const result = out ?? new Int16Array(length);
    for (let i = 0; i < input.length; i++) {
      const doubled = input[i]! * 2;
      result[2 * i] = doubled > 32767 ? 32767 : doubled < -32768 ? -32768 : doubled;
      result[2 * i + 1] = 0;
    }
    return result;
  }
}
