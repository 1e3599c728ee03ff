import { describe, expect, it } from 'vitest';
import { EnergyVad, type EnergyVadOptions, type VadEvent } from './energy-vad.js';
import { dbfsToAmplitude, mixInto, sine, whiteNoise } from './synth.js';

const RATE = 16000;
const at = (ms: number): number => (RATE * ms) / 1000;

interface Burst {
  fromMs: number;
  toMs: number;
  levelDbfs: number;
}

/** Seeded white noise with 440 Hz tone bursts laid over it. */
function scene(totalMs: number, noiseDbfs: number, bursts: Burst[], seed = 7): Int16Array {
  const audio = whiteNoise({ sampleRateHz: RATE, durationMs: totalMs, levelDbfs: noiseDbfs, seed });
  for (const b of bursts) {
    const tone = sine({
      frequencyHz: 440,
      sampleRateHz: RATE,
      durationMs: b.toMs - b.fromMs,
      amplitude: dbfsToAmplitude(b.levelDbfs) * Math.SQRT2,
    });
    mixInto(audio, tone, at(b.fromMs));
  }
  return audio;
}

function run(audio: Int16Array, frameMs = 20, options: Partial<EnergyVadOptions> = {}): VadEvent[] {
  const vad = new EnergyVad({ sampleRateHz: RATE, ...options });
  const events: VadEvent[] = [];
  const step = at(frameMs);
  for (let i = 0; i + step <= audio.length; i += step) events.push(...vad.process(audio.subarray(i, i + step)));
  events.push(...vad.flush());
  return events;
}

describe('EnergyVad', () => {
  it('finds each tone burst in noise, with onsets and offsets to the frame', () => {
    const audio = scene(5000, -60, [
      { fromMs: 1000, toMs: 2000, levelDbfs: -25 },
      { fromMs: 3000, toMs: 3500, levelDbfs: -25 },
    ]);
    expect(run(audio)).toEqual([
      { type: 'speech_start', atMs: 1000 },
      { type: 'speech_end', atMs: 2000 },
      { type: 'speech_start', atMs: 3000 },
      { type: 'speech_end', atMs: 3500 },
    ]);
  });

  it('gives the same answer with 10 and 30 ms frames, to within a frame', () => {
    const audio = scene(3000, -55, [{ fromMs: 990, toMs: 2010, levelDbfs: -30 }]);
    for (const frameMs of [10, 30]) {
      const events = run(audio, frameMs);
      expect(events.map((e) => e.type)).toEqual(['speech_start', 'speech_end']);
      expect(Math.abs(events[0]!.atMs - 990)).toBeLessThanOrEqual(frameMs);
      expect(Math.abs(events[1]!.atMs - 2010)).toBeLessThanOrEqual(frameMs);
    }
  });

  it('ignores a burst shorter than minSpeechMs', () => {
    const audio = scene(2000, -60, [{ fromMs: 1000, toMs: 1060, levelDbfs: -20 }]);
    expect(run(audio, 20, { minSpeechMs: 100 })).toEqual([]);
  });

  it('bridges a pause shorter than minSilenceMs (hangover)', () => {
    const audio = scene(4000, -60, [
      { fromMs: 1000, toMs: 1500, levelDbfs: -25 },
      { fromMs: 1700, toMs: 2500, levelDbfs: -25 },
    ]);
    expect(run(audio, 20, { minSilenceMs: 300 })).toEqual([
      { type: 'speech_start', atMs: 1000 },
      { type: 'speech_end', atMs: 2500 },
    ]);
    // With a shorter hangover the same pause splits the utterance.
    expect(run(audio, 20, { minSilenceMs: 100 }).length).toBe(4);
  });

  it('does not call a burst below the threshold above the floor speech', () => {
    const audio = scene(3000, -40, [{ fromMs: 1000, toMs: 2000, levelDbfs: -35 }]);
    expect(run(audio, 20, { thresholdDb: 12 })).toEqual([]);
  });

  it('never calls digital silence or very quiet hiss speech', () => {
    expect(run(new Int16Array(at(2000)))).toEqual([]);
    expect(run(scene(2000, -90, [{ fromMs: 500, toMs: 1500, levelDbfs: -70 }]))).toEqual([]);
  });

  it('adapts to a lasting jump in background noise and keeps detecting speech above it', () => {
    const quiet = scene(2000, -65, []);
    const loud = scene(10000, -40, [{ fromMs: 8000, toMs: 9000, levelDbfs: -15 }], 11);
    const audio = new Int16Array(quiet.length + loud.length);
    audio.set(quiet);
    audio.set(loud, quiet.length);
    const events = run(audio);
    // The jump at 2 s first looks like speech, the floor catches up, the false utterance ends,
    // then the real burst at 10 s is found.
    expect(events.map((e) => e.type)).toEqual(['speech_start', 'speech_end', 'speech_start', 'speech_end']);
    expect(events[0]!.atMs).toBe(2000);
    expect(events[1]!.atMs).toBeLessThan(9000);
    expect(events[2]!.atMs).toBe(10000);
    expect(events[3]!.atMs).toBe(11000);
  });

  it('is deterministic and closes an open utterance on flush', () => {
    const audio = scene(2000, -60, [{ fromMs: 1000, toMs: 2000, levelDbfs: -25 }]);
    const a = run(audio);
    expect(a).toEqual(run(audio));
    expect(a).toEqual([
      { type: 'speech_start', atMs: 1000 },
      { type: 'speech_end', atMs: 2000 },
    ]);
  });

  it('tracks the noise floor near the noise level', () => {
    const vad = new EnergyVad({ sampleRateHz: RATE });
    const noise = scene(2000, -50, []);
    for (let i = 0; i < noise.length; i += at(20)) vad.process(noise.subarray(i, i + at(20)));
    expect(vad.noiseFloorDbfs).toBeGreaterThan(-53);
    expect(vad.noiseFloorDbfs).toBeLessThan(-49);
    expect(vad.elapsedMs).toBe(2000);
  });
});
