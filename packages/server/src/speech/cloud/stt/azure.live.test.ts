import { describe, expect, it } from 'vitest';
import { transcribeLive } from '../../testing/live.js';
import { AzureStt } from './azure.js';

// Runs only with a real key and region: AZURE_SPEECH_KEY=... AZURE_SPEECH_REGION=westeurope npx vitest run <this file>.
const key = process.env['AZURE_SPEECH_KEY'];
const region = process.env['AZURE_SPEECH_REGION'];

describe('Azure Speech live short-audio API', () => {
  it.skipIf(!key || !region)('transcribes wideband and 8 kHz phone speech (resampled to 16 kHz)', async () => {
    for (const band of ['wide', 'phone'] as const) {
      const { errors, words } = await transcribeLive(new AzureStt({ apiKey: key!, region: region! }), band);
      expect(errors / words).toBeLessThanOrEqual(0.3);
    }
  });
});
