import { FakeGoogleTts } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { GoogleTts } from './google.js';
import { describeCloudTts } from './testing/behaviour.js';

describeCloudTts({
  name: 'google',
  startFake: () => FakeGoogleTts.start(),
  create: (o) => new GoogleTts(o),
  voice: 'en-US-Neural2-F',
  // text:synthesize answers one JSON document: no chunk streaming within a sentence.
  streams: false,
  nativeRateHz: 24_000,
  renderedFor8kHz: 8000,
  garbageMessage: /not 16-bit mono WAV: no RIFF\/WAVE header/,
  docs: {
    source: 'Google Cloud Text-to-Speech REST reference, text.synthesize',
    // "Synthesizes speech synchronously: receive results after all text input has been
    // processed." Response: { "audioContent": string } — "A base64-encoded string."
    delivery: 'one JSON document with base64 audioContent',
    // audioContent: "For LINEAR16 audio, we include the WAV header." (stripped by the adapter);
    // AudioConfig.sampleRateHertz sets the rate.
    format: 'LINEAR16 with WAV header at sampleRateHertz',
    // Google API errors: an invalid key answers 400/403 with status PERMISSION_DENIED or
    // UNAUTHENTICATED (401) in { error: { code, message, status } }.
    auth: '403 "API key not valid"',
    // 429 RESOURCE_EXHAUSTED (quota), 500 INTERNAL, 503 UNAVAILABLE: retry with backoff.
    errors: '429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE',
  },
});

describe('GoogleTts request', () => {
  it('sends the voice name and its language code, LINEAR16 and the rate, with the key header', async () => {
    const fake = await FakeGoogleTts.start();
    try {
      const tts = new GoogleTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
      const chunks = [];
      for await (const c of tts.synthesize('One. Two.', { voice: 'en-GB-Neural2-B', sampleRateHz: 16_000 })) chunks.push(c);
      // Sentence segmentation: one request per sentence, the first playable before the second renders.
      expect(fake.requests.items.map((r) => r.text)).toEqual(['One.', 'Two.']);
      expect(new Set(chunks.map((c) => c.segmentIndex))).toEqual(new Set([0, 1]));
      const request = fake.requests.items[0]!;
      expect(request.headers['x-goog-api-key']).toBe(fake.apiKey);
      expect(request.body).toEqual({
        input: { text: 'One.' },
        voice: { languageCode: 'en-GB', name: 'en-GB-Neural2-B' },
        audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: 16_000 },
      });
    } finally {
      await fake.close();
    }
  });
});
