import { describe, expect, it } from 'vitest';
import { Downsampler, Framer, floatToPcm16, pcm16BytesToFloat, pcm16ToBytes } from './pcm.js';

describe('PCM helpers', () => {
  it('converts floats to PCM16 with clipping, and bytes back to floats (little-endian)', () => {
    expect(Array.from(floatToPcm16(Float32Array.from([0, 1, -1, 2, -2, 0.5])))).toEqual([0, 32767, -32768, 32767, -32768, 16384]);
    const bytes = pcm16ToBytes(Int16Array.from([1, -2, 32767]));
    expect(Array.from(new Uint8Array(bytes))).toEqual([1, 0, 0xfe, 0xff, 0xff, 0x7f]);
    expect(Array.from(pcm16BytesToFloat(bytes))).toEqual([1 / 32768, -2 / 32768, 32767 / 32768]);
  });

  it('downsamples 48 kHz to 16 kHz with no drift across uneven chunks', () => {
    const input = Float32Array.from({ length: 4800 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 48_000));
    const whole = new Downsampler(48_000, 16_000).process(input);
    const chunked = new Downsampler(48_000, 16_000);
    const parts: number[] = [];
    for (let i = 0; i < input.length; i += 128) parts.push(...chunked.process(input.subarray(i, i + 128)));
    expect(whole.length).toBe(1600);
    expect(parts.length).toBe(1600);
    parts.forEach((v, i) => expect(v).toBeCloseTo(whole[i]!, 6));
  });

  it('keeps a 44.1 kHz stream at the right length (fractional ratio carried over)', () => {
    const d = new Downsampler(44_100, 16_000);
    let n = 0;
    for (let i = 0; i < 441; i++) n += d.process(new Float32Array(100)).length;
    expect(Math.abs(n - 16_000)).toBeLessThanOrEqual(1);
  });

  it('refuses to upsample', () => {
    expect(() => new Downsampler(8000, 16_000)).toThrow(/higher rate/);
  });

  it('frames samples into fixed sizes, keeping the rest for later', () => {
    const f = new Framer(320);
    expect(f.push(new Float32Array(300))).toHaveLength(0);
    const frames = f.push(new Float32Array(400));
    expect(frames.map((x) => x.length)).toEqual([320, 320]);
    expect(f.push(new Float32Array(259))).toHaveLength(0);
    expect(f.push(new Float32Array(1))).toHaveLength(1);
  });
});
