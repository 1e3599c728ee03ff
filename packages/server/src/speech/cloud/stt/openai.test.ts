import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAiStt } from '@unpod/testkit/vendors/index';
import { isSpeechError, type SpeechError } from '../../contracts/errors.js';
import { NO_RETRY, collect, toneMs } from '../../testing/cloud.js';
import { OpenAiStt } from './openai.js';

let fake: FakeOpenAiStt;
beforeEach(async () => {
  fake = await FakeOpenAiStt.start({ apiKey: 'sk-test' });
});
afterEach(() => fake.close());

const adapter = (extra: Partial<ConstructorParameters<typeof OpenAiStt>[0]> = {}) => new OpenAiStt({ apiKey: 'sk-test', baseUrl: fake.baseUrl, retry: NO_RETRY, ...extra });

async function oneUtterance(stt: OpenAiStt, rateHz = 16_000) {
  const stream = await stt.createStream({ sampleRateHz: rateHz, language: 'en-US', hints: { phrases: ['yes', 'no'] } });
  const reading = collect(stream);
  stream.push(toneMs(300, rateHz));
  await stream.end().catch(() => undefined);
  return reading;
}

describe('OpenAiStt against the local OpenAI transcription fake', () => {
  it('posts one WAV per utterance as multipart with model, language and prompt; streams deltas as partials', async () => {
    // Docs (API reference, Create transcription / Transcription streaming events): POST
    // /v1/audio/transcriptions with file + model; with stream=true the answer is server-sent
    // events: "transcript.text.delta ... Emitted when there is an additional text delta" and
    // "transcript.text.done ... Emitted when the transcription is complete. Contains the complete
    // transcription text."
    fake.scriptUtterances('Yes, that works.');
    const { events, error } = await oneUtterance(adapter());
    expect(error).toBeUndefined();
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(fake.requests[0]).toMatchObject({ sampleRateHz: 16_000, audioBytes: 4800 * 2 });
    expect(fake.parsed[0]).toMatchObject({ model: 'gpt-4o-mini-transcribe', language: 'en', stream: true, responseFormat: 'json' });
    expect(fake.parsed[0]!.prompt).toContain('yes, no');
    expect(events.map((e) => `${e.type}:${e.text}`)).toEqual(['partial:yes', 'partial:yes that', 'partial:yes that works', 'final:yes that works']);
  });

  it('whisper-1 gets a plain JSON answer { text } and declares no interim results', async () => {
    // Docs (Create transcription, `stream`): "Note: Streaming is not supported for the whisper-1
    // model and will be ignored."; the json response is { "text": ... }.
    fake.scriptUtterances('No thanks');
    const stt = adapter({ model: 'whisper-1' });
    expect(stt.capabilities.interimResults).toBe(false);
    const { events } = await oneUtterance(stt);
    expect(fake.parsed[0]).toMatchObject({ model: 'whisper-1', stream: false });
    expect(events.map((e) => `${e.type}:${e.text}`)).toEqual(['final:no thanks']);
  });

  it('sends 8 kHz audio as an 8 kHz WAV (no conversion)', async () => {
    await oneUtterance(adapter(), 8000);
    expect(fake.requests[0]).toMatchObject({ sampleRateHz: 8000, audioBytes: 2400 * 2 });
  });

  it('an invalid key (401 invalid_api_key) fails the stream with a non-retryable provider_error', async () => {
    // Docs (Error codes): "401 - Invalid Authentication ... Incorrect API key provided".
    const { error } = await oneUtterance(new OpenAiStt({ apiKey: 'sk-wrong', baseUrl: fake.baseUrl, retry: { maxRetries: 3, initialDelayMs: 1, maxDelayMs: 1 } }));
    expect(isSpeechError(error, 'provider_error')).toBe(true);
    expect((error as SpeechError).retryable).toBe(false);
    expect((error as Error).message).toContain('Incorrect API key provided');
    expect(fake.requests).toHaveLength(1);
  });

  it('429 and 500 are retryable unavailable; a retry within the policy recovers the utterance', async () => {
    // Docs (Error codes): "429 - Rate limit reached for requests"; "500 - The server had an error".
    for (const status of [429, 500]) {
      fake.behave({ mode: 'http-error', status, times: 1 });
      const { error } = await oneUtterance(adapter());
      expect(isSpeechError(error, 'unavailable')).toBe(true);
      expect((error as SpeechError).retryable).toBe(true);
    }
    fake.behave({ mode: 'http-error', status: 429, times: 1 });
    fake.scriptUtterances('second try');
    const { events, error } = await oneUtterance(adapter({ retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 } }));
    expect(error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'final', text: 'second try' });
  });

  it('a stream cut off before transcript.text.done is retryable unavailable', async () => {
    fake.behave({ mode: 'close-mid-stream' });
    const { error } = await oneUtterance(adapter());
    expect(isSpeechError(error, 'unavailable')).toBe(true);
  });

  it('an event that is not JSON, or an answer without text, is a clear provider_error', async () => {
    fake.behave({ mode: 'garbage' });
    const streamed = await oneUtterance(adapter());
    expect((streamed.error as Error).message).toMatch(/openai sent a malformed stream event/);
    const plain = await oneUtterance(adapter({ model: 'whisper-1' }));
    expect((plain.error as Error).message).toMatch(/openai sent a malformed transcription/);
  });

  it('close() while a request is in flight aborts it: iteration throws aborted', async () => {
    fake.behave({ mode: 'stall' });
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100));
    stream.flush();
    await expect.poll(() => fake.requests.length).toBe(1);
    stream.close();
    const { error } = await reading;
    expect(isSpeechError(error, 'aborted')).toBe(true);
  });
});
