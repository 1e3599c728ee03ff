import { describe, expect, it } from 'vitest';
import { fliteTextToWave } from './ffi.js';

describe('flite FFI', () => {
  // Regression: concurrent calls once ran flite on several worker threads at the same time and
  // changed the audio. The diphone voice (kal) is deterministic, so any interference shows; the
  // clustergen voices (slt...) draw excitation noise from a process-wide generator, so only their
  // length is comparable between runs.
  it('renders the same audio when called concurrently as when called one at a time', async () => {
    const texts = ['my order number is four five six seven eight', 'yes that is correct', 'no thank you that will be all'];
    for (const voice of ['kal', 'slt']) {
      const sequential: Int16Array[] = [];
      for (const t of texts) sequential.push((await fliteTextToWave(t, voice)).samples);
      const concurrent = await Promise.all(texts.map((t) => fliteTextToWave(t, voice)));
      concurrent.forEach((wave, i) => {
        expect(wave.samples.length).toBe(sequential[i]!.length);
        if (voice === 'kal') expect(Buffer.from(wave.samples.buffer).equals(Buffer.from(sequential[i]!.buffer))).toBe(true);
      });
    }
  });

  it('reports each voice at its native rate', async () => {
    expect((await fliteTextToWave('hello', 'slt')).sampleRateHz).toBe(16_000);
    expect((await fliteTextToWave('hello', 'kal')).sampleRateHz).toBe(8000);
  });
});
