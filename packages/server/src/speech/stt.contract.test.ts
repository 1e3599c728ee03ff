import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SttAdapter } from './contracts/stt-adapter.js';
import { isSpeechError } from './contracts/errors.js';
import type { SpeechMetricsSink, SttUtteranceMetrics } from './contracts/metrics.js';
import type { SttEvent } from './contracts/stt.js';
import { PocketsphinxStt } from './engines/pocketsphinx/pocketsphinx-stt.js';
import { CALLER_SENTENCES, frames, speak, toTelephone, wordErrorRate } from './testing/fixtures.js';
import { transcribeCall } from './testing/transcribe.js';

/**
 * The shared speech-to-text contract: every adapter transcribes the same flite fixtures (clean
 * 16 kHz, and 8 kHz through a mu-law round trip) within its stated word error rate, emits
 * partials before each final when it declares interim results, and honours cancellation.
 * Cloud adapters join by adding a row to `ADAPTERS`.
 */
interface SttCase {
  name: string;
  create: (metrics: SpeechMetricsSink) => SttAdapter;
  /** Stated accuracy on the fixtures (fractions). */
  maxWer16k: number;
  maxWer8k: number;
}

const ADAPTERS: SttCase[] = [
  // Measured here on these ten sentences: 6.3 % at 16 kHz, 45.6 % at 8 kHz mu-law (folded).
  { name: 'pocketsphinx', create: (metrics) => new PocketsphinxStt({ pool: { minSize: 1, maxSize: 2 }, metrics }), maxWer16k: 0.1, maxWer8k: 0.55 },
];

let wideband: Int16Array[];
let telephone: Int16Array[];

beforeAll(async () => {
  wideband = await Promise.all(CALLER_SENTENCES.map(async (s) => (await speak(s)).samples));
  telephone = await Promise.all(wideband.map((w) => toTelephone(w)));
});

for (const c of ADAPTERS) {
  describe(`STT contract: ${c.name}`, () => {
    const metrics: SttUtteranceMetrics[] = [];
    const adapter = c.create((m) => {
      if (m.kind === 'stt.utterance') metrics.push(m);
    });
    let events16k: SttEvent[] = [];
    afterAll(async () => {
      // Informational only, never asserted. Audio is pushed faster than real time here, so
      // latencies would measure queueing; the real-time factor is what this run can tell.
      const rtf = metrics.flatMap((m) => m.realTimeFactor ?? []);
      console.info(`[stt contract] ${c.name} engine real-time factor over ${rtf.length} utterances: ${(rtf.reduce((a, b) => a + b, 0) / Math.max(1, rtf.length)).toFixed(2)}`);
      await adapter.close();
    });

    it('transcribes clean 16 kHz speech within its stated word error rate', { timeout: 120_000 }, async () => {
      const { events, finals } = await transcribeCall(adapter, wideband.map((samples) => ({ samples })), { sampleRateHz: 16_000, language: 'en-US' });
      events16k = events;
      expect(finals).toHaveLength(CALLER_SENTENCES.length);
      const wer = wordErrorRate(CALLER_SENTENCES.map((reference, i) => ({ reference, hypothesis: finals[i]!.text })));
      console.info(`[stt contract] ${c.name} 16 kHz WER ${(wer * 100).toFixed(1)} %`);
      expect(wer).toBeLessThan(c.maxWer16k);
      expect(finals.map((f) => f.utteranceId)).toEqual(CALLER_SENTENCES.map((_, i) => i + 1));
      for (const f of finals) {
        expect(f.confidence).toBeGreaterThanOrEqual(0);
        expect(f.confidence).toBeLessThanOrEqual(1);
        expect(f.endMs).toBeGreaterThan(f.startMs);
      }
    });

    it('transcribes 8 kHz mu-law telephone speech within its stated word error rate', { timeout: 120_000 }, async () => {
      const { finals } = await transcribeCall(adapter, telephone.map((samples) => ({ samples })), { sampleRateHz: 8000, language: 'en-US' });
      const wer = wordErrorRate(CALLER_SENTENCES.map((reference, i) => ({ reference, hypothesis: finals[i]!.text })));
      console.info(`[stt contract] ${c.name} 8 kHz mu-law WER ${(wer * 100).toFixed(1)} %`);
      expect(wer).toBeLessThan(c.maxWer8k);
    });

    it('emits partials before the final of each utterance', () => {
      if (!adapter.capabilities.interimResults) return;
      expect(events16k.length).toBeGreaterThan(0);
      for (let id = 1; id <= CALLER_SENTENCES.length; id++) {
        const finalAt = events16k.findIndex((e) => e.type === 'final' && e.utteranceId === id);
        const partials = events16k.filter((e, i) => e.type === 'partial' && e.utteranceId === id && i < finalAt);
        expect(finalAt).toBeGreaterThan(0);
        expect(partials.length).toBeGreaterThan(0);
        expect(events16k.slice(finalAt + 1).some((e) => e.utteranceId === id)).toBe(false);
      }
    });

    it('stops when its signal aborts: iteration throws aborted, later audio is ignored', { timeout: 60_000 }, async () => {
      const controller = new AbortController();
      const stream = await adapter.createStream({ sampleRateHz: 16_000, language: 'en-US', signal: controller.signal });
      const reading = (async () => {
        for await (const _event of stream) {
          // drain
        }
      })();
      for (const frame of frames(wideband[0]!, 16_000)) stream.push(frame);
      controller.abort();
      const err: unknown = await reading.catch((e: unknown) => e);
      expect(isSpeechError(err, 'aborted')).toBe(true);
      expect(stream.closed).toBe(true);
      expect(() => stream.push(wideband[0]!.subarray(0, 320))).not.toThrow();
    });

    it('refuses a language it does not serve with unsupported', async () => {
      const err: unknown = await adapter.createStream({ sampleRateHz: 16_000, language: 'xx-ZZ' }).catch((e: unknown) => e);
      expect(isSpeechError(err, 'unsupported')).toBe(true);
    });

    it('refuses audio that is not PCM16 with bad_audio', async () => {
      const stream = await adapter.createStream({ sampleRateHz: 16_000, language: 'en' });
      try {
        let thrown: unknown;
        try {
          stream.push(new Float32Array(160) as unknown as Int16Array);
        } catch (e) {
          thrown = e;
        }
        expect(isSpeechError(thrown, 'bad_audio')).toBe(true);
      } finally {
        stream.close();
      }
    });
  });
}
