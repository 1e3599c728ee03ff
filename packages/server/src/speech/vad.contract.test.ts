import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VadAdapter } from './contracts/vad-adapter.js';
import type { VadEvent } from './contracts/vad.js';
import { EnergyVadAdapter } from './engines/energy/energy-vad.js';
import { SileroVad } from './engines/silero/silero-vad.js';
import { CALLER_SENTENCES, concat, frames, silence, speak, toTelephone } from './testing/fixtures.js';

/**
 * The shared VAD contract: every detector finds the speech segments of synthetic speech separated
 * by silence, at 16 kHz and on 8 kHz telephone audio, placing each segment start near the true
 * one on the audio timeline.
 */
const ADAPTERS: { name: string; create: () => VadAdapter }[] = [
  { name: 'silero', create: () => new SileroVad() },
  { name: 'energy', create: () => new EnergyVadAdapter() },
];

/** Where speech really starts and ends in the test signal, ms. */
let truth: { startMs: number; endMs: number }[];
let signal16k: Int16Array;
let signal8k: Int16Array;

beforeAll(async () => {
  const gapMs = 1200;
  const parts: Int16Array[] = [silence(800, 16_000)];
  truth = [];
  let atMs = 800;
  for (const sentence of CALLER_SENTENCES.slice(0, 3)) {
    const { samples } = await speak(sentence);
    const ms = (samples.length * 1000) / 16_000;
    // flite pads its waves with silence: the truth is where the signal is audible.
    const audible = audibleSpan(samples, 16_000);
    truth.push({ startMs: atMs + audible.startMs, endMs: atMs + audible.endMs });
    parts.push(samples, silence(gapMs, 16_000));
    atMs += ms + gapMs;
  }
  signal16k = concat(parts);
  signal8k = await toTelephone(signal16k);
});

/** First and last 10 ms window whose peak exceeds -36 dBFS. */
function audibleSpan(samples: Int16Array, sampleRateHz: number): { startMs: number; endMs: number } {
  const win = sampleRateHz / 100;
  const loud: number[] = [];
  for (let w = 0; w * win < samples.length; w++) {
    const block = samples.subarray(w * win, (w + 1) * win);
    if (block.some((x) => Math.abs(x) > 520)) loud.push(w);
  }
  return { startMs: (loud[0] ?? 0) * 10, endMs: ((loud[loud.length - 1] ?? 0) + 1) * 10 };
}

async function segmentsOf(adapter: VadAdapter, audio: Int16Array, sampleRateHz: number): Promise<VadEvent[]> {
  const stream = await adapter.createStream({ sampleRateHz, minSilenceMs: 400 });
  const events: VadEvent[] = [];
  for (const frame of frames(audio, sampleRateHz, 20)) events.push(...(await stream.process(frame)).events);
  events.push(...stream.flush());
  stream.close();
  return events;
}

for (const c of ADAPTERS) {
  describe(`VAD contract: ${c.name}`, () => {
    const adapter = c.create();
    afterAll(() => adapter.close());

    for (const rate of [16_000, 8000]) {
      it(`finds each sentence as one speech segment at ${rate} Hz`, async () => {
        const events = await segmentsOf(adapter, rate === 16_000 ? signal16k : signal8k, rate);
        const starts = events.filter((e) => e.type === 'speech_start');
        const ends = events.filter((e) => e.type === 'speech_end');
        expect(starts).toHaveLength(truth.length);
        expect(ends).toHaveLength(truth.length);
        expect(events.map((e) => e.type)).toEqual(truth.flatMap(() => ['speech_start', 'speech_end']));
        starts.forEach((s, i) => expect(Math.abs(s.atMs - truth[i]!.startMs)).toBeLessThan(200));
        ends.forEach((e, i) => expect(Math.abs(e.atMs - truth[i]!.endMs)).toBeLessThan(500));
      });
    }

    it('keeps separate state per stream', async () => {
      const a = await adapter.createStream({ sampleRateHz: 16_000 });
      const b = await adapter.createStream({ sampleRateHz: 16_000 });
      const speech = signal16k.subarray(Math.round((truth[0]!.startMs + 200) * 16), Math.round((truth[0]!.startMs + 1200) * 16));
      await a.process(silence(300, 16_000));
      await b.process(silence(300, 16_000));
      await a.process(speech);
      await b.process(silence(1000, 16_000));
      expect(a.speaking).toBe(true);
      expect(b.speaking).toBe(false);
      a.close();
      b.close();
    });
  });
}

describe('Silero VAD', () => {
  it('reports a speech probability per 32 ms frame (512 samples at 16 kHz, 256 at 8 kHz)', async () => {
    const vad = new SileroVad();
    try {
      for (const rate of [16_000, 8000]) {
        const stream = await vad.createStream({ sampleRateHz: rate });
        const { frames: scored } = await stream.process(new Int16Array(rate));
        expect(scored).toHaveLength(Math.floor(rate / (rate === 16_000 ? 512 : 256)));
        expect(scored[1]!.startMs).toBeCloseTo(32, 5);
        expect(scored.every((f) => f.probability >= 0 && f.probability < 0.5)).toBe(true);
        stream.close();
      }
    } finally {
      await vad.close();
    }
  });
});
