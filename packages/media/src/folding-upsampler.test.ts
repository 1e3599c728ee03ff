import { describe, expect, it } from 'vitest';
import { measureTone } from './analysis.js';
import { FoldingUpsampler } from './folding-upsampler.js';
import { sine } from './synth.js';

describe('FoldingUpsampler (8 -> 16 kHz by zero insertion)', () => {
  it('keeps an f Hz tone at its level and mirrors it to 8000 - f Hz', () => {
    const input = sine({ frequencyHz: 1000, sampleRateHz: 8000, durationMs: 1000, amplitude: 8000 });
    const out = new FoldingUpsampler().process(input);
    expect(out.length).toBe(16000);
    const base = measureTone(out, 1000, 16000);
    const image = measureTone(out, 7000, 16000);
    const elsewhere = measureTone(out, 3000, 16000);
    console.info(
      `[folding] 1 kHz in: ${base.amplitudeDbfs.toFixed(2)} dBFS at 1 kHz, ` +
        `${image.amplitudeDbfs.toFixed(2)} dBFS at 7 kHz, ${elsewhere.amplitudeDbfs.toFixed(1)} dBFS at 3 kHz`,
    );
    // Gain 2 with every other sample zero: both components keep the input amplitude.
    expect(base.amplitude).toBeCloseTo(8000, -1);
    expect(image.amplitude).toBeCloseTo(8000, -1);
    expect(elsewhere.amplitudeDbfs).toBeLessThan(-80);
  });

  it('writes [2x, 0] pairs, saturating at the PCM16 limits', () => {
    const out = new FoldingUpsampler().process(Int16Array.from([1, -2, 20000, -20000]));
    expect(Array.from(out)).toEqual([2, 0, -4, 0, 32767, 0, -32768, 0]);
  });

  it('is stateless: chunked output equals whole-buffer output', () => {
    const up = new FoldingUpsampler();
    const input = sine({ frequencyHz: 440, sampleRateHz: 8000, durationMs: 100 });
    const whole = up.process(input);
    const a = up.process(input.subarray(0, 333));
    const b = up.process(input.subarray(333));
    expect(Int16Array.from([...a, ...b])).toEqual(whole);
  });

  it('fills a caller buffer and rejects one that is too small', () => {
    const up = new FoldingUpsampler();
    const out = new Int16Array(320);
    expect(up.process(new Int16Array(160), out)).toBe(out);
    expect(() => up.process(new Int16Array(160), new Int16Array(319))).toThrow(RangeError);
  });
});
