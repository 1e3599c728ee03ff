import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAzureStt } from '@unpod/testkit/vendors/index';
import { isSpeechError, type SpeechError } from '../../contracts/errors.js';
import { NO_RETRY, collect, toneMs } from '../../testing/cloud.js';
import { AzureStt } from './azure.js';

let fake: FakeAzureStt;
beforeEach(async () => {
  fake = await FakeAzureStt.start({ apiKey: 'az-key' });
});
afterEach(() => fake.close());

const adapter = (extra: Partial<ConstructorParameters<typeof AzureStt>[0]> = {}) => new AzureStt({ apiKey: 'az-key', baseUrl: fake.baseUrl, retry: NO_RETRY, ...extra });

async function utterances(stt: AzureStt, count = 1, rateHz = 16_000) {
  const stream = await stt.createStream({ sampleRateHz: rateHz, language: 'en-US' });
  const reading = collect(stream);
  for (let i = 0; i < count; i++) {
    stream.push(toneMs(400, rateHz));
    stream.flush();
  }
  await stream.end().catch(() => undefined);
  return reading;
}

describe('AzureStt against the local short-audio REST fake', () => {
  it('posts 16 kHz PCM WAV with the subscription key and reads NBest[0].Lexical from format=detailed', async () => {
    // Docs (Speech to text REST API for short audio): endpoint
    // https://<REGION>.stt.speech.microsoft.com/speech/recognition/conversation/cognitiveservices/v1,
    // header Ocp-Apim-Subscription-Key, "Content-Type: audio/wav; codecs=audio/pcm;
    // samplerate=16000"; the detailed format returns NBest with Confidence, Lexical, ITN, Display.
    fake.scriptUtterances('Cancel my order, please.');
    const { events, error } = await utterances(adapter());
    expect(error).toBeUndefined();
    const req = fake.requests[0]!;
    expect(req.headers['ocp-apim-subscription-key']).toBe('az-key');
    expect(req.headers['content-type']).toBe('audio/wav; codecs=audio/pcm; samplerate=16000');
    expect(req.url).toContain('language=en-US');
    expect(req.url).toContain('format=detailed');
    expect(req).toMatchObject({ sampleRateHz: 16_000, audioBytes: 6400 * 2 });
    expect(events).toEqual([expect.objectContaining({ type: 'final', text: 'cancel my order please', confidence: 0.88 })]);
  });

  it('resamples 8 kHz callers to the 16 kHz the short-audio API takes', async () => {
    await utterances(adapter(), 1, 8000);
    expect(fake.requests[0]!.sampleRateHz).toBe(16_000);
    expect(Math.abs(fake.requests[0]!.audioBytes - 6400 * 2)).toBeLessThanOrEqual(64);
  });

  it('NoMatch, InitialSilenceTimeout and BabbleTimeout are empty finals; Error is retryable', async () => {
    // Docs (RecognitionStatus): "NoMatch: Speech was detected in the audio stream, but no words
    // from the target language were matched"; "InitialSilenceTimeout: The start of the audio
    // stream contained only silence"; "BabbleTimeout: ... only noise"; "Error: The recognition
    // service encountered an internal error".
    fake.scriptUtterances('', { status: 'InitialSilenceTimeout' }, { status: 'BabbleTimeout' });
    const { events, error } = await utterances(adapter(), 3);
    expect(error).toBeUndefined();
    expect(events.map((e) => `${e.type}:${e.text}`)).toEqual(['final:', 'final:', 'final:']);
    fake.scriptUtterances({ status: 'Error' });
    const failed = await utterances(adapter());
    expect(isSpeechError(failed.error, 'unavailable')).toBe(true);
    expect((failed.error as SpeechError).retryable).toBe(true);
  });

  it('a wrong key (401) is a non-retryable provider_error; 429 and 500 are retryable', async () => {
    // Docs (HTTP status codes): "401 Unauthorized: A resource key or an authorization token is
    // invalid in the specified region, or an endpoint is invalid."
    const denied = await utterances(new AzureStt({ apiKey: 'nope', baseUrl: fake.baseUrl, retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1 } }));
    expect(isSpeechError(denied.error, 'provider_error')).toBe(true);
    expect((denied.error as SpeechError).retryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
    for (const status of [429, 500]) {
      fake.behave({ mode: 'http-error', status, times: 1 });
      const { error } = await utterances(adapter());
      expect((error as SpeechError).retryable).toBe(true);
    }
  });

  it('a malformed answer is a clear provider_error; a dropped connection is retryable', async () => {
    fake.behave({ mode: 'garbage', times: 1 });
    expect(((await utterances(adapter())).error as Error).message).toMatch(/azure sent a malformed recognition response/);
    fake.behave({ mode: 'die-after', ms: 0, times: 1 });
    expect(isSpeechError((await utterances(adapter())).error, 'unavailable')).toBe(true);
  });

  it('needs a valid region or a base URL', () => {
    expect(() => new AzureStt({ apiKey: 'k' })).toThrow(/region/);
    expect(() => new AzureStt({ apiKey: 'k', region: 'west europe' })).toThrow(/region/);
    expect(new AzureStt({ apiKey: 'k', region: 'westeurope' })).toBeInstanceOf(AzureStt);
  });
});
