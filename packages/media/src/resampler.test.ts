import { afterEach, describe, expect, it } from 'vitest';
import { measureTone } from './analysis.js';
import { createResampler, ResamplerError, type Resampler } from './resampler.js';
import { concatPcm16, sine } from './synth.js';

const open: Resampler[] = [];
async function resampler(inRateHz: number, outRateHz: number, channels: 1 | 2 = 1): Promise<Resampler> {
  const r = await createResampler({ inRateHz, outRateHz, channels });
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

/** Feeds `input` in chunks of `chunkMs` and returns the whole output including the flushed tail. */
function runChunked(r: Resampler, input: Int16Array, chunkMs: number): Int16Array {
  const chunk = (r.inRateHz * chunkMs) / 1000;
  const parts: Int16Array[] = [];
  for (let at = 0; at < input.length; at += chunk) parts.push(r.process(input.subarray(at, at + chunk)));
  parts.push(r.flush());
  return concatPcm16(parts);
}

/** SNR of a tone after conversion, ignoring 50 ms at each edge (start-up and tail transients). */
function snrAfter(output: Int16Array, frequencyHz: number, rateHz: number): number {
  const edge = rateHz / 20;
  return measureTone(output, frequencyHz, rateHz, edge, output.length - edge).snrDb;
}

describe('createResampler (speex, quality 5)', () => {
  it('keeps a 1 kHz tone clean going 8 -> 16 kHz', async () => {
    const input = sine({ frequencyHz: 1000, sampleRateHz: 8000, durationMs: 2000 });
    const out = runChunked(await resampler(8000, 16000), input, 20);
    expect(out.length).toBe(32000);
    const snr = snrAfter(out, 1000, 16000);
    console.info(`[resampler] 1 kHz 8->16 kHz SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThanOrEqual(60);
  });

  it('keeps a 1 kHz tone clean going 16 -> 8 kHz', async () => {
    const input = sine({ frequencyHz: 1000, sampleRateHz: 16000, durationMs: 2000 });
    const out = runChunked(await resampler(16000, 8000), input, 20);
    expect(out.length).toBe(16000);
    const snr = snrAfter(out, 1000, 8000);
    console.info(`[resampler] 1 kHz 16->8 kHz SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThanOrEqual(60);
  });

  it('removes a 5 kHz tone going 16 -> 8 kHz instead of folding it to 3 kHz', async () => {
    const amplitude = 16384;
    const input = sine({ frequencyHz: 5000, sampleRateHz: 16000, durationMs: 2000, amplitude });
    const out = runChunked(await resampler(16000, 8000), input, 20);
    const edge = 400;
    let energy = 0;
    for (let i = edge; i < out.length - edge; i++) energy += out[i]! * out[i]!;
    const rmsOut = Math.sqrt(energy / (out.length - 2 * edge));
    const leakDb = rmsOut === 0 ? -Infinity : 20 * Math.log10(rmsOut / (amplitude / Math.SQRT2));
    console.info(`[resampler] 5 kHz 16->8 kHz leakage ${leakDb.toFixed(1)} dB`);
    expect(leakDb).toBeLessThan(-60);
  });

  it.each([
    [24000, 8000],
    [22050, 16000],
    [48000, 16000],
    [8000, 24000],
    [16000, 48000],
  ])('converts %i -> %i Hz with the right length and a clean tone', async (inRateHz, outRateHz) => {
    const input = sine({ frequencyHz: 700, sampleRateHz: inRateHz, durationMs: 1000 });
    const out = runChunked(await resampler(inRateHz, outRateHz), input, 20);
    expect(Math.abs(out.length - outRateHz)).toBeLessThanOrEqual(1);
    expect(snrAfter(out, 700, outRateHz)).toBeGreaterThanOrEqual(60);
  });

  it('gives the same samples for 20 ms chunks, odd chunks and one whole buffer', async () => {
    const input = sine({ frequencyHz: 440, sampleRateHz: 8000, durationMs: 500 });
    const whole = await resampler(8000, 16000);
    const expected = concatPcm16([whole.process(input), whole.flush()]);
    const chunked = runChunked(await resampler(8000, 16000), input, 20);
    expect(chunked).toEqual(expected);

    const odd = await resampler(8000, 16000);
    const parts: Int16Array[] = [];
    for (let at = 0, size = 1; at < input.length; at += size, size = (size * 7) % 251 || 1) {
      parts.push(odd.process(input.subarray(at, at + size)));
    }
    parts.push(odd.flush());
    expect(concatPcm16(parts)).toEqual(expected);
  });

  it('is reusable after flush and resets to the same output', async () => {
    const r = await resampler(16000, 8000);
    const input = sine({ frequencyHz: 300, sampleRateHz: 16000, durationMs: 100 });
    const first = concatPcm16([r.process(input), r.flush()]);
    const second = concatPcm16([r.process(input), r.flush()]);
    expect(second).toEqual(first);
  });

  it('handles interleaved stereo', async () => {
    const left = sine({ frequencyHz: 500, sampleRateHz: 8000, durationMs: 1000 });
    const right = sine({ frequencyHz: 1500, sampleRateHz: 8000, durationMs: 1000 });
    const stereo = new Int16Array(left.length * 2);
    for (let i = 0; i < left.length; i++) {
      stereo[2 * i] = left[i]!;
      stereo[2 * i + 1] = right[i]!;
    }
    const out = runChunked(await resampler(8000, 16000, 2), stereo, 20);
    const l = out.filter((_, i) => i % 2 === 0);
    const rr = out.filter((_, i) => i % 2 === 1);
    expect(snrAfter(l, 500, 16000)).toBeGreaterThanOrEqual(60);
    expect(snrAfter(rr, 1500, 16000)).toBeGreaterThanOrEqual(60);
  });

  it('returns copies that later calls do not overwrite', async () => {
    const r = await resampler(8000, 16000);
    const a = r.process(sine({ frequencyHz: 1000, sampleRateHz: 8000, durationMs: 20 }));
    const snapshot = Int16Array.from(a);
    r.process(new Int16Array(160).fill(1234));
    expect(a).toEqual(snapshot);
  });

  it('rejects bad options and use after close with typed errors', async () => {
    await expect(createResampler({ inRateHz: 8000.5, outRateHz: 16000 })).rejects.toThrow(RangeError);
    await expect(createResampler({ inRateHz: 8000, outRateHz: 16000, quality: 11 })).rejects.toThrow(RangeError);
    const r = await createResampler({ inRateHz: 8000, outRateHz: 16000 });
    r.close();
    r.close();
    expect(() => r.process(new Int16Array(160))).toThrow(ResamplerError);
    try {
      r.flush();
    } catch (err) {
      expect((err as ResamplerError).code).toBe('closed');
    }
  });
});
