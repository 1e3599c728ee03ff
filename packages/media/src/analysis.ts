/**
 * Measurement helpers for audio quality checks (resamplers, codecs, detectors).
 *
 * @packageDocumentation
 */

import { PCM16_FULL_SCALE } from './pcm16.js';

/** Result of {@link measureTone}. */
export interface ToneMeasurement {
  /** Peak amplitude of the fitted sinusoid, in sample units. */
  amplitude: number;
  /** The same amplitude as a level: 0 dBFS is a ±32768 peak. */
  amplitudeDbfs: number;
  /** Ratio of the tone's power to the power of everything else in the window (noise, distortion, aliases). */
  snrDb: number;
}

/**
 * Fits `a·cos(ωn) + b·sin(ωn) + c` to a window by least squares and reports the tone and what is
 * left over. The fit is exact for any phase and window length, so no windowing or bin alignment
 * is needed; use windows of at least a few hundred cycles for SNRs near 100 dB.
 *
 * @param samples - Signal (mono).
 * @param frequencyHz - Frequency of the tone to fit.
 * @param sampleRateHz - Sample rate of `samples`.
 * @param start - First sample of the window (default 0).
 * @param end - One past the last sample of the window (default `samples.length`).
 */
export function measureTone(
  samples: Int16Array,
  frequencyHz: number,
  sampleRateHz: number,
  start = 0,
  end = samples.length,
): ToneMeasurement {
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz;
  // Normal equations for the regressors [cos, sin, 1].
  let cc = 0, ss = 0, cs = 0, c1 = 0, s1 = 0, n = 0, yc = 0, ys = 0, y1 = 0;
  for (let i = start; i < end; i++) {
    const c = Math.cos(w * i);
    const s = Math.sin(w * i);
    const y = samples[i]!;
    cc += c * c; ss += s * s; cs += c * s; c1 += c; s1 += s; n += 1;
    yc += y * c; ys += y * s; y1 += y;
  }
  const [a, b, dc] = solve3([cc, cs, c1, cs, ss, s1, c1, s1, n], [yc, ys, y1]);
  let residual = 0;
  for (let i = start; i < end; i++) {
    const e = samples[i]! - (a * Math.cos(w * i) + b * Math.sin(w * i) + dc);
    residual += e * e;
  }
  const amplitude = Math.hypot(a, b);
  const tonePower = (amplitude * amplitude) / 2;
  const noisePower = residual / Math.max(1, n);
  return {
    amplitude,
    amplitudeDbfs: amplitude > 0 ? 20 * Math.log10(amplitude / PCM16_FULL_SCALE) : -Infinity,
    snrDb: noisePower > 0 ? 10 * Math.log10(tonePower / noisePower) : Infinity,
  };
}

/** Solves a 3×3 system (row-major `m`) by Cramer's rule; singular systems give zeros. */
function solve3(m: readonly number[], v: readonly number[]): [number, number, number] {
  const [a, b, c, d, e, f, g, h, k] = m as [number, number, number, number, number, number, number, number, number];
  const [p, q, r] = v as [number, number, number];
  const det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
  if (det === 0) return [0, 0, 0];
  const x = (p * (e * k - f * h) - b * (q * k - f * r) + c * (q * h - e * r)) / det;
  const y = (a * (q * k - f * r) - p * (d * k - f * g) + c * (d * r - q * g)) / det;
  const z = (a * (e * r - q * h) - b * (d * r - q * g) + p * (d * h - e * g)) / det;
  return [x, y, z];
}
