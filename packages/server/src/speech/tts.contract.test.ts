import { createResampler } from '@unpod/media';
import { afterAll, describe, expect, it } from 'vitest';
import { isSpeechError } from './contracts/errors.js';
import type { TtsAdapter } from './contracts/tts-adapter.js';
import type { TtsChunk } from './contracts/tts.js';
import { EspeakTts } from './engines/espeak/espeak-tts.js';
import { FliteTts } from './engines/flite/flite-tts.js';
import { PocketsphinxStt } from './engines/pocketsphinx/pocketsphinx-stt.js';
import { concat, rmsLevel, wordErrorRate } from './testing/fixtures.js';
import { transcribeCall } from './testing/transcribe.js';

/**
 * The shared text-to-speech contract: every adapter returns audio at the requested rate (8, 16
 * and 24 kHz), non-silent and of plausible length, tagged by sentence; honours cancellation; and
 * refuses unknown voices. Voices pocketsphinx reads well are also transcribed back and must carry
 * the words; espeak-ng's formant voice is outside pocketsphinx's acoustic model, so it is only
 * checked for level and duration. Cloud adapters join by adding a row to `ADAPTERS`.
 */
interface TtsCase {
  name: string;
  create: () => TtsAdapter;
  voice: string;
  /**
   * How pocketsphinx checks the words, per output rate: `{ maxWer }` for open-vocabulary
   * recognition within a stated word error rate, `'phrases'` for recognising the expected
   * sentences among distractor phrases (grammar hints: used where open-vocabulary recognition of
   * band-limited audio is too weak to be a fair test of the voice), `null` for no check.
   */
  check: Record<number, { maxWer: number; recogniseAtHz?: number } | 'phrases'> | null;
}

const ADAPTERS: TtsCase[] = [
  { name: 'flite slt (16 kHz voice)', create: () => new FliteTts(), voice: 'slt', check: { 8000: 'phrases', 16_000: { maxWer: 0.15 }, 24_000: { maxWer: 0.15 } } },
  // kal is band-limited to 4 kHz. Delivered at a wideband rate its 4-8 kHz band is empty and
  // pocketsphinx's wideband model cannot read it (measured: 92-100 % WER), so the check takes it
  // back to 8 kHz, where the recogniser folds it.
  {
    name: 'flite kal (8 kHz voice)',
    create: () => new FliteTts(),
    voice: 'kal',
    check: { 8000: { maxWer: 0.2 }, 16_000: { maxWer: 0.2, recogniseAtHz: 8000 }, 24_000: { maxWer: 0.2, recogniseAtHz: 8000 } },
  },
  { name: 'espeak-ng en-us', create: () => new EspeakTts(), voice: 'en-us', check: null },
];

const TEXT = 'My order number is four five six seven eight. Yes, that is correct.';
const SPOKEN = ['my order number is four five six seven eight', 'yes that is correct'];
const DISTRACTORS = ['no that is wrong', 'please call me back tomorrow', 'my name is john smith'];
const RATES = [8000, 16_000, 24_000];

const recogniser = new PocketsphinxStt({ pool: { minSize: 0, maxSize: 1 } });
afterAll(() => recogniser.close());

async function resampleWhole(samples: Int16Array, fromHz: number, toHz: number): Promise<Int16Array> {
  if (fromHz === toHz) return samples;
  const r = await createResampler({ inRateHz: fromHz, outRateHz: toHz });
  try {
    return concat([r.process(samples), r.flush()]);
  } finally {
    r.close();
  }
}

async function collect(stream: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const chunks: TtsChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

for (const c of ADAPTERS) {
  describe(`TTS contract: ${c.name}`, () => {
    const adapter = c.create();
    afterAll(() => adapter.close());

    for (const rate of RATES) {
      it(`returns non-silent audio of plausible length at ${rate} Hz, sentence by sentence`, { timeout: 60_000 }, async () => {
        const chunks = await collect(adapter.synthesize(TEXT, { voice: c.voice, sampleRateHz: rate }));
        expect(chunks.length).toBeGreaterThan(0);
        expect(chunks.every((ch) => ch.sampleRateHz === rate)).toBe(true);
        expect([...new Set(chunks.map((ch) => ch.segmentIndex))]).toEqual([0, 1]);
        const audio = concat(chunks.map((ch) => ch.samples));
        const seconds = audio.length / rate;
        const words = TEXT.split(/\s+/).length;
        expect(seconds).toBeGreaterThan(words * 0.15);
        expect(seconds).toBeLessThan(words * 0.8);
        expect(rmsLevel(audio)).toBeGreaterThan(300);

        const check = c.check?.[rate];
        if (check === undefined) return;
        // Transcribe each sentence as its own utterance, at the rate it was produced at.
        const recogniseAtHz = check === 'phrases' ? rate : (check.recogniseAtHz ?? rate);
        const sentences = await Promise.all(
          [0, 1].map((i) => resampleWhole(concat(chunks.filter((ch) => ch.segmentIndex === i).map((ch) => ch.samples)), rate, recogniseAtHz)),
        );
        const hints = check === 'phrases' ? { phrases: [...SPOKEN, ...DISTRACTORS] } : undefined;
        const { finals } = await transcribeCall(recogniser, sentences.map((samples) => ({ samples, hints })), { sampleRateHz: recogniseAtHz, language: 'en-US' });
        const wer = wordErrorRate(SPOKEN.map((reference, i) => ({ reference, hypothesis: finals[i]?.text ?? '' })));
        console.info(`[tts contract] ${c.name} at ${rate} Hz (${check === 'phrases' ? 'phrase hints' : 'open vocabulary'}): pocketsphinx WER ${(wer * 100).toFixed(1)} %`);
        if (check === 'phrases') {
          expect(finals.map((f) => f.text)).toEqual(SPOKEN);
          expect(finals.every((f) => f.source === 'grammar')).toBe(true);
        } else {
          expect(wer).toBeLessThan(check.maxWer);
        }
      });
    }

    it('stops when its signal aborts: iteration throws aborted', async () => {
      const controller = new AbortController();
      const long = Array.from({ length: 6 }, (_, i) => `This is sentence number ${i + 1} of a long reply.`).join(' ');
      const got: TtsChunk[] = [];
      const err: unknown = await (async () => {
        for await (const chunk of adapter.synthesize(long, { voice: c.voice, sampleRateHz: 16_000, signal: controller.signal })) {
          got.push(chunk);
          controller.abort();
        }
      })().catch((e: unknown) => e);
      expect(isSpeechError(err, 'aborted')).toBe(true);
      expect(new Set(got.map((ch) => ch.segmentIndex)).size).toBe(1);
    });

    it('refuses an unknown voice with unsupported', async () => {
      const err: unknown = await collect(adapter.synthesize('hello', { voice: 'no-such-voice', sampleRateHz: 16_000 })).catch((e: unknown) => e);
      expect(isSpeechError(err, 'unsupported')).toBe(true);
    });
  });
}

describe('espeak-ng languages', () => {
  it('lists many languages and speaks a non-English one', async () => {
    const tts = new EspeakTts();
    expect(tts.capabilities.languages.length).toBeGreaterThan(50);
    expect(tts.capabilities.languages).toEqual(expect.arrayContaining(['en-us', 'fr-fr', 'de', 'hi', 'es']));
    const audio = concat((await collect(tts.synthesize('Bonjour, comment allez-vous ?', { language: 'fr', sampleRateHz: 16_000 }))).map((c) => c.samples));
    expect(audio.length / 16_000).toBeGreaterThan(0.5);
    expect(rmsLevel(audio)).toBeGreaterThan(300);
  });
});
