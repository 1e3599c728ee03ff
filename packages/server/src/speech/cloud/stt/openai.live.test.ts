import { describe, expect, it } from 'vitest';
import { transcribeLive } from '../../testing/live.js';
import { OpenAiStt } from './openai.js';

// Runs only with a real key: OPENAI_API_KEY=... npx vitest run <this file>.
const key = process.env['OPENAI_API_KEY'];

describe('OpenAI live transcription API', () => {
  it.skipIf(!key)('transcribes with gpt-4o-mini-transcribe (streamed) and whisper-1 (plain)', async () => {
    for (const model of ['gpt-4o-mini-transcribe', 'whisper-1']) {
      const { errors, words } = await transcribeLive(new OpenAiStt({ apiKey: key!, model }));
      expect(errors / words).toBeLessThanOrEqual(0.25);
    }
  });

  it.skipIf(!key)('transcribes 8 kHz phone audio', async () => {
    const { errors, words } = await transcribeLive(new OpenAiStt({ apiKey: key! }), 'phone');
    expect(errors / words).toBeLessThanOrEqual(0.3);
  });
});
