import { FakeElevenLabsTts } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { ElevenLabsTts } from './elevenlabs.js';
import { describeCloudTts } from './testing/behaviour.js';

describeCloudTts({
  name: 'elevenlabs',
  startFake: () => FakeElevenLabsTts.start(),
  create: (o) => new ElevenLabsTts(o),
  voice: '21m00Tcm4TlvDq8ikWAM',
  streams: true,
  nativeRateHz: 24_000,
  renderedFor8kHz: 8000,
  garbageMessage: /malformed response: message is not JSON/,
  docs: {
    source: 'ElevenLabs API reference, WebSocket /v1/text-to-speech/{voice_id}/stream-input',
    // "The WebSocket API uses a bidirectional protocol that encodes all messages as JSON
    // objects." Text "should always end with a single space string"; "In the first message, the
    // text should be a space"; an empty string ends the input. Audio arrives as base64 in
    // `audio`, and a message with `isFinal: true` ends the generation.
    delivery: 'base64 audio messages until isFinal',
    // output_format: "pcm_16000 — PCM format (S16LE) with 16kHz sample rate" (also 8000, 22050,
    // 24000, 44100, 48000).
    format: 'output_format=pcm_8000',
    // Authentication: the `xi-api-key` header (or xi_api_key in the first message); a bad key
    // is refused with 401.
    auth: '401 for a bad xi-api-key',
    // Errors: 429 when the concurrency or quota limit is hit, 5xx on server errors.
    errors: '429 too many concurrent requests, 5xx',
  },
});

describe('ElevenLabsTts protocol', () => {
  it('sends a space first, then the text ending in a space with flush, then an empty string', async () => {
    const fake = await FakeElevenLabsTts.start();
    try {
      const tts = new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, model: 'eleven_turbo_v2_5', voiceSettings: { stability: 0.5 } });
      for await (const _ of tts.synthesize('Hello there.', { voice: 'my-cloned-voice', sampleRateHz: 16_000 })) void _;
      const request = fake.requests.items[0]!;
      expect(request.path).toBe('/v1/text-to-speech/my-cloned-voice/stream-input');
      expect(Object.fromEntries(request.query)).toEqual({ model_id: 'eleven_turbo_v2_5', output_format: 'pcm_16000' });
      expect(request.headers['xi-api-key']).toBe(fake.apiKey);
      expect(request.messages).toEqual([{ text: ' ', voice_settings: { stability: 0.5 } }, { text: 'Hello there. ', flush: true }, { text: '' }]);
      expect(await request.outcome).toBe('completed');
    } finally {
      await fake.close();
    }
  });
});
