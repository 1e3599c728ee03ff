import { describe, expect, it } from 'vitest';
import { transcribeLive } from '../../testing/live.js';
import { OpenAiStt } from './openai.js';

// Runs only with a real key: OPENAI_API_KEY=... npx vitest run <this file>.
const key = process.env['OPENAI_API_KEY'];

describe('OpenAI live realtime transcription (WebSocket)', () => {
  it.skipIf(!key)('transcribes wideband audio with gpt-4o-mini-transcribe over a realtime transcription session', async () => {
    const { errors, words } = await transcribeLive(new OpenAiStt({ apiKey: key!, realtime: true }));
    expect(errors / words).toBeLessThanOrEqual(0.25);
  });

  it.skipIf(!key)('transcribes 8 kHz phone audio (resampled to 24 kHz)', async () => {
    const { errors, words } = await transcribeLive(new OpenAiStt({ apiKey: key!, realtime: true }), 'phone');
    expect(errors / words).toBeLessThanOrEqual(0.3);
  });
});
