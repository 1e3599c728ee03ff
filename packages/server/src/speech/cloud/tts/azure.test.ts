import { FakeAzureTts } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { AzureTts, ssml } from './azure.js';
import { describeCloudTts } from './testing/behaviour.js';

describeCloudTts({
  name: 'azure',
  startFake: () => FakeAzureTts.start(),
  create: (o) => new AzureTts(o),
  voice: 'en-US-JennyNeural',
  streams: true,
  nativeRateHz: 24_000,
  renderedFor8kHz: 8000,
  garbageMessage: /expected raw audio, got content-type "text\/html"/,
  docs: {
    source: 'Microsoft Learn, "Text to speech REST API" (POST https://<region>.tts.speech.microsoft.com/cognitiveservices/v1)',
    // "If the HTTP status is 200 OK, the body of the response contains an audio file in the
    // requested format. This file can be played as it's transferred, saved to a buffer, or saved
    // to a file."
    delivery: 'audio in the body, playable as it is transferred',
    // Request headers: "X-Microsoft-OutputFormat: Specifies the audio output format"; the raw
    // formats raw-8khz-16bit-mono-pcm, raw-16khz-16bit-mono-pcm, raw-24khz-16bit-mono-pcm and
    // raw-48khz-16bit-mono-pcm carry no header.
    format: 'X-Microsoft-OutputFormat: raw-8khz-16bit-mono-pcm',
    // HTTP status codes: "401 Unauthorized: The request isn't authorized. Make sure your
    // resource key or token is valid and in the correct region."
    auth: '401 for a bad Ocp-Apim-Subscription-Key',
    // "429 Too many requests: You exceeded the quota or rate of requests allowed for your
    // resource." "502 Bad gateway: There's a network or server-side problem."
    errors: '429 quota/rate, 5xx server-side problems',
  },
});

describe('AzureTts request', () => {
  it('sends escaped SSML naming the voice and its locale, with the key and raw PCM format headers', async () => {
    const fake = await FakeAzureTts.start();
    try {
      const tts = new AzureTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
      for await (const _ of tts.synthesize('Fish & chips <today>.', { voice: 'en-GB-SoniaNeural', sampleRateHz: 16_000 })) void _;
      const request = fake.requests.items[0]!;
      expect(request.headers['ocp-apim-subscription-key']).toBe(fake.apiKey);
      expect(request.headers['x-microsoft-outputformat']).toBe('raw-16khz-16bit-mono-pcm');
      expect(request.headers['content-type']).toBe('application/ssml+xml');
      expect(request.body).toBe(ssml('Fish & chips <today>.', 'en-GB-SoniaNeural', 'en-GB'));
      expect(request.body).toContain('Fish &amp; chips &lt;today&gt;.');
      expect(request.text).toBe('Fish & chips <today>.');
    } finally {
      await fake.close();
    }
  });

  it('needs a region when no base URL is given, and builds the regional endpoint from it', () => {
    expect(() => new AzureTts({ apiKey: 'k' })).toThrow(/azure needs a region/);
    expect(() => new AzureTts({ apiKey: 'k', region: 'east us' })).toThrow(/azure needs a region/);
    expect(() => new AzureTts({ apiKey: 'k', region: 'eastus' })).not.toThrow();
  });
});
