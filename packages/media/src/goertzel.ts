/**
 * Goertzel filter: the DFT at one frequency, in one pass with two state variables.
 *
 * @packageDocumentation
 */

/**
 * Amplitude of the component at `frequencyHz` in a block: `2·|X(f)| / N`, which equals the peak
 * amplitude of a sinusoid filling the block. The frequency need not fall on a DFT bin.
 *
 * @param samples - The block (its whole length is used).
 */
export function goertzelAmplitude(samples: Int16Array, frequencyHz: number, sampleRateHz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRateHz);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return samples.length === 0 ? 0 : (2 * Math.sqrt(Math.max(0, power))) / samples.length;
}
