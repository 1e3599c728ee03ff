import type { SttAdapter } from '../contracts/stt-adapter.js';
import type { SttFinalEvent } from '../contracts/stt.js';
import { collect } from './cloud.js';
import { silence, speak, toTelephone, wordErrors } from './fixtures.js';

/** The sentence every live vendor test speaks (flite `slt`). */
export const LIVE_SENTENCE = 'please book a table for two people tomorrow evening';

/**
 * Speaks {@link LIVE_SENTENCE} into a fresh stream of `stt` (at 16 kHz, or 8 kHz mu-law phone
 * audio) and returns the final and its word errors against the sentence.
 */
export async function transcribeLive(stt: SttAdapter, band: 'wide' | 'phone' = 'wide'): Promise<{ final: SttFinalEvent; errors: number; words: number }> {
  const spoken = await speak(LIVE_SENTENCE);
  const samples = band === 'wide' ? spoken.samples : await toTelephone(spoken.samples);
  const rate = band === 'wide' ? spoken.sampleRateHz : 8000;
  const stream = await stt.createStream({ sampleRateHz: rate, language: 'en-US' });
  const reading = collect(stream);
  const frame = rate / 50;
  for (let at = 0; at < samples.length; at += frame) stream.push(samples.subarray(at, at + frame));
  stream.push(silence(300, rate));
  await stream.end();
  const { events, error } = await reading;
  if (error !== undefined) throw error;
  const final = events.find((e): e is SttFinalEvent => e.type === 'final');
  if (final === undefined) throw new Error('no final result');
  return { final, ...wordErrors(LIVE_SENTENCE, final.text) };
}
