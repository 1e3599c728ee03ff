import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingResamplerFactory } from '../testing/fake-resampler.js';
import type { PcmChunk } from './audio.js';
import { SpeechError, isSpeechError } from './errors.js';
import type { SpeechMetrics } from './metrics.js';
import { TtsAdapter } from './tts-adapter.js';
import type { TtsAdapterOptions, TtsCapabilities, TtsChunk, TtsSegmentContext } from './tts.js';

type Script = (text: string, attempt: number, signal: AbortSignal) => AsyncIterable<PcmChunk>;

/** An engine driven by a script: 100 samples at 16 kHz per word unless told otherwise. */
class FakeTts extends TtsAdapter {
  readonly provider = 'fake';
  readonly capabilities: TtsCapabilities = {
    streaming: false,
    segmentation: 'sentence',
    nativeSampleRatesHz: [16_000],
    voices: [
      { id: 'anna', language: 'en-us', gender: 'female', sampleRateHz: 16_000 },
      { id: 'pierre', language: 'fr-fr', gender: 'male', sampleRateHz: 16_000 },
    ],
    languages: ['en-us', 'fr-fr'],
  };
  segments: string[] = [];
  attempts = new Map<string, number>();

  constructor(
    private readonly script: Script = async function* (text) {
      yield { samples: new Int16Array(100 * text.split(' ').length).fill(1000), sampleRateHz: 16_000 };
    },
    options: TtsAdapterOptions = {},
  ) {
    super(options);
  }

  protected synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    this.segments.push(text);
    const attempt = (this.attempts.get(text) ?? 0) + 1;
    this.attempts.set(text, attempt);
    return this.script(text, attempt, context.signal);
  }
}

async function collect(it: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

const noRetryDelay = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1 };

afterEach(() => vi.useRealTimers());

describe('TtsAdapter base', () => {
  it('tells the engine the rate the call asked for, so multi-rate vendors can skip resampling', async () => {
    const rates: (number | undefined)[] = [];
    const tts = new FakeTts(async function* (text) {
      yield { samples: new Int16Array(text.length), sampleRateHz: 8000 };
    });
    const original = tts['synthesizeSegment'].bind(tts);
    tts['synthesizeSegment'] = (text: string, context: TtsSegmentContext) => {
      rates.push(context.requestedSampleRateHz);
      return original(text, context);
    };
    const chunks = await collect(tts.synthesize('Hi.', { voice: 'anna', sampleRateHz: 8000 }));
    expect(rates).toEqual([8000]);
    expect(chunks.map((c) => [c.sampleRateHz, c.samples.length])).toEqual([[8000, 3]]);
  });

  it('renders sentence by sentence and tags chunks with their segment', async () => {
    const tts = new FakeTts();
    const chunks = await collect(tts.synthesize('Hello there. How are you?', { voice: 'anna', sampleRateHz: 16_000 }));
    expect(tts.segments).toEqual(['Hello there.', 'How are you?']);
    expect(chunks.map((c) => [c.segmentIndex, c.segmentText, c.samples.length])).toEqual([
      [0, 'Hello there.', 200],
      [1, 'How are you?', 300],
    ]);
  });

  it('converts to the requested rate with the injected resampler', async () => {
    const { factory, made } = recordingResamplerFactory();
    const tts = new FakeTts(undefined, { resamplerFactory: factory });
    const chunks = await collect(tts.synthesize('One two three four.', { voice: 'anna', sampleRateHz: 8000 }));
    expect(made).toEqual([{ inRateHz: 16_000, outRateHz: 8000 }]);
    expect(chunks.every((c) => c.sampleRateHz === 8000)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.samples.length, 0)).toBe(200);
  });

  it('picks a voice by id, else by language, and refuses unknown ones', async () => {
    const tts = new FakeTts();
    expect(tts.resolveVoice({ language: 'fr' }).id).toBe('pierre');
    expect(tts.resolveVoice({ language: 'en-US' }).id).toBe('anna');
    expect(() => tts.resolveVoice({ voice: 'zed' })).toThrow(SpeechError);
    const err: unknown = await collect(tts.synthesize('Hi.', { voice: 'zed', sampleRateHz: 16_000 })).catch((e: unknown) => e);
    expect(isSpeechError(err, 'unsupported')).toBe(true);
  });

  it('retries a sentence that failed before producing audio, and counts the retry', async () => {
    const metrics: SpeechMetrics[] = [];
    const tts = new FakeTts(
      async function* (text, attempt) {
        if (attempt === 1) throw new SpeechError('provider_error', 'hiccup', { retryable: true });
        yield { samples: new Int16Array(160).fill(500), sampleRateHz: 16_000 };
        void text;
      },
      { retry: noRetryDelay, metrics: (m) => metrics.push(m) },
    );
    const chunks = await collect(tts.synthesize('One. Two.', { voice: 'anna', sampleRateHz: 16_000 }));
    expect(chunks).toHaveLength(2);
    expect(metrics[0]).toMatchObject({ kind: 'tts.synthesis', retries: 2, completed: true, charactersIn: 9, audioSecondsOut: 0.02 });
  });

  it('does not retry a sentence once some of its audio went out (nothing is heard twice)', async () => {
    const tts = new FakeTts(
      async function* () {
        yield { samples: new Int16Array(160), sampleRateHz: 16_000 };
        throw new SpeechError('provider_error', 'dropped', { retryable: true });
      },
      { retry: noRetryDelay },
    );
    const err: unknown = await collect(tts.synthesize('Only once.', { voice: 'anna', sampleRateHz: 16_000 })).catch((e: unknown) => e);
    expect(isSpeechError(err, 'provider_error')).toBe(true);
    expect(tts.attempts.get('Only once.')).toBe(1);
  });

  it('fails with timeout when the first chunk takes longer than firstChunkTimeoutMs, aborting the engine', async () => {
    vi.useFakeTimers();
    let engineSignal: AbortSignal | undefined;
    const tts = new FakeTts(
      async function* (_text, _attempt, signal) {
        engineSignal = signal;
        await new Promise(() => undefined);
        yield { samples: new Int16Array(1), sampleRateHz: 16_000 };
      },
      { firstChunkTimeoutMs: 3000, retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 } },
    );
    const result = collect(tts.synthesize('Slow.', { voice: 'anna', sampleRateHz: 16_000 })).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3000);
    expect(isSpeechError(await result, 'timeout')).toBe(true);
    expect(engineSignal?.aborted).toBe(true);
  });

  it('fails with timeout when a later chunk stalls', async () => {
    vi.useFakeTimers();
    const tts = new FakeTts(
      async function* () {
        yield { samples: new Int16Array(160), sampleRateHz: 16_000 };
        await new Promise(() => undefined);
      },
      { stallTimeoutMs: 2000 },
    );
    const got: TtsChunk[] = [];
    const result = (async () => {
      for await (const c of tts.synthesize('Stalls.', { voice: 'anna', sampleRateHz: 16_000 })) got.push(c);
    })().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2000);
    expect(isSpeechError(await result, 'timeout')).toBe(true);
    expect(got).toHaveLength(1);
  });

  it('stops at the next chunk when the caller aborts, and reports an incomplete synthesis', async () => {
    const metrics: SpeechMetrics[] = [];
    const tts = new FakeTts(undefined, { metrics: (m) => metrics.push(m) });
    const controller = new AbortController();
    const got: TtsChunk[] = [];
    const err: unknown = await (async () => {
      for await (const c of tts.synthesize('One. Two. Three.', { voice: 'anna', sampleRateHz: 16_000, signal: controller.signal })) {
        got.push(c);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(isSpeechError(err, 'aborted')).toBe(true);
    expect(got).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ completed: false });
  });

  it('lets a consumer stop early without an error', async () => {
    const tts = new FakeTts();
    for await (const _c of tts.synthesize('One. Two. Three.', { voice: 'anna', sampleRateHz: 16_000 })) break;
    expect(tts.segments).toEqual(['One.']);
  });
});
