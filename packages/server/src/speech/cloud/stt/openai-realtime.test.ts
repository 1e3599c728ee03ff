import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAiRealtimeStt } from '@unpod/testkit/vendors/index';
import { isSpeechError, type SpeechError } from '../../contracts/errors.js';
import { NO_RETRY, collect, toneMs } from '../../testing/cloud.js';
import { OpenAiStt } from './openai.js';

let fake: FakeOpenAiRealtimeStt;
beforeEach(async () => {
  fake = await FakeOpenAiRealtimeStt.start({ apiKey: 'sk-rt-key' });
});
afterEach(() => fake.close());

const adapter = (extra: Partial<ConstructorParameters<typeof OpenAiStt>[0]> = {}) =>
  new OpenAiStt({ apiKey: 'sk-rt-key', baseUrl: fake.url, retry: NO_RETRY, realtime: true, ...extra });

const appends = (events: string[]) => events.filter((e) => e === 'input_audio_buffer.append').length;

describe('OpenAiStt realtime mode against the local realtime transcription fake', () => {
  it('declares a streaming 24 kHz engine with partials only in realtime mode', () => {
    expect(adapter().capabilities).toMatchObject({ streaming: true, interimResults: true, nativeSampleRatesHz: [24_000] });
    expect(adapter({ realtime: false }).capabilities).toMatchObject({ streaming: false, nativeSampleRatesHz: [8000, 16_000, 24_000, 48_000] });
  });

  it('opens a transcription session, streams base64 PCM16 at 24 kHz and reports partials before the final on commit', async () => {
    // Docs (developers.openai.com, Realtime transcription): "For server-side WebSocket transcription
    // with a standard API key, connect to wss://api.openai.com/v1/realtime?intent=transcription ...
    // omit model from the URL." "After the connection opens, send session.update with
    // type: "transcription"" with audio.input.format { type: "audio/pcm", rate: 24000 },
    // audio.input.transcription { model, prompt, language } and "turn_detection": null, which
    // "disables automatic turn detection so that you can commit each turn explicitly". Audio goes
    // in input_audio_buffer.append { audio: base64Pcm16 }; the model "returns transcript deltas as
    // speech arrives and a final transcript when your application commits each audio turn"
    // (conversation.item.input_audio_transcription.delta / .completed).
    fake.scriptUtterances('Book a table for two');
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en-US' });
    const reading = collect(stream);
    for (let i = 0; i < 5; i++) stream.push(toneMs(100));
    await stream.end();
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    const conn = fake.connections[0]!;
    expect(conn.headers.authorization).toBe('Bearer sk-rt-key');
    expect(conn.url).toBe('/v1/realtime?intent=transcription');
    expect(conn.sessionUpdates[0]).toEqual({
      type: 'transcription',
      audio: { input: { format: { type: 'audio/pcm', rate: 24_000 }, transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' }, turn_detection: null } },
    });
    // 500 ms resampled from 16 kHz to 24 kHz, 2 bytes a sample.
    expect(conn.audioBytes).toBeGreaterThanOrEqual(0.5 * 24_000 * 2 - 480);
    expect(conn.audioBytes).toBeLessThanOrEqual(0.5 * 24_000 * 2 + 480);
    expect(conn.events.filter((e) => e !== 'input_audio_buffer.append')).toEqual(['session.update', 'input_audio_buffer.commit']);
    const partials = events.filter((e) => e.type === 'partial');
    // The fake's first delta may arrive before or after the commit it belongs to is acknowledged.
    expect(partials.map((p) => p.text)).toEqual(['book', 'book a', 'book a table', 'book a table for', 'book a table for two']);
    const finalAt = events.findIndex((e) => e.type === 'final');
    expect(events.findIndex((e) => e.type === 'partial')).toBeLessThan(finalAt);
    expect(events[finalAt]).toMatchObject({ type: 'final', text: 'book a table for two', utteranceId: 1 });
  });

  it('two utterances in one stream come back in order, one commit each', async () => {
    fake.scriptUtterances('I would like to change my booking', 'Yes please');
    const stream = await adapter().createStream({ sampleRateHz: 24_000, language: 'en' });
    const reading = collect(stream);
    for (let i = 0; i < 4; i++) stream.push(toneMs(100, 24_000));
    stream.flush();
    for (let i = 0; i < 3; i++) stream.push(toneMs(100, 24_000));
    await stream.end();
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'final').map((e) => `${e.utteranceId}:${e.text}`)).toEqual(['1:i would like to change my booking', '2:yes please']);
    expect(events.filter((e) => e.type === 'partial').every((p) => p.utteranceId === 1 || p.utteranceId === 2)).toBe(true);
    const conn = fake.connections[0]!;
    expect(fake.connections).toHaveLength(1);
    expect(conn.events.filter((e) => e === 'input_audio_buffer.commit')).toHaveLength(2);
    expect(appends(conn.events)).toBe(7);
  });

  it('an utterance shorter than 100 ms is padded with silence, since a smaller commit is an error', async () => {
    // Docs (client events, input_audio_buffer.commit): "Committing the input audio buffer will
    // throw an error if the input audio buffer is empty"; the server's error for a short buffer is
    // "buffer too small. Expected at least 100ms of audio".
    fake.scriptUtterances('Yes');
    const stream = await adapter().createStream({ sampleRateHz: 24_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(20, 24_000));
    await stream.end();
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'final').map((e) => e.text)).toEqual(['yes']);
    expect(fake.connections[0]!.audioBytes).toBe(0.1 * 24_000 * 2);
  });

  it('hint phrases go into transcription.prompt, at open and by session.update for the next utterance', async () => {
    // Docs: audio.input.transcription.prompt is "an optional text to guide the model's style or
    // continue a previous audio segment"; "The client may send this event [session.update] at any
    // time ... Only the fields that are present in the session.update are updated."
    const stream = await adapter().createStream({ sampleRateHz: 24_000, language: 'en', hints: { phrases: ['yes', 'speak to an agent'] } });
    stream.push(toneMs(200, 24_000));
    stream.flush();
    stream.setHints({ phrases: ['billing'] });
    stream.push(toneMs(200, 24_000));
    await stream.end();
    const updates = fake.connections[0]!.sessionUpdates;
    expect(updates[0]).toMatchObject({ audio: { input: { transcription: { prompt: 'Expected: yes, speak to an agent.' } } } });
    expect(updates[1]).toMatchObject({ type: 'transcription', audio: { input: { transcription: { prompt: 'Expected: billing.' } } } });
  });

  it('a refused key (HTTP 401 at the handshake) is a provider_error that is not retried and never shows the key', async () => {
    const err = (await new OpenAiStt({ apiKey: 'sk-wrong-secret', baseUrl: fake.url, realtime: true }).createStream({ sampleRateHz: 24_000, language: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(isSpeechError(err, 'provider_error')).toBe(true);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 401');
    expect(err.message).not.toContain('sk-wrong-secret');
    expect(err.message).not.toContain('sk-wro');
    expect(fake.connections).toHaveLength(1);
  });

  it('an invalid_api_key error event is a non-retryable provider_error without the key', async () => {
    // Docs (server events, error): "Returned when an error occurs, which could be a client problem
    // or a server problem" with error { type, code, message }.
    fake.failSessionWith({ type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided: sk-rt-key.' });
    const err = (await adapter().createStream({ sampleRateHz: 24_000, language: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(isSpeechError(err, 'provider_error')).toBe(true);
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('sk-rt-key');
  });

  it('429 and 5xx at the handshake, and a rate-limit error event, are retryable; the base retries them', async () => {
    for (const status of [429, 500, 503]) {
      fake.behave({ mode: 'http-error', status, times: 1 });
      const err = (await adapter().createStream({ sampleRateHz: 24_000, language: 'en' }).catch((e: unknown) => e)) as SpeechError;
      expect(isSpeechError(err, 'unavailable')).toBe(true);
      expect(err.retryable).toBe(true);
    }
    fake.failSessionWith({ type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Rate limit reached.' });
    const err = (await adapter().createStream({ sampleRateHz: 24_000, language: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect(err.retryable).toBe(true);
    fake.behave({ mode: 'http-error', status: 429, times: 1 });
    const stream = await adapter({ retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 } }).createStream({ sampleRateHz: 24_000, language: 'en' });
    await stream.end();
    expect(fake.connections.at(-1)!.behaviour).toBe('ok');
  });

  it('a close mid-stream, or a dropped connection, fails the stream as retryable unavailable', async () => {
    fake.behave({ mode: 'close-mid-stream', afterBytes: 4800, times: 1 });
    const stream = await adapter().createStream({ sampleRateHz: 24_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100, 24_000));
    stream.push(toneMs(100, 24_000));
    const { error } = await reading;
    expect(isSpeechError(error, 'unavailable')).toBe(true);
    expect((error as SpeechError).retryable).toBe(true);
    expect(stream.closed).toBe(true);

    fake.behave({ mode: 'die-after', ms: 50, times: 1 });
    const second = await adapter().createStream({ sampleRateHz: 24_000, language: 'en' });
    const dropped = await collect(second);
    expect(isSpeechError(dropped.error, 'unavailable')).toBe(true);
    expect((dropped.error as SpeechError).retryable).toBe(true);
  });

  it('an event that is not the documented JSON is a clear provider_error', async () => {
    fake.behave({ mode: 'garbage' });
    const stream = await adapter().createStream({ sampleRateHz: 24_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100, 24_000));
    const { error } = await reading;
    expect(isSpeechError(error, 'provider_error')).toBe(true);
    expect((error as Error).message).toMatch(/openai sent a malformed realtime event/);
  });

  it('close() aborts: iteration throws aborted and the socket is closed normally', async () => {
    const stream = await adapter().createStream({ sampleRateHz: 24_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100, 24_000));
    stream.close();
    const { error } = await reading;
    expect(isSpeechError(error, 'aborted')).toBe(true);
    await expect.poll(() => fake.connections[0]!.closeCode).toBe(1000);
  });

  it('a stalled vendor is caught by the base final timeout', async () => {
    fake.behave({ mode: 'stall' });
    const stream = await adapter({ finalTimeoutMs: 200 }).createStream({ sampleRateHz: 24_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(200, 24_000));
    stream.flush();
    const { error } = await reading;
    expect(isSpeechError(error, 'timeout')).toBe(true);
  });
});
