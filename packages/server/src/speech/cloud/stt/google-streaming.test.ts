import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGoogleSttGrpc } from '@unpod/testkit/vendors/index';
import { isSpeechError, type SpeechError } from '../../contracts/errors.js';
import type { SttEvent } from '../../contracts/stt.js';
import { NO_RETRY, collect, toneMs } from '../../testing/cloud.js';
import { GoogleStt, type GoogleSttOptions } from './google.js';

// gRPC status codes (google.rpc.Code).
const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;
const OUT_OF_RANGE = 11;

let fake: FakeGoogleSttGrpc;
const adapters: GoogleStt[] = [];
beforeEach(async () => {
  fake = await FakeGoogleSttGrpc.start({ apiKey: 'AIza-grpc-test' });
});
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await fake.close();
});

function adapter(extra: Partial<GoogleSttOptions> = {}): GoogleStt {
  const stt = new GoogleStt({ apiKey: 'AIza-grpc-test', grpcUrl: `http://${fake.endpoint}`, streaming: true, retry: NO_RETRY, ...extra });
  adapters.push(stt);
  return stt;
}

/** Speaks `count` utterances of 500 ms in 100 ms chunks and reads the stream to its end. */
async function utterances(stt: GoogleStt, count = 1, rateHz = 16_000) {
  const stream = await stt.createStream({ sampleRateHz: rateHz, language: 'en-US', hints: { phrases: ['table for two'] } });
  const reading = collect(stream);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 5; c++) stream.push(toneMs(100, rateHz));
    stream.flush();
  }
  await stream.end().catch(() => undefined);
  return reading;
}

describe('GoogleStt streaming (gRPC StreamingRecognize) against the local fake', () => {
  it('is the default mode when the gRPC client is installed; streaming: false keeps REST', () => {
    expect(new GoogleStt({ apiKey: 'k' }).capabilities).toMatchObject({ streaming: true, interimResults: true });
    expect(new GoogleStt({ apiKey: 'k', streaming: false }).capabilities).toMatchObject({ streaming: false, interimResults: false });
  });

  it('sends the streaming config first, then audio; interim results are partials before the final', async () => {
    // Docs (cloud_speech.proto, StreamingRecognizeRequest): "The first message must contain a
    // `streaming_config` message and must not contain `audio_content`. All subsequent messages
    // must contain `audio_content`". StreamingRecognitionConfig.interim_results: "If `true`,
    // interim results (tentative hypotheses) may be returned as they become available (these
    // interim results are indicated with the `is_final=false` flag)". single_utterance false:
    // "the recognizer will perform continuous recognition". StreamingRecognitionResult.is_final:
    // "If `true`, this is the final time the speech service will return this particular
    // `StreamingRecognitionResult`".
    fake.scriptUtterances('A table for two please');
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en-US', hints: { phrases: ['table for two'] } });
    const events: SttEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    stream.push(toneMs(100));
    await expect.poll(() => events.length).toBeGreaterThan(0);
    for (let c = 0; c < 4; c++) stream.push(toneMs(100));
    stream.flush();
    await stream.end();
    await reading;

    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe('AIza-grpc-test');
    expect(fake.configs[0]).toMatchObject({
      config: { encoding: 'LINEAR16', sampleRateHertz: 16_000, languageCode: 'en-US', audioChannelCount: 1, enableWordTimeOffsets: true, speechContexts: [{ phrases: ['table for two'] }] },
      interimResults: true,
    });
    expect(fake.configs[0]!.singleUtterance ?? false).toBe(false);
    expect(fake.requests[0]!.audioBytes).toBe(8000 * 2);
    expect(events.map((e) => e.type)).toEqual(['partial', 'final']);
    expect(events[0]).toMatchObject({ type: 'partial', utteranceId: 1, text: 'a table', confidence: 0.5 });
    const final = events[1]!;
    expect(final).toMatchObject({ type: 'final', utteranceId: 1, text: 'a table for two please', confidence: 0.92, startMs: 0 });
    expect(final.type === 'final' && final.words.map((w) => w.word)).toEqual(['a', 'table', 'for', 'two', 'please']);
    expect(final.type === 'final' && final.words.at(-1)!.endMs).toBeCloseTo(500, 0);
  });

  it('opens one call per utterance (streams are limited to ~5 minutes), with the current hints and times on the stream timeline', async () => {
    // Docs (Quotas and limits, streaming requests): "Each request in the stream is limited to
    // 25 KB of audio. A stream can remain open for up to 5 minutes". SpeechContext phrases:
    // "A list of strings containing words and phrases 'hints' so that the speech recognition is
    // more likely to recognize them".
    fake.scriptUtterances('first', '', 'third one');
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en-US' });
    const reading = collect(stream);
    stream.push(toneMs(500));
    stream.flush();
    stream.setHints({ phrases: ['yes', 'no'] });
    stream.push(toneMs(500));
    stream.flush();
    stream.push(toneMs(2000)); // 64 KB: split into requests under 25 KB
    stream.flush();
    await stream.end();
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    const finals = events.filter((e) => e.type === 'final');
    expect(finals.map((e) => `${e.utteranceId}:${e.text}`)).toEqual(['1:first', '2:', '3:third one']);
    expect(finals[2]).toMatchObject({ startMs: 1000 });
    expect(finals[2]!.type === 'final' && finals[2]!.words[0]!.startMs).toBeCloseTo(1000, 0);
    expect(fake.requests).toHaveLength(3);
    expect(fake.configs[0]!.config).not.toHaveProperty('speechContexts');
    expect(fake.configs[1]!.config).toMatchObject({ speechContexts: [{ phrases: ['yes', 'no'] }] });
    expect(fake.requests[2]!.audioBytes).toBe(64_000);
  });

  it('an access token goes as authorization: Bearer instead of the key', async () => {
    const { error } = await utterances(adapter({ apiKey: undefined, accessToken: 'AIza-grpc-test' }));
    expect(error).toBeUndefined();
    expect(fake.requests[0]!.headers['authorization']).toBe('Bearer AIza-grpc-test');
    expect(fake.requests[0]!.headers).not.toHaveProperty('x-goog-api-key');
  });

  it('UNAUTHENTICATED and PERMISSION_DENIED are non-retryable provider_errors that never show the key', async () => {
    // Docs (google.rpc.Code): UNAUTHENTICATED "The request does not have valid authentication
    // credentials for the operation"; PERMISSION_DENIED "The caller does not have permission to
    // execute the specified operation". Neither succeeds when repeated.
    for (const stt of [adapter({ apiKey: 'AIza-SECRET-wrong' }), adapter({ apiKey: undefined, accessToken: 'ya29.SECRET-wrong' })]) {
      const { error } = await utterances(stt);
      expect(isSpeechError(error, 'provider_error')).toBe(true);
      expect((error as SpeechError).retryable).toBe(false);
      expect((error as Error).message).toMatch(/UNAUTHENTICATED/);
      expect((error as Error).message).not.toMatch(/SECRET/);
    }
    fake.behave({ mode: 'grpc-error', code: PERMISSION_DENIED, times: 1 });
    const { error } = await utterances(adapter());
    expect(isSpeechError(error, 'provider_error')).toBe(true);
    expect((error as SpeechError).retryable).toBe(false);
  });

  it('UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED and OUT_OF_RANGE (stream too long) are retryable unavailable', async () => {
    // Docs (google.rpc.Code): UNAVAILABLE "most likely a transient condition, which can be
    // corrected by retrying with a backoff"; RESOURCE_EXHAUSTED "Some resource has been
    // exhausted, perhaps a per-user quota". A stream past the 5-minute limit ends with
    // OUT_OF_RANGE ("Exceeded maximum allowed stream duration"); a new stream is the remedy.
    for (const behaviour of [
      { mode: 'http-error', status: 503, times: 1 },
      { mode: 'die-after', ms: 20, times: 1 },
      { mode: 'grpc-error', code: RESOURCE_EXHAUSTED, times: 1 },
      { mode: 'grpc-error', code: DEADLINE_EXCEEDED, times: 1 },
      { mode: 'grpc-error', code: OUT_OF_RANGE, message: 'Exceeded maximum allowed stream duration of 305 seconds.', times: 1 },
    ] as const) {
      fake.behave(behaviour);
      const { error } = await utterances(adapter());
      expect(isSpeechError(error, 'unavailable'), JSON.stringify(behaviour)).toBe(true);
      expect((error as SpeechError).retryable).toBe(true);
    }
  });

  it('INVALID_ARGUMENT about the audio is bad_audio; other INVALID_ARGUMENTs are provider_errors', async () => {
    fake.behave({ mode: 'grpc-error', code: INVALID_ARGUMENT, message: 'Invalid audio: sample rate does not match the audio.', times: 1 });
    expect(isSpeechError((await utterances(adapter())).error, 'bad_audio')).toBe(true);
    fake.behave({ mode: 'grpc-error', code: INVALID_ARGUMENT, message: 'Invalid recognition config: unknown model.', times: 1 });
    const { error } = await utterances(adapter());
    expect(isSpeechError(error, 'provider_error')).toBe(true);
    expect((error as SpeechError).retryable).toBe(false);
  });

  it('a stream the server ends mid-utterance (no final) is a clear retryable error', async () => {
    // Docs (is_final): the final result is "the final time the speech service will return this
    // particular StreamingRecognitionResult"; a call that ends before the client half-closed
    // never delivers it.
    fake.behave({ mode: 'close-mid-stream', afterBytes: 3200, times: 1 });
    const { events, error } = await utterances(adapter());
    expect(isSpeechError(error, 'unavailable')).toBe(true);
    expect((error as SpeechError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/google ended the recognition stream (before the utterance ended|without a final result)/);
    expect(events.some((e) => e.type === 'final')).toBe(false);
  });

  it('an answer that is not a StreamingRecognizeResponse is a malformed provider_error', async () => {
    fake.behave({ mode: 'garbage', times: 1 });
    const { error } = await utterances(adapter());
    expect(isSpeechError(error, 'provider_error')).toBe(true);
    expect((error as Error).message).toMatch(/google sent a malformed streaming response/);
  });

  it('close() cancels the call in flight', async () => {
    fake.behave({ mode: 'stall' });
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100));
    await expect.poll(() => fake.requests[0]?.audioBytes ?? 0).toBe(3200);
    stream.flush();
    stream.close();
    expect(isSpeechError((await reading).error, 'aborted')).toBe(true);
    await expect.poll(() => fake.cancelledCalls).toBe(1);
    expect(fake.openCalls).toBe(0);
  });

  it('aborting the signal cancels the call too', async () => {
    fake.behave({ mode: 'stall' });
    const controller = new AbortController();
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en', signal: controller.signal });
    const reading = collect(stream);
    stream.push(toneMs(100));
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort();
    expect(isSpeechError((await reading).error, 'aborted')).toBe(true);
    await expect.poll(() => fake.cancelledCalls).toBe(1);
  });
});
