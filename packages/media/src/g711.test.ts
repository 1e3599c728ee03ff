import { describe, expect, it } from 'vitest';
import {
  alawToLinear,
  decodeAlaw,
  decodeMulaw,
  encodeAlaw,
  encodeMulaw,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
} from './g711.js';

describe('G.711 μ-law (ITU-T G.711 table 2a)', () => {
  it('decodes the reference vectors', () => {
    expect(mulawToLinear(0xff)).toBe(0);
    expect(mulawToLinear(0x7f)).toBe(0);
    expect(mulawToLinear(0x00)).toBe(-32124);
    expect(mulawToLinear(0x80)).toBe(32124);
    expect(mulawToLinear(0xfe)).toBe(8);
    expect(mulawToLinear(0x7e)).toBe(-8);
  });

  it('encodes the extremes and zero', () => {
    expect(linearToMulaw(32767)).toBe(0x80);
    expect(linearToMulaw(-32768)).toBe(0x00);
    expect(linearToMulaw(0)).toBe(0xff);
    // One's complement magnitude for negatives: -1 is "negative zero".
    expect(linearToMulaw(-1)).toBe(0x7f);
    expect(linearToMulaw(99999)).toBe(0x80);
  });

  it('returns every code through decode -> encode, except negative zero', () => {
    for (let code = 0; code < 256; code++) {
      const back = linearToMulaw(mulawToLinear(code));
      expect(back, `code 0x${code.toString(16)}`).toBe(code === 0x7f ? 0xff : code);
    }
  });

  it('quantises every 16-bit value monotonically within half a step', () => {
    const violations: number[] = [];
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x++) {
      const code = linearToMulaw(x);
      const y = mulawToLinear(code);
      // The step is 8 << segment and the reconstruction level sits mid-interval; negatives are
      // quantised on their one's complement, which moves the interval by one.
      const halfStep = (8 << ((~code >> 4) & 7)) / 2 + (x < 0 ? 1 : 0);
      const clipped = Math.abs(x) > 32124;
      if (y < previous || (!clipped && Math.abs(y - x) > halfStep)) violations.push(x);
      previous = y;
    }
    expect(violations).toEqual([]);
  });

  it('round-trips frames through the array functions and reuses a given buffer', () => {
    const pcm = Int16Array.from([0, 8, -8, 1000, -1000, 32767, -32768]);
    const out = new Uint8Array(16);
    const codes = encodeMulaw(pcm, out);
    expect(codes).toBe(out);
    expect(Array.from(decodeMulaw(encodeMulaw(pcm)))).toEqual([0, 8, -8, 988, -988, 32124, -32124]);
    expect(() => encodeMulaw(pcm, new Uint8Array(2))).toThrow(RangeError);
  });
});

describe('G.711 A-law (ITU-T G.711 table 1a)', () => {
  it('decodes the reference vectors', () => {
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
  });

  it('encodes the extremes and zero', () => {
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
  });

  it('returns every code through decode -> encode', () => {
    for (let code = 0; code < 256; code++) {
      expect(linearToAlaw(alawToLinear(code)), `code 0x${code.toString(16)}`).toBe(code);
    }
  });

  it('quantises every 16-bit value monotonically within half a step', () => {
    const violations: number[] = [];
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x++) {
      const code = linearToAlaw(x);
      const y = alawToLinear(code);
      // Segments 0 and 1 step by 16, segment n >= 2 by 16 << (n - 1).
      const segment = ((code ^ 0x55) >> 4) & 7;
      const halfStep = (segment <= 1 ? 16 : 16 << (segment - 1)) / 2 + (x < 0 ? 1 : 0);
      const clipped = Math.abs(x) > 32256;
      if (y < previous || (!clipped && Math.abs(y - x) > halfStep)) violations.push(x);
      previous = y;
    }
    expect(violations).toEqual([]);
  });

  it('round-trips frames through the array functions', () => {
    const pcm = Int16Array.from([0, 8, -8, 1000, -1000, 32767, -32768]);
    expect(Array.from(decodeAlaw(encodeAlaw(pcm)))).toEqual([8, 8, -8, 1008, -1008, 32256, -32256]);
    const into = new Int16Array(7);
    expect(decodeAlaw(encodeAlaw(pcm), into)).toBe(into);
  });
});
