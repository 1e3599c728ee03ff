import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGoogleStt } from '@unpod/testkit/vendors/index';
import { isSpeechError, type SpeechError } from '../../contracts/errors.js';
import { NO_RETRY, collect, toneMs } from '../../testing/cloud.js';
import { GoogleStt } from './google.js';

let fake: FakeGoogleStt;
beforeEach(async () => {
  fake = await FakeGoogleStt.start({ apiKey: 'AIza-test' });
});
afterEach(() => fake.close());

const adapter = (extra: Partial<ConstructorParameters<typeof GoogleStt>[0]> = {}) => new GoogleStt({ apiKey: 'AIza-test', baseUrl: fake.baseUrl, streaming: false, retry: NO_RETRY, ...extra });

async function utterances(stt: GoogleStt, count = 1, rateHz = 16_000) {
  const stream = await stt.createStream({ sampleRateHz: rateHz, language: 'en-US', hints: { phrases: ['table for two'] } });
  const reading = collect(stream);
  for (let i = 0; i < count; i++) {
    stream.push(toneMs(500, rateHz));
    stream.flush();
  }
  await stream.end().catch(() => undefined);
  return reading;
}

describe('GoogleStt against the local Speech-to-Text v1 REST fake', () => {
  it('sends speech:recognize with LINEAR16, the rate, languageCode, phrases, key= and base64 audio', async () => {
    // Docs (RecognitionConfig / speech:recognize): encoding LINEAR16, sampleRateHertz,
    // languageCode; RecognitionAudio.content is base64; "results ... Sequential list of
    // transcription results corresponding to sequential portions of audio"; alternatives are
    // "ordered in terms of accuracy, with the top (first) alternative being the most probable".
    fake.scriptUtterances('A table for two please');
    const { events, error } = await utterances(adapter());
    expect(error).toBeUndefined();
    expect(fake.requests[0]!.url).toContain('key=AIza-test');
    expect(fake.configs[0]).toMatchObject({ encoding: 'LINEAR16', sampleRateHertz: 16_000, languageCode: 'en-US', enableWordTimeOffsets: true, speechContexts: [{ phrases: ['table for two'] }] });
    expect(fake.requests[0]!.audioBytes).toBe(8000 * 2);
    const final = events[0]!;
    expect(final).toMatchObject({ type: 'final', text: 'a table for two please', confidence: 0.91 });
    expect(final.type === 'final' && final.words).toHaveLength(5);
  });

  it('places word times on the stream timeline across utterances, and reads no results as silence', async () => {
    fake.scriptUtterances('first', '');
    const { events } = await utterances(adapter(), 2);
    expect(events.map((e) => `${e.utteranceId}:${e.text}`)).toEqual(['1:first', '2:']);
    expect(events[1]).toMatchObject({ startMs: 500, endMs: 1000 });
  });

  it('uses a bearer token instead of key= when given one', async () => {
    await utterances(new GoogleStt({ accessToken: 'AIza-test', baseUrl: fake.baseUrl, streaming: false, retry: NO_RETRY }));
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer AIza-test');
    expect(fake.requests[0]!.url).not.toContain('key=');
  });

  it('an invalid API key (400 INVALID_ARGUMENT) and a bad token (401) are non-retryable provider_errors', async () => {
    // Docs (API errors): an invalid key is "400 INVALID_ARGUMENT API key not valid"; bad
    // credentials are "401 UNAUTHENTICATED".
    for (const stt of [new GoogleStt({ apiKey: 'bad', baseUrl: fake.baseUrl, streaming: false }), new GoogleStt({ accessToken: 'bad', baseUrl: fake.baseUrl, streaming: false })]) {
      const { error } = await utterances(stt);
      expect(isSpeechError(error, 'provider_error')).toBe(true);
      expect((error as SpeechError).retryable).toBe(false);
    }
    expect(fake.requests).toHaveLength(2);
  });

  it('429 RESOURCE_EXHAUSTED and 503 UNAVAILABLE are retryable', async () => {
    for (const status of [429, 503]) {
      fake.behave({ mode: 'http-error', status, times: 1 });
      const { error } = await utterances(adapter());
      expect(isSpeechError(error, 'unavailable')).toBe(true);
      expect((error as SpeechError).retryable).toBe(true);
    }
  });

  it('a dropped connection is retryable unavailable; a malformed answer is a clear provider_error', async () => {
    fake.behave({ mode: 'close-mid-stream', times: 1 });
    expect(isSpeechError((await utterances(adapter())).error, 'unavailable')).toBe(true);
    fake.behave({ mode: 'garbage', times: 1 });
    expect(((await utterances(adapter())).error as Error).message).toMatch(/google sent a malformed recognize response/);
  });

  it('close() aborts a request in flight', async () => {
    fake.behave({ mode: 'stall' });
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100));
    stream.flush();
    await expect.poll(() => fake.requests.length).toBe(1);
    stream.close();
    expect(isSpeechError((await reading).error, 'aborted')).toBe(true);
  });
});
