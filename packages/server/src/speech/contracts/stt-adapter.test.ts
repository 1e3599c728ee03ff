import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingResamplerFactory } from '../testing/fake-resampler.js';
import { SpeechError, isSpeechError } from './errors.js';
import type { SpeechMetrics } from './metrics.js';
import { SttAdapter } from './stt-adapter.js';
import type { SttAdapterOptions, SttCapabilities, SttEngineSession, SttEvent, SttSessionContext } from './stt.js';

/** A scripted engine: counts samples, emits a partial per write and a final per utterance. */
class FakeStt extends SttAdapter {
  readonly provider = 'fake';
  readonly capabilities: SttCapabilities = {
    streaming: true,
    interimResults: true,
    nativeSampleRatesHz: [16_000],
    languages: ['en'],
    grammars: { phrases: false, jsgf: false },
    widebandModel: true,
  };
  written: Int16Array[] = [];
  contexts: SttSessionContext[] = [];
  closes = 0;
  openFailures: SpeechError[] = [];
  openHangs = false;
  finalSilently = false;
  partials = true;

  constructor(options: SttAdapterOptions = {}) {
    super(options);
  }

  protected async openSession(context: SttSessionContext): Promise<SttEngineSession> {
    this.contexts.push(context);
    const failure = this.openFailures.shift();
    if (failure !== undefined) throw failure;
    if (this.openHangs) await new Promise(() => undefined);
    let samples = 0;
    return {
      write: (chunk) => {
        this.written.push(chunk);
        samples += chunk.length;
        if (this.partials) context.sink.partial({ text: `heard ${samples}`, confidence: 0.5, startMs: 0, endMs: samples / 16 });
      },
      endUtterance: () => {
        if (!this.finalSilently) context.sink.final({ text: `total ${samples}`, confidence: 0.9, startMs: 0, endMs: samples / 16, words: [], source: 'open' });
        samples = 0;
      },
      setHints: () => undefined,
      close: () => {
        this.closes++;
      },
    };
  }
}

async function drain(stream: AsyncIterable<SttEvent>): Promise<SttEvent[]> {
  const events: SttEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

afterEach(() => vi.useRealTimers());

describe('SttAdapter base', () => {
  it('folds 8 kHz input into a wideband engine by default (zero insertion, gain 2)', async () => {
    const stt = new FakeStt();
    const stream = await stt.createStream({ sampleRateHz: 8000, language: 'en-US' });
    stream.push(Int16Array.of(100, -200, 300));
    await stream.end();
    expect(Array.from(stt.written[0]!)).toEqual([200, 0, -400, 0, 600, 0]);
    expect(stt.contexts[0]).toMatchObject({ inputSampleRateHz: 8000, sampleRateHz: 16_000, narrowbandUpsampling: 'fold' });
  });

  it('uses the clean resampler for 8 kHz when asked, and for other rates always', async () => {
    const { factory, made } = recordingResamplerFactory();
    const stt = new FakeStt({ resamplerFactory: factory });
    await (await stt.createStream({ sampleRateHz: 8000, language: 'en', narrowbandUpsampling: 'resample' })).end();
    await (await stt.createStream({ sampleRateHz: 48_000, language: 'en' })).end();
    expect(made).toEqual([
      { inRateHz: 8000, outRateHz: 16_000 },
      { inRateHz: 48_000, outRateHz: 16_000 },
    ]);
    expect(stt.contexts[1]!.narrowbandUpsampling).toBeNull();
  });

  it('emits partials and one final per flushed utterance, numbered, then ends', async () => {
    const stt = new FakeStt();
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = drain(stream);
    stream.push(new Int16Array(320));
    stream.push(new Int16Array(320));
    stream.flush();
    stream.flush(); // nothing pushed since: no empty utterance
    stream.push(new Int16Array(160));
    await stream.end();
    const events = await reading;
    expect(events.map((e) => `${e.type}:${e.utteranceId}:${e.text}`)).toEqual([
      'partial:1:heard 320',
      'partial:1:heard 640',
      'final:1:total 640',
      'partial:2:heard 160',
      'final:2:total 160',
    ]);
    expect(stt.closes).toBe(1);
  });

  it('reports per-utterance metrics: audio seconds at the input rate and the source', async () => {
    const metrics: SpeechMetrics[] = [];
    const stt = new FakeStt({ metrics: (m) => metrics.push(m) });
    const stream = await stt.createStream({ sampleRateHz: 8000, language: 'en' });
    stream.push(new Int16Array(8000));
    await stream.end();
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ kind: 'stt.utterance', provider: 'fake', audioSecondsIn: 1, source: 'open' });
    expect((metrics[0] as { timeToFirstPartialMs: number | null }).timeToFirstPartialMs).not.toBeNull();
  });

  it('retries retryable open failures a bounded number of times', async () => {
    const stt = new FakeStt({ retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1 } });
    stt.openFailures = [new SpeechError('unavailable', 'busy', { retryable: true }), new SpeechError('unavailable', 'busy', { retryable: true })];
    await (await stt.createStream({ sampleRateHz: 16_000, language: 'en' })).end();
    expect(stt.contexts).toHaveLength(3);

    stt.openFailures = [1, 2, 3].map(() => new SpeechError('unavailable', 'busy', { retryable: true }));
    stt.contexts = [];
    const err: unknown = await stt.createStream({ sampleRateHz: 16_000, language: 'en' }).catch((e: unknown) => e);
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect(stt.contexts).toHaveLength(3);
  });

  it('does not retry errors that are not retryable', async () => {
    const stt = new FakeStt();
    stt.openFailures = [new SpeechError('provider_error', 'bad key')];
    const err: unknown = await stt.createStream({ sampleRateHz: 16_000, language: 'en' }).catch((e: unknown) => e);
    expect(isSpeechError(err, 'provider_error')).toBe(true);
    expect(stt.contexts).toHaveLength(1);
  });

  it('times out an open that hangs and aborts its signal', async () => {
    vi.useFakeTimers();
    const stt = new FakeStt({ openTimeoutMs: 1000, retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 } });
    stt.openHangs = true;
    const result = stt.createStream({ sampleRateHz: 16_000, language: 'en' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    expect(isSpeechError(await result, 'timeout')).toBe(true);
    expect(stt.contexts[0]!.signal.aborted).toBe(true);
  });

  it('fails the stream with timeout when the final does not come within finalTimeoutMs', async () => {
    vi.useFakeTimers();
    const stt = new FakeStt({ finalTimeoutMs: 2000 });
    stt.finalSilently = true;
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = drain(stream).catch((e: unknown) => e);
    stream.push(new Int16Array(320));
    stream.flush();
    await vi.advanceTimersByTimeAsync(1999);
    expect(stream.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(isSpeechError(await reading, 'timeout')).toBe(true);
    expect(stt.closes).toBe(1);
  });

  it('detects a stalled engine while audio keeps flowing, when stall detection is on', async () => {
    vi.useFakeTimers();
    const stt = new FakeStt({ stallTimeoutMs: 1000 });
    stt.partials = false;
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = drain(stream).catch((e: unknown) => e);
    for (let t = 0; t < 60; t++) {
      stream.push(new Int16Array(320));
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(isSpeechError(await reading, 'stalled')).toBe(true);
  });

  it('does not call it a stall when the caller stopped sending audio', async () => {
    vi.useFakeTimers();
    const stt = new FakeStt({ stallTimeoutMs: 1000 });
    stt.partials = false;
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    stream.push(new Int16Array(320));
    await vi.advanceTimersByTimeAsync(5000);
    expect(stream.closed).toBe(false);
    stream.close();
  });

  it('close() cancels: iteration throws aborted and the engine is released once', async () => {
    const stt = new FakeStt();
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = drain(stream).catch((e: unknown) => e);
    stream.close();
    stream.close();
    expect(isSpeechError(await reading, 'aborted')).toBe(true);
    await vi.waitFor(() => expect(stt.closes).toBe(1));
  });

  it('an engine fails the stream between calls through sink.fail (a dropped vendor connection)', async () => {
    const stt = new FakeStt();
    const stream = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const reading = drain(stream).catch((e: unknown) => e);
    stream.push(new Int16Array(320));
    stt.contexts[0]!.sink.fail(new SpeechError('unavailable', 'connection dropped', { retryable: true }));
    const err = await reading;
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect((err as SpeechError).retryable).toBe(true);
    expect(stream.closed).toBe(true);
    await vi.waitFor(() => expect(stt.closes).toBe(1));

    const other = await stt.createStream({ sampleRateHz: 16_000, language: 'en' });
    const failed = drain(other).catch((e: unknown) => e);
    stt.contexts[1]!.sink.fail(new Error('socket hang up'));
    expect(isSpeechError(await failed, 'provider_error')).toBe(true);
  });

  it('refuses unsupported rates and languages before opening anything', async () => {
    const stt = new FakeStt();
    for (const options of [{ sampleRateHz: 100, language: 'en' }, { sampleRateHz: 16_000, language: 'fr' }]) {
      const err: unknown = await stt.createStream(options).catch((e: unknown) => e);
      expect(isSpeechError(err, 'unsupported')).toBe(true);
    }
    expect(stt.contexts).toHaveLength(0);
  });
});
