import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDeepgram } from '@unpod/testkit/vendors/index';
import { isSpeechError, type SpeechError } from '../../contracts/errors.js';
import { NO_RETRY, collect, toneMs } from '../../testing/cloud.js';
import { DeepgramStt } from './deepgram.js';

let fake: FakeDeepgram;
beforeEach(async () => {
  fake = await FakeDeepgram.start({ apiKey: 'dg-key' });
});
afterEach(() => fake.close());

const adapter = (extra: Partial<ConstructorParameters<typeof DeepgramStt>[0]> = {}) =>
  new DeepgramStt({ apiKey: 'dg-key', baseUrl: fake.url, retry: NO_RETRY, ...extra });

describe('DeepgramStt against the local Deepgram fake', () => {
  it('connects with the documented query and Token auth, streams linear16 and finalises on flush', async () => {
    // Docs (developers.deepgram.com, Live Streaming): wss://api.deepgram.com/v1/listen with
    // query parameters model, encoding, sample_rate, interim_results, endpointing, utterance_end_ms;
    // auth header "Authorization: Token <key>". "Finalize" flushes the open audio and the result
    // carries from_finalize: true.
    fake.scriptUtterances('Book a table for two');
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en-US' });
    const reading = collect(stream);
    for (let i = 0; i < 5; i++) stream.push(toneMs(100));
    await stream.end();
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    const conn = fake.connections[0]!;
    expect(conn.headers.authorization).toBe('Token dg-key');
    expect(conn.params).toMatchObject({ model: 'nova-3', encoding: 'linear16', sample_rate: '16000', interim_results: 'true', endpointing: '300', utterance_end_ms: '1000', language: 'en-US' });
    expect(conn.audioBytes).toBe(5 * 1600 * 2);
    await expect.poll(() => conn.controls).toEqual(['Finalize', 'CloseStream']);
    const finals = events.filter((e) => e.type === 'final');
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ text: 'book a table for two', utteranceId: 1 });
    expect(finals[0]!.type === 'final' && finals[0]!.words.map((w) => w.word)).toEqual(['book', 'a', 'table', 'for', 'two']);
  });

  it('reports interim results as partials and joins is_final segments into one final per utterance', async () => {
    // Docs (Configure Endpointing and Interim Results): "Interim results provide preliminary
    // transcripts ... marked with is_final: false. When Deepgram reaches maximum accuracy for a
    // segment, it sends a finalized transcript with is_final: true" - one utterance may hold
    // several final segments.
    fake.scriptUtterances(['I would like', 'to change my booking'], 'yes please');
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = collect(stream);
    for (let i = 0; i < 6; i++) stream.push(toneMs(100));
    stream.flush();
    for (let i = 0; i < 3; i++) stream.push(toneMs(100));
    await stream.end();
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    const partials = events.filter((e) => e.type === 'partial');
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.every((p) => p.utteranceId === 1 || p.utteranceId === 2)).toBe(true);
    expect(partials.some((p) => p.text.startsWith('i would like '))).toBe(true);
    expect(events.filter((e) => e.type === 'final').map((e) => `${e.utteranceId}:${e.text}`)).toEqual(['1:i would like to change my booking', '2:yes please']);
  });

  it('takes 8 kHz audio natively (no upsampling) and says so in sample_rate', async () => {
    const stream = await adapter().createStream({ sampleRateHz: 8000, language: 'en' });
    stream.push(toneMs(200, 8000));
    await stream.end();
    expect(fake.connections[0]!.params['sample_rate']).toBe('8000');
    expect(fake.connections[0]!.audioBytes).toBe(1600 * 2);
  });

  it('a refused key (HTTP 401 at the handshake) is a provider_error that is not retried', async () => {
    // Docs (STT Troubleshooting WebSocket, NET, and DATA Errors): "If the handshake fails,
    // you'll get an HTTP 4xx or 5xx error and the connection won't be established."
    const err = (await new DeepgramStt({ apiKey: 'wrong', baseUrl: fake.url }).createStream({ sampleRateHz: 16_000, language: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(isSpeechError(err, 'provider_error')).toBe(true);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 401');
    expect(err.message).not.toContain('wrong');
    expect(fake.connections).toHaveLength(1);
  });

  it('429 and 5xx at the handshake are retryable; the base retries them', async () => {
    for (const status of [429, 500, 503]) {
      fake.behave({ mode: 'http-error', status, times: 1 });
      const err = (await adapter().createStream({ sampleRateHz: 16_000, language: 'en' }).catch((e: unknown) => e)) as SpeechError;
      expect(isSpeechError(err, 'unavailable')).toBe(true);
      expect(err.retryable).toBe(true);
    }
    fake.behave({ mode: 'http-error', status: 429, times: 1 });
    const stream = await adapter({ retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 } }).createStream({ sampleRateHz: 16_000, language: 'en' });
    await stream.end();
    expect(fake.connections.at(-1)!.behaviour).toBe('ok');
  });

  it('an error close mid-stream fails the stream: 1011 retryable unavailable, 1008 bad_audio', async () => {
    // Docs: Deepgram returns "a WebSocket Close frame and the body of the Close frame will
    // indicate the reason for closing using one of the specification's pre-defined status codes"
    // (1008 DATA-0000: audio it cannot decode; 1011 NET-0000: no audio or an internal error).
    for (const [code, want, retryable] of [[1011, 'unavailable', true], [1008, 'bad_audio', false]] as const) {
      fake.behave({ mode: 'close-mid-stream', afterBytes: 3200, code, times: 1 });
      const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
      const reading = collect(stream);
      stream.push(toneMs(100));
      stream.push(toneMs(100));
      const { error } = await reading;
      expect(isSpeechError(error, want)).toBe(true);
      expect((error as SpeechError).retryable).toBe(retryable);
      expect(stream.closed).toBe(true);
    }
  });

  it('a dropped connection (no close frame) fails the stream as retryable unavailable', async () => {
    fake.behave({ mode: 'die-after', ms: 0 });
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
    const { error } = await collect(stream);
    expect(isSpeechError(error, 'unavailable')).toBe(true);
    expect((error as SpeechError).retryable).toBe(true);
  });

  it('a message that is not the documented JSON is a clear provider_error', async () => {
    fake.behave({ mode: 'garbage' });
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100));
    const { error } = await reading;
    expect(isSpeechError(error, 'provider_error')).toBe(true);
    expect((error as Error).message).toMatch(/deepgram sent a malformed message/);
  });

  it('close() aborts: iteration throws aborted and the socket is closed with CloseStream', async () => {
    // Docs (Close Stream): "Use the CloseStream message to close the WebSocket stream."
    const stream = await adapter().createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100));
    stream.close();
    const { error } = await reading;
    expect(isSpeechError(error, 'aborted')).toBe(true);
    await expect.poll(() => fake.connections[0]!.closeCode).toBe(1000);
    expect(fake.connections[0]!.controls).toContain('CloseStream');
  });

  it('sends KeepAlive while no audio flows', async () => {
    // Docs (Audio Keep Alive): "Send a KeepAlive message every 3-5 seconds to prevent the
    // 10-second timeout"; it must be a text frame: {"type":"KeepAlive"}.
    const stream = await adapter({ keepAliveMs: 100 }).createStream({ sampleRateHz: 16_000, language: 'en' });
    await expect.poll(() => fake.connections[0]!.controls.includes('KeepAlive'), { timeout: 5000 }).toBe(true);
    stream.close();
  });

  it('a stalled vendor is caught by the base stall and final timeouts', async () => {
    fake.behave({ mode: 'stall' });
    const stream = await adapter({ finalTimeoutMs: 200 }).createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = collect(stream);
    stream.push(toneMs(100));
    stream.flush();
    const { error } = await reading;
    expect(isSpeechError(error, 'timeout')).toBe(true);
  });
});
