import type { SttEngineSession, SttEngineSink, SttHints, SttSessionContext, SttWord } from '../contracts/stt.js';
import { toSpeechError } from '../contracts/errors.js';
import { childController } from '../util/abort.js';
import { withRetries, type RetryPolicy } from '../util/retry.js';

/** One utterance handed to a request/response vendor. */
export interface UtteranceRequest {
  /** PCM16 of the whole utterance at `sampleRateHz`. */
  samples: Int16Array;
  sampleRateHz: number;
  language: string;
  hints: SttHints | undefined;
  /** Aborts when the stream closes. */
  signal: AbortSignal;
  /** Reports a growing hypothesis (vendors that stream their answer). */
  partial(text: string): void;
}

/** A vendor's answer; word times are relative to the utterance's first sample. */
export interface UtteranceResult {
  text: string;
  confidence: number;
  words: SttWord[];
}

/** Sends one utterance to the vendor and returns its transcript. */
export type TranscribeUtterance = (request: UtteranceRequest) => Promise<UtteranceResult>;

export interface UtteranceSessionOptions {
  provider: string;
  sampleRateHz: number;
  language: string;
  hints: SttHints | undefined;
  signal: AbortSignal;
  sink: SttEngineSink;
  transcribe: TranscribeUtterance;
  /** Retries of retryable request failures per utterance. */
  retry: RetryPolicy;
  /** Audio past this length in one utterance is not sent (vendors cap request audio). */
  maxUtteranceSeconds: number;
}

/**
 * The engine session of request/response vendors (OpenAI, Google REST, Azure short audio):
 * audio is buffered per utterance and sent when the utterance ends. Requests run in the
 * background one after another, so the caller's next utterance is not held up, and finals come
 * out in utterance order. A failed request fails the stream through the sink.
 */
export class UtteranceSession implements SttEngineSession {
  private chunks: Int16Array[] = [];
  private bufferedSamples = 0;
  /** Samples of earlier utterances: where the current one starts on the stream's timeline. */
  private timelineSamples = 0;
  private hints: SttHints | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: UtteranceSessionOptions) {
    this.hints = options.hints;
  }

  write(samples: Int16Array): void {
    if (this.closed) return;
    const room = this.options.maxUtteranceSeconds * this.options.sampleRateHz - this.bufferedSamples;
    if (room <= 0) return;
    const part = samples.length > room ? samples.subarray(0, room) : samples;
    this.chunks.push(part);
    this.bufferedSamples += part.length;
  }

  endUtterance(): void {
    if (this.closed) return;
    const samples = concat(this.chunks, this.bufferedSamples);
    const startMs = (this.timelineSamples * 1000) / this.options.sampleRateHz;
    this.timelineSamples += samples.length;
    this.chunks = [];
    this.bufferedSamples = 0;
    const hints = this.hints;
    this.queue = this.queue.then(() => this.recognise(samples, startMs, hints));
  }

  setHints(hints: SttHints | undefined): void {
    this.hints = hints;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  private async recognise(samples: Int16Array, startMs: number, hints: SttHints | undefined): Promise<void> {
    const { options } = this;
    if (this.closed || options.signal.aborted) return;
    const endMs = startMs + (samples.length * 1000) / options.sampleRateHz;
    if (samples.length === 0) {
      options.sink.final({ text: '', confidence: 0, startMs, endMs, words: [], source: 'open' });
      return;
    }
    const { controller, dispose } = childController(options.signal);
    try {
      const result = await withRetries(
        () =>
          options.transcribe({
            samples,
            sampleRateHz: options.sampleRateHz,
            language: options.language,
            hints,
            signal: controller.signal,
            partial: (text) => {
              if (!this.closed) options.sink.partial({ text, confidence: 0.5, startMs, endMs });
            },
          }),
        options.retry,
        { provider: options.provider, signal: controller.signal },
      );
      if (this.closed) return;
      options.sink.final({
        text: result.text,
        confidence: result.confidence,
        startMs,
        endMs,
        words: result.words.map((w) => ({ ...w, startMs: w.startMs + startMs, endMs: w.endMs + startMs })),
        source: 'open',
      });
    } catch (err) {
      if (!this.closed) options.sink.fail(toSpeechError(err, options.provider));
    } finally {
      dispose();
    }
  }
}

function concat(chunks: readonly Int16Array[], total: number): Int16Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Int16Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** An {@link UtteranceSession} for one stream of a request/response adapter. */
export function openUtteranceSession(
  context: SttSessionContext,
  adapter: { provider: string; retry: RetryPolicy; maxUtteranceSeconds: number; transcribe: TranscribeUtterance },
): Promise<SttEngineSession> {
  return Promise.resolve(
    new UtteranceSession({
      provider: adapter.provider,
      sampleRateHz: context.sampleRateHz,
      language: context.language,
      hints: context.hints,
      signal: context.signal,
      sink: context.sink,
      retry: adapter.retry,
      maxUtteranceSeconds: adapter.maxUtteranceSeconds,
      transcribe: adapter.transcribe,
    }),
  );
}
