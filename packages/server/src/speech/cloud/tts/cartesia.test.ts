import { FakeCartesiaTts } from '@unpod/testkit/vendors/tts/index';
import { describe, expect, it } from 'vitest';
import { CARTESIA_VERSION, CartesiaTts } from './cartesia.js';
import { describeCloudTts } from './testing/behaviour.js';

describeCloudTts({
  name: 'cartesia',
  startFake: () => FakeCartesiaTts.start(),
  create: (o) => new CartesiaTts(o),
  voice: 'a0e99841-438c-4a64-b679-ae501e7d6091',
  streams: true,
  nativeRateHz: 24_000,
  renderedFor8kHz: 8000,
  garbageMessage: /malformed response: message is not JSON/,
  docs: {
    source: 'Cartesia API reference, Text to Speech (WebSocket) /tts/websocket',
    // "Responses for a context contain the context_id you passed in so that you can match
    // requests and responses." Audio comes as { type: "chunk", data: <base64>, done: false }
    // and the generation ends with { type: "done", done: true }.
    delivery: 'chunk messages until done',
    // output_format: { container: "raw", encoding: "pcm_s16le", sample_rate: 8000 }.
    format: 'raw pcm_s16le at sample_rate',
    // Authentication with the X-API-Key header (api_key query parameter for browsers) and the
    // Cartesia-Version header; a bad key is refused with 401.
    auth: '401 for a bad X-API-Key',
    // Errors arrive as { type: "error", done: true, status_code, title, message }.
    errors: 'error messages carrying status_code 429 / 5xx',
  },
});

describe('CartesiaTts protocol', () => {
  it('sends one generation request per segment with its own context_id, key and version headers', async () => {
    const fake = await FakeCartesiaTts.start();
    try {
      const tts = new CartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, model: 'sonic-turbo' });
      for await (const _ of tts.synthesize('Hola.', { voice: '6ccbfb76-1fc6-48f7-b71d-91ac6298247b', language: 'es-MX', sampleRateHz: 16_000 })) void _;
      const request = fake.requests.items[0]!;
      expect(request.headers['x-api-key']).toBe(fake.apiKey);
      expect(request.headers['cartesia-version']).toBe(CARTESIA_VERSION);
      expect(request.messages).toEqual([
        {
          model_id: 'sonic-turbo',
          transcript: 'Hola.',
          voice: { mode: 'id', id: '6ccbfb76-1fc6-48f7-b71d-91ac6298247b' },
          language: 'es',
          context_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: 16_000 },
          continue: false,
        },
      ]);
    } finally {
      await fake.close();
    }
  });

  it('tells the vendor to cancel the context when the caller aborts', async () => {
    const fake = await FakeCartesiaTts.start();
    try {
      fake.holdNext();
      const controller = new AbortController();
      const tts = new CartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
      await expect(
        (async () => {
          for await (const _ of tts.synthesize('A long answer.', { sampleRateHz: 16_000, signal: controller.signal })) controller.abort();
        })(),
      ).rejects.toMatchObject({ code: 'aborted' });
      const request = fake.requests.items[0]!;
      expect(await request.outcome).toBe('client_aborted');
      const generation = request.messages[0] as { context_id: string };
      // The cancel frame precedes the close on the same connection, so it is in by now.
      expect(request.messages).toHaveLength(2);
      expect(request.messages[1]).toEqual({ context_id: generation.context_id, cancel: true });
    } finally {
      await fake.close();
    }
  });
});
