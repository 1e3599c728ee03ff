import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SileroVad } from '../../speech/index.js';
import { concat, frames, rmsLevel, silence, speak } from '../../speech/testing/fixtures.js';
import type { Frame } from '../frames.js';
import { VadProcessor, type VadProcessorOptions } from './vad.js';

const RATE = 16_000;
let speech: Int16Array;
/** Where the voiced part of the fixture begins and ends (flite pads its output with silence). */
let voicedMs: { start: number; end: number };
const silero = new SileroVad();

beforeAll(async () => {
  speech = (await speak('can you tell me the opening hours please')).samples;
  const loud = [...frames(speech, RATE)].map((f) => rmsLevel(f) > 300);
  voicedMs = { start: loud.indexOf(true) * 20, end: (loud.lastIndexOf(true) + 1) * 20 };
});
afterAll(() => silero.close());

/** Runs audio through a VAD processor in 20 ms frames; returns the speech frames it emitted. */
async function run(options: Omit<VadProcessorOptions, 'sampleRateHz'>, audio: Int16Array): Promise<Frame[]> {
  const vad = new VadProcessor({ sampleRateHz: RATE, ...options });
  const out: Frame[] = [];
  let audioOut = 0;
  vad.setExits({ downstream: (f) => (f.type === 'audio.in' ? audioOut++ : out.push(f)) });
  let atMs = 0;
  let count = 0;
  for (const samples of frames(audio, RATE)) {
    vad.queueFrame({ type: 'audio.in', samples, sampleRateHz: RATE, atMs, wallMs: atMs });
    atMs += (samples.length * 1000) / RATE;
    count++;
  }
  // Stages with a model VAD are asynchronous: wait until every frame went through.
  for (let i = 0; i < 200 && audioOut < count; i++) await new Promise((r) => setImmediate(r));
  expect(audioOut).toBe(count);
  return out;
}

const MODELS: Array<[string, () => SileroVad | undefined]> = [
  ['energy', () => undefined],
  ['silero behind the energy gate', () => silero],
];

describe.each(MODELS)('VAD processor (%s)', (_name, model) => {
  test('one utterance between silences: speech starts and stops near its edges', async () => {
    const stream = await model()?.createStream({ sampleRateHz: RATE });
    const out = await run({ maxSegmentMs: 30_000, model: stream }, concat([silence(600, RATE), speech, silence(1000, RATE)]));
    expect(out.map((f) => f.type)).toEqual(['user.started_speaking', 'user.stopped_speaking']);
    const [start, stop] = out as [Extract<Frame, { type: 'user.started_speaking' }>, Extract<Frame, { type: 'user.stopped_speaking' }>];
    expect(Math.abs(start.atMs - (600 + voicedMs.start))).toBeLessThan(120);
    expect(Math.abs(stop.atMs - (600 + voicedMs.end))).toBeLessThan(300);
    expect(stop.cut).toBe(false);
  });

  test('speech longer than the turn cap is cut into segments', async () => {
    const stream = await model()?.createStream({ sampleRateHz: RATE });
    const out = await run({ maxSegmentMs: 1000, model: stream }, concat([silence(400, RATE), speech, silence(800, RATE)]));
    const cuts = out.filter((f) => f.type === 'user.stopped_speaking' && f.cut);
    expect(cuts.length).toBeGreaterThanOrEqual(1);
    expect(out[0]!.type).toBe('user.started_speaking');
    expect(out.at(-1)!.type).toBe('user.stopped_speaking');
  });
});
