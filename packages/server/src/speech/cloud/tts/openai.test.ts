import { FakeOpenAiTts } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { OpenAiTts } from './openai.js';
import { describeCloudTts } from './testing/behaviour.js';

describeCloudTts({
  name: 'openai',
  startFake: () => FakeOpenAiTts.start(),
  create: (o) => new OpenAiTts(o),
  voice: 'alloy',
  streams: true,
  nativeRateHz: 24_000,
  // OpenAI renders only 24 kHz PCM; the base resamples to the call's rate.
  renderedFor8kHz: 24_000,
  garbageMessage: /expected raw audio, got content-type "text\/html"/,
  docs: {
    source: 'OpenAI API reference, POST /v1/audio/speech',
    // "The format to audio in. Supported formats are mp3, opus, aac, flac, wav, and pcm." —
    // the body is the audio itself and can be played while it downloads.
    delivery: 'the response body is the audio, streamed',
    // PcmAudioFormat: "rate: The sample rate of the audio. Always 24000." (raw 16-bit LE, no header)
    format: 'pcm = raw 24 kHz 16-bit little-endian',
    // Authentication: "Authorization: Bearer OPENAI_API_KEY"; a wrong key answers 401
    // { error: { code: "invalid_api_key" } }.
    auth: '401 invalid_api_key',
    // Error codes guide: 429 "Rate limit reached for requests"; 500 "The server had an error
    // while processing your request"; 503 "The engine is currently overloaded".
    errors: '429 rate limit, 500/503 server errors, both worth retrying',
  },
});

describe('OpenAiTts request', () => {
  it('sends model, input, voice and response_format pcm with a bearer key', async () => {
    const fake = await FakeOpenAiTts.start();
    try {
      const tts = new OpenAiTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, model: 'tts-1', speed: 1.25 });
      for await (const _ of tts.synthesize('Hello there.', { voice: 'nova', sampleRateHz: 24_000 })) void _;
      const request = fake.requests.items[0]!;
      expect(request.path).toBe('/v1/audio/speech');
      expect(request.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
      expect(request.body).toEqual({ model: 'tts-1', input: 'Hello there.', voice: 'nova', response_format: 'pcm', speed: 1.25 });
    } finally {
      await fake.close();
    }
  });

  it('uses its default voice for any language, passes custom voice ids through, refuses malformed ids', () => {
    const tts = new OpenAiTts({ apiKey: 'k' });
    expect(tts.resolveVoice({ language: 'hi-IN' }).id).toBe('alloy');
    expect(tts.resolveVoice({ voice: 'nova', language: 'fr' }).id).toBe('nova');
    expect(tts.resolveVoice({ voice: 'voice_1234', language: 'fr' })).toMatchObject({ id: 'voice_1234', language: 'fr' });
    expect(() => tts.resolveVoice({ voice: 'bad voice!' })).toThrow(/not well formed/);
  });

  it('refuses a speed outside 0.25-4 and a missing key at construction', () => {
    expect(() => new OpenAiTts({ apiKey: 'k', speed: 5 })).toThrow(/speed/);
    expect(() => new OpenAiTts({ apiKey: ' ' })).toThrow(/no API key for openai/);
    expect(() => new OpenAiTts({ apiKey: 'k', baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
  });
});
