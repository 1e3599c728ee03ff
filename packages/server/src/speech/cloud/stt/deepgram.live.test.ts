import { describe, expect, it } from 'vitest';
import { isSpeechError } from '../../contracts/errors.js';
import { transcribeLive } from '../../testing/live.js';
import { DeepgramStt } from './deepgram.js';

// Runs only with a real key: DEEPGRAM_API_KEY=... npx vitest run <this file>. Never on CI without one.
const key = process.env['DEEPGRAM_API_KEY'];

describe('Deepgram live API', () => {
  it.skipIf(!key)('transcribes wideband and 8 kHz phone speech with few word errors', async () => {
    for (const band of ['wide', 'phone'] as const) {
      const { errors, words } = await transcribeLive(new DeepgramStt({ apiKey: key! }), band);
      expect(errors / words).toBeLessThanOrEqual(0.25);
    }
  });

  it.skipIf(!key)('refuses a wrong key with a non-retryable provider_error', async () => {
    const err: unknown = await new DeepgramStt({ apiKey: 'not-a-valid-key' }).createStream({ sampleRateHz: 16_000, language: 'en' }).catch((e: unknown) => e);
    expect(isSpeechError(err, 'provider_error')).toBe(true);
  });
});
