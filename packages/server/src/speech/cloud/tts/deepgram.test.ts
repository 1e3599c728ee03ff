import { FakeDeepgramTts } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { DeepgramTts } from './deepgram.js';
import { describeCloudTts } from './testing/behaviour.js';

describeCloudTts({
  name: 'deepgram',
  startFake: () => FakeDeepgramTts.start(),
  create: (o) => new DeepgramTts(o),
  voice: 'aura-2-thalia-en',
  streams: true,
  nativeRateHz: 24_000,
  renderedFor8kHz: 8000,
  garbageMessage: /expected raw audio, got content-type "text\/html"/,
  docs: {
    source: 'Deepgram docs, Text to Speech REST (POST /v1/speak) and "Audio Output Streaming"',
    // Getting Started: "You can play the audio as soon as you receive the first byte, or you can
    // wait until the entire MP3 file has arrived."
    delivery: 'audio streamed from the first byte',
    // Media output settings: encoding linear16 with sample_rate 8000, 16000, 24000, 32000 or
    // 48000; container "none" removes the WAV wrapper linear16 gets by default.
    format: 'encoding=linear16&sample_rate=8000&container=none',
    // Authentication: "Authorization header (required) (prefixed with Token) — Use
    // Authorization: Token <API_KEY>"; a bad key answers 401 INVALID_AUTH.
    auth: '401 INVALID_AUTH',
    // API rate limits: concurrency above the plan's limit answers 429 TOO_MANY_REQUESTS; 5xx are
    // server errors.
    errors: '429 TOO_MANY_REQUESTS, 5xx',
  },
});

describe('DeepgramTts request', () => {
  it('sends the Aura model as the voice, linear16 with no container, and Token auth', async () => {
    const fake = await FakeDeepgramTts.start();
    try {
      const tts = new DeepgramTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
      for await (const _ of tts.synthesize('Hello there.', { voice: 'aura-2-apollo-en', sampleRateHz: 16_000 })) void _;
      const request = fake.requests.items[0]!;
      expect(request.headers.authorization).toBe(`Token ${fake.apiKey}`);
      expect(Object.fromEntries(request.query)).toEqual({ model: 'aura-2-apollo-en', encoding: 'linear16', sample_rate: '16000', container: 'none' });
      expect(request.body).toEqual({ text: 'Hello there.' });
    } finally {
      await fake.close();
    }
  });

  it('uses the configured rate over the requested one', async () => {
    const fake = await FakeDeepgramTts.start();
    try {
      const tts = new DeepgramTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, sampleRateHz: 48_000 });
      for await (const chunk of tts.synthesize('Hi.', { sampleRateHz: 16_000 })) expect(chunk.sampleRateHz).toBe(16_000);
      expect(fake.requests.items[0]!.sampleRateHz).toBe(48_000);
      const err: unknown = await new DeepgramTts({ apiKey: 'k', baseUrl: fake.baseUrl, sampleRateHz: 11_025 })
        .synthesize('Hi.', { sampleRateHz: 8000 })
        .next()
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/cannot render 11025 Hz/) });
    } finally {
      await fake.close();
    }
  });
});
