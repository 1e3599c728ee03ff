import { describe, expect, it } from 'vitest';
import { measureTone } from './analysis.js';
import { FrameSplitter } from './frame-splitter.js';
import { clampPcm16, dbfs, pcm16FromBytes, pcm16ToBytes, rms } from './pcm16.js';
import { createPrng, sine, whiteNoise } from './synth.js';

describe('PCM16 bytes', () => {
  it('reads little-endian samples, including from a Buffer at an odd offset', () => {
    const bytes = Buffer.from([0xff, 0x01, 0x00, 0x00, 0x80, 0xff, 0x7f]);
    // An odd byteOffset would make a direct Int16Array view throw.
    expect(bytes.subarray(1).byteOffset % 2).toBe(1);
    expect(Array.from(pcm16FromBytes(bytes.subarray(1)))).toEqual([1, -32768, 32767]);
    expect(() => pcm16FromBytes(bytes)).toThrow(RangeError);
  });

  it('writes little-endian bytes from a subarray view without leaking neighbouring samples', () => {
    const all = Int16Array.from([9, 1, -2, 9]);
    expect(Array.from(pcm16ToBytes(all.subarray(1, 3)))).toEqual([0x01, 0x00, 0xfe, 0xff]);
  });

  it('round-trips every 16-bit value', () => {
    const every = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) every[i] = i - 32768;
    expect(pcm16FromBytes(pcm16ToBytes(every))).toEqual(every);
  });

  it('returns copies: changing the bytes afterwards changes nothing', () => {
    const bytes = pcm16ToBytes(Int16Array.from([5, 6]));
    const samples = pcm16FromBytes(bytes);
    bytes.fill(0);
    expect(Array.from(samples)).toEqual([5, 6]);
  });
});

describe('level measurement', () => {
  it('gives RMS and dBFS against a ±32768 full scale', () => {
    expect(rms(Int16Array.from([3, -3, 3, -3]))).toBe(3);
    expect(dbfs(new Int16Array(160).fill(-32768))).toBeCloseTo(0, 9);
    const fullSine = sine({ frequencyHz: 1000, sampleRateHz: 8000, durationMs: 100, amplitude: 32767 });
    expect(dbfs(fullSine)).toBeCloseTo(-3.01, 2);
    expect(dbfs(whiteNoise({ sampleRateHz: 8000, durationMs: 1000, levelDbfs: -40, seed: 1 }))).toBeCloseTo(-40, 0);
  });

  it('floors digital silence instead of returning -Infinity', () => {
    expect(dbfs(new Int16Array(160))).toBe(-100);
    expect(dbfs(new Int16Array(160), -80)).toBe(-80);
    expect(rms(new Int16Array(0))).toBe(0);
  });

  it('saturates and rounds with clampPcm16', () => {
    expect([clampPcm16(40000), clampPcm16(-40000), clampPcm16(1.5), clampPcm16(-1.4)]).toEqual([32767, -32768, 2, -1]);
  });

  it('measures a tone and its SNR (the yardstick of the resampler tests)', () => {
    const clean = sine({ frequencyHz: 1000, sampleRateHz: 16000, durationMs: 500, amplitude: 10000, phaseRad: 1 });
    const m = measureTone(clean, 1000, 16000);
    expect(m.amplitude).toBeCloseTo(10000, 0);
    // Only rounding to integers is left: about 10000²/2 over 1/12, i.e. ~86 dB.
    expect(m.snrDb).toBeGreaterThan(84);
    const noisy = whiteNoise({ sampleRateHz: 16000, durationMs: 500, levelDbfs: -30, seed: 2 });
    for (let i = 0; i < noisy.length; i++) noisy[i] = clampPcm16(noisy[i]! + clean[i]!);
    // 10000/√2 is -13.3 dBFS RMS against -30 dBFS noise.
    expect(measureTone(noisy, 1000, 16000).snrDb).toBeCloseTo(16.7, 0);
  });
});

describe('FrameSplitter', () => {
  it('cuts arbitrary chunks (odd sizes included) into 20 ms frames and keeps the remainder', () => {
    const samples = Int16Array.from({ length: 1000 }, (_, i) => (i * 37) % 65536 - 32768);
    const bytes = pcm16ToBytes(samples);
    const splitter = new FrameSplitter({ sampleRateHz: 8000, frameMs: 20 });
    expect(splitter.frameSamples).toBe(160);
    const random = createPrng(42);
    const frames: Int16Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(random() * 97);
      frames.push(...splitter.process(bytes.subarray(at, at + size)));
      at += size;
    }
    expect(frames.length).toBe(6);
    expect(frames.every((f) => f.length === 160)).toBe(true);
    expect(splitter.bufferedSamples).toBe(40);
    const rest = splitter.flush()!;
    expect(rest.length).toBe(40);
    const joined = new Int16Array(1000);
    [...frames, rest].forEach((f, i) => joined.set(f, i * 160));
    expect(joined).toEqual(samples);
    expect(splitter.flush()).toBeUndefined();
  });

  it('emits several frames from one large chunk, each a separate array', () => {
    const splitter = new FrameSplitter({ sampleRateHz: 16000, frameMs: 10 });
    const frames = splitter.process(pcm16ToBytes(new Int16Array(480).fill(7)));
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160]);
    expect(frames[0]!.buffer).not.toBe(frames[1]!.buffer);
  });

  it('frames interleaved stereo by sample frames', () => {
    const splitter = new FrameSplitter({ sampleRateHz: 8000, frameMs: 10, channels: 2 });
    expect(splitter.frameSamples).toBe(160);
  });

  it('rejects a frame length that is not a whole number of samples', () => {
    expect(() => new FrameSplitter({ sampleRateHz: 22050, frameMs: 10.01 })).toThrow(RangeError);
    expect(() => new FrameSplitter({ sampleRateHz: 8000, frameMs: 0 })).toThrow(RangeError);
  });
});
