import { describe, expect, it } from 'vitest';
import { DtmfDetector, type DtmfDetectorOptions, type DtmfTone } from './dtmf-detector.js';
import type { DtmfDigit } from './dtmf.js';
import { decodeMulaw, encodeMulaw } from './g711.js';
import { goertzelAmplitude } from './goertzel.js';
import { dbfsToAmplitude, mixInto, sine, whiteNoise } from './synth.js';

const RATE = 8000;
const FREQS: Record<DtmfDigit, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/** A tone pair; levels are per-tone RMS in dBFS. */
function pair(lowHz: number, highHz: number, durationMs: number, lowDbfs = -10, highDbfs = -10): Int16Array {
  const tone = (f: number, db: number): Int16Array =>
    sine({ frequencyHz: f, sampleRateHz: RATE, durationMs, amplitude: dbfsToAmplitude(db) * Math.SQRT2, phaseRad: f });
  return mixInto(tone(lowHz, lowDbfs), tone(highHz, highDbfs));
}

function detect(audio: Int16Array, frameSamples = 160, options?: DtmfDetectorOptions): DtmfTone[] {
  const det = new DtmfDetector(options);
  const out: DtmfTone[] = [];
  for (let i = 0; i < audio.length; i += frameSamples) out.push(...det.process(audio.subarray(i, i + frameSamples)));
  return [...out, ...det.flush()];
}

/** Silence (with faint noise) of `totalMs`, and `tone` placed at `atMs`. */
function place(tone: Int16Array, atMs: number, totalMs: number, seed = 1): Int16Array {
  const audio = whiteNoise({ sampleRateHz: RATE, durationMs: totalMs, levelDbfs: -55, seed });
  return mixInto(audio, tone, Math.round((atMs * RATE) / 1000));
}

describe('goertzelAmplitude', () => {
  it('measures the amplitude of a tone at an off-bin frequency', () => {
    const tone = sine({ frequencyHz: 941, sampleRateHz: RATE, durationMs: 100, amplitude: 10000 });
    expect(goertzelAmplitude(tone, 941, RATE)).toBeCloseTo(10000, -2);
    expect(goertzelAmplitude(tone, 1633, RATE)).toBeLessThan(300);
  });
});

describe('DtmfDetector (in-band, Goertzel)', () => {
  it('decodes all 16 keys, 100 ms on / 100 ms off, in noise, with start and duration', () => {
    const digits = [...'123A456B789C*0#D'] as DtmfDigit[];
    const audio = whiteNoise({ sampleRateHz: RATE, durationMs: 200 * digits.length + 200, levelDbfs: -45, seed: 9 });
    digits.forEach((d, i) => mixInto(audio, pair(...FREQS[d], 100), (100 + 200 * i) * 8));
    const found = detect(audio);
    expect(found.map((t) => t.digit).join('')).toBe('123A456B789C*0#D');
    found.forEach((t, i) => {
      expect(Math.abs(t.atMs - (100 + 200 * i))).toBeLessThanOrEqual(26);
      expect(Math.abs(t.durationMs - 100)).toBeLessThanOrEqual(30);
    });
  });

  it('survives a μ-law round trip and gives the same result for any frame size', () => {
    const audio = place(pair(...FREQS['5'], 120, -20, -20), 50, 400);
    const telephone = decodeMulaw(encodeMulaw(audio));
    expect(detect(telephone, 160).map((t) => t.digit)).toEqual(['5']);
    expect(detect(telephone, 7)).toEqual(detect(telephone, 160));
  });

  it('accepts tones of 40 ms or more at every alignment, and never tones of 23 ms or less (ITU-T Q.24)', () => {
    for (const digit of ['8', '*', '1', 'D'] as const) {
      for (let offset = 0; offset < 26; offset += 0.5) {
        const at = `${digit} at +${offset} ms`;
        expect(detect(place(pair(...FREQS[digit], 40), 30 + offset, 200)).length, `40 ms ${at}`).toBe(1);
        expect(detect(place(pair(...FREQS[digit], 23), 30 + offset, 200)), `23 ms ${at}`).toEqual([]);
      }
    }
  });

  it('keeps one press through a 10 ms drop-out', () => {
    for (let cut = 60; cut < 90; cut += 3) {
      const tone = pair(...FREQS['0'], 200);
      tone.fill(0, cut * 8, (cut + 10) * 8);
      expect(detect(place(tone, 20, 300)).map((t) => t.digit), `drop-out at ${cut} ms`).toEqual(['0']);
    }
  });

  it('separates presses 40 ms apart', () => {
    const audio = whiteNoise({ sampleRateHz: RATE, durationMs: 400, levelDbfs: -55, seed: 3 });
    mixInto(audio, pair(...FREQS['4'], 100), 20 * 8);
    mixInto(audio, pair(...FREQS['4'], 100), 160 * 8);
    expect(detect(audio).map((t) => t.digit)).toEqual(['4', '4']);
  });

  it('enforces twist limits: low group up to 8 dB louder, high group up to 4 dB louder', () => {
    const [low, high] = FREQS['9'];
    const run = (lowDb: number, highDb: number): number => detect(place(pair(low, high, 100, lowDb, highDb), 20, 200)).length;
    expect(run(-10, -16)).toBe(1); // 6 dB normal twist
    expect(run(-10, -20)).toBe(0); // 10 dB normal twist
    expect(run(-13, -10)).toBe(1); // 3 dB reverse twist
    expect(run(-16, -10)).toBe(0); // 6 dB reverse twist
  });

  it('rejects tones below the level floor, single tones, three-tone chords and loud noise', () => {
    expect(detect(place(pair(...FREQS['1'], 100, -45, -45), 20, 200))).toEqual([]);
    expect(detect(place(sine({ frequencyHz: 1000, sampleRateHz: RATE, durationMs: 300 }), 0, 400))).toEqual([]);
    expect(detect(place(sine({ frequencyHz: 770, sampleRateHz: RATE, durationMs: 300 }), 0, 400))).toEqual([]);
    const chord = mixInto(pair(...FREQS['5'], 150), sine({ frequencyHz: 852, sampleRateHz: RATE, durationMs: 150, amplitude: 14000 }));
    expect(detect(place(chord, 20, 250))).toEqual([]);
    expect(detect(whiteNoise({ sampleRateHz: RATE, durationMs: 2000, levelDbfs: -10, seed: 5 }))).toEqual([]);
  });

  it('rejects a tone pair buried in noise (tones under the energy share)', () => {
    const audio = whiteNoise({ sampleRateHz: RATE, durationMs: 400, levelDbfs: -12, seed: 8 });
    mixInto(audio, pair(...FREQS['2'], 200, -20, -20), 100 * 8);
    expect(detect(audio)).toEqual([]);
  });
});
