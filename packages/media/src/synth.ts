/**
 * Deterministic test signals: tones, seeded noise, mixing. Used by this package's tests and handy
 * for benches and other packages' tests; nothing here reads a clock or `Math.random`.
 *
 * @packageDocumentation
 */

import { clampPcm16, PCM16_FULL_SCALE } from './pcm16.js';

/** A seeded pseudo-random generator returning floats in [0, 1). */
export type Prng = () => number;

/**
 * Creates a small, fast, seeded PRNG (mulberry32). Not for cryptography.
 *
 * @param seed - Any 32-bit integer; the same seed always yields the same sequence.
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Converts a level in dBFS to a linear amplitude in sample units. */
export function dbfsToAmplitude(levelDbfs: number): number {
  return PCM16_FULL_SCALE * 10 ** (levelDbfs / 20);
}

/** Options for {@link sine}. */
export interface SineOptions {
  frequencyHz: number;
  sampleRateHz: number;
  durationMs: number;
  /** Peak amplitude in sample units (default 16384, i.e. half scale). */
  amplitude?: number;
  /** Starting phase in radians (default 0). */
  phaseRad?: number;
}

/** Generates a sine tone as PCM16. */
export function sine(options: SineOptions): Int16Array {
  const { frequencyHz, sampleRateHz } = options;
  const amplitude = options.amplitude ?? 16384;
  const phase = options.phaseRad ?? 0;
  const n = Math.round((sampleRateHz * options.durationMs) / 1000);
  const out = new Int16Array(n);
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz;
  for (let i = 0; i < n; i++) out[i] = clampPcm16(amplitude * Math.sin(w * i + phase));
  return out;
}

/** Options for {@link whiteNoise}. */
export interface NoiseOptions {
  sampleRateHz: number;
  durationMs: number;
  /** RMS level in dBFS. */
  levelDbfs: number;
  seed: number;
}

/** Generates Gaussian white noise (Box-Muller over a seeded PRNG) at an RMS level. */
export function whiteNoise(options: NoiseOptions): Int16Array {
  const random = createPrng(options.seed);
  const sigma = dbfsToAmplitude(options.levelDbfs);
  const n = Math.round((options.sampleRateHz * options.durationMs) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - random();
    const v = random();
    out[i] = clampPcm16(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

/** Adds `b` into `a` starting at sample `offset` (saturating), in place; returns `a`. */
export function mixInto(a: Int16Array, b: Int16Array, offset = 0): Int16Array {
  const end = Math.min(a.length, offset + b.length);
  for (let i = Math.max(0, offset); i < end; i++) a[i] = clampPcm16(a[i]! + b[i - offset]!);
  return a;
}

/** Concatenates PCM16 arrays. */
export function concatPcm16(parts: readonly Int16Array[]): Int16Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
