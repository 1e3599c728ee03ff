import { describe, expect, it } from 'vitest';
import { transcribeLive } from '../../testing/live.js';
import { GoogleStt } from './google.js';

// Runs only with a real key: GOOGLE_API_KEY=... npx vitest run <this file>.
const key = process.env['GOOGLE_API_KEY'];

describe('Google Speech-to-Text live REST API', () => {
  it.skipIf(!key)('transcribes wideband and 8 kHz phone speech', async () => {
    for (const band of ['wide', 'phone'] as const) {
      const { errors, words } = await transcribeLive(new GoogleStt({ apiKey: key! }), band);
      expect(errors / words).toBeLessThanOrEqual(0.3);
    }
  });
});
