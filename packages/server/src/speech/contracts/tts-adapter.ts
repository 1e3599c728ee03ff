import { mediaResamplerFactory } from '../audio/converters.js';
import { splitSentences } from '../text/sentences.js';
import { childController, delay } from '../util/abort.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../util/retry.js';
import type { PcmChunk, ResamplerFactory, StreamResampler } from './audio.js';
import { SpeechError, abortedError, toSpeechError } from './errors.js';
import { languageSupported } from './language.js';
import type { SpeechMetricsSink } from './metrics.js';
import type { TtsAdapterOptions, TtsCapabilities, TtsChunk, TtsSegmentContext, TtsSynthesizeOptions, TtsVoice } from './tts.js';

const MIN_RATE_HZ = 4000;
const MAX_RATE_HZ = 192_000;

/**
 * The one base every text-to-speech engine or vendor extends. It owns voice and rate validation,
 * sentence segmentation for whole-utterance engines, resampling to the requested rate, first-chunk
 * and stall timeouts, bounded retries of transient failures (only while a segment has produced no
 * audio, so nothing is heard twice), metrics and cancellation. An engine implements only
 * {@link synthesizeSegment}.
 */
export abstract class TtsAdapter {
  abstract readonly provider: string;
  abstract readonly capabilities: TtsCapabilities;
  protected readonly resamplerFactory: ResamplerFactory;
  protected readonly metrics: SpeechMetricsSink | undefined;
  protected readonly retry: RetryPolicy;
  protected readonly firstChunkTimeoutMs: number;
  protected readonly stallTimeoutMs: number;
  protected readonly defaultVoice: string | undefined;

  constructor(options: TtsAdapterOptions = {}) {
    this.resamplerFactory = options.resamplerFactory ?? mediaResamplerFactory;
    this.metrics = options.metrics;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.firstChunkTimeoutMs = options.firstChunkTimeoutMs ?? 10_000;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 10_000;
    this.defaultVoice = options.defaultVoice;
  }

  /**
   * Renders one segment as PCM16 at the voice's native rate, first chunk as early as possible.
   * Throw a {@link SpeechError} with `retryable: true` for failures worth repeating.
   */
  protected abstract synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk>;

  /** Releases shared engine resources. */
  async close(): Promise<void> {}

  /** The voice a call would get, or an `unsupported` error. */
  resolveVoice(options: Pick<TtsSynthesizeOptions, 'voice' | 'language'>): TtsVoice {
    const voices = this.capabilities.voices;
    const wanted = options.voice ?? this.defaultVoice;
    if (wanted !== undefined && wanted !== null) {
      const id = wanted.toLowerCase();
      const found = voices.find((v) => v.id.toLowerCase() === id);
      if (found === undefined) throw new SpeechError('unsupported', `${this.provider} has no voice "${wanted}"`, { provider: this.provider });
      return found;
    }
    const language = options.language?.toLowerCase().replace(/_/g, '-');
    const found = language
      ? (voices.find((v) => v.language === language) ??
        voices.find((v) => v.language === `${language}-${language}`) ??
        voices.find((v) => languageSupported(language, [v.language])))
      : voices[0];
    if (found === undefined) {
      throw new SpeechError('unsupported', `${this.provider} has no voice for language "${String(language)}"`, { provider: this.provider });
    }
    return found;
  }

  /**
   * Synthesises `text`; every chunk is at `options.sampleRateHz`. Rejects (on first iteration)
   * with `unsupported`, `timeout`, `provider_error` or `aborted`.
   */
  async *synthesize(text: string, options: TtsSynthesizeOptions): AsyncGenerator<TtsChunk, void, undefined> {
    const rate = options.sampleRateHz;
    if (!Number.isInteger(rate) || rate < MIN_RATE_HZ || rate > MAX_RATE_HZ) {
      throw new SpeechError('unsupported', `sample rate ${String(rate)} Hz is not supported`, { provider: this.provider });
    }
    const voice = this.resolveVoice(options);
    const language = options.language ?? voice.language;
    const segments = this.capabilities.segmentation === 'sentence' ? splitSentences(text) : [text.trim()].filter((s) => s.length > 0);
    const { controller, dispose } = childController(options.signal);
    const started = performance.now();
    const stats = { firstChunkAt: null as number | null, samplesOut: 0, retries: 0, completed: false };
    let converter: StreamResampler | null = null;
    let converterFromHz = 0;
    try {
      for (let index = 0; index < segments.length; index++) {
        const segmentText = segments[index]!;
        for (let attempt = 0; ; attempt++) {
          let produced = false;
          try {
            for await (const chunk of this.segmentWithTimeouts(segmentText, { voice, language, requestedSampleRateHz: rate, signal: controller.signal })) {
              if (converter === null || converterFromHz !== chunk.sampleRateHz) {
                converter?.close();
                converter = chunk.sampleRateHz === rate ? null : await this.resamplerFactory(chunk.sampleRateHz, rate);
                converterFromHz = chunk.sampleRateHz;
              }
              const samples = converter === null ? chunk.samples : converter.process(chunk.samples);
              produced = true;
              if (samples.length === 0) continue;
              stats.firstChunkAt ??= performance.now();
              stats.samplesOut += samples.length;
              yield { samples, sampleRateHz: rate, segmentIndex: index, segmentText };
            }
            break;
          } catch (raw) {
            const err = controller.signal.aborted && !isTimeout(controller.signal.reason) ? abortedError(this.provider, controller.signal) : toSpeechError(raw, this.provider);
            if (!err.retryable || produced || attempt >= this.retry.maxRetries || options.signal?.aborted) throw err;
            stats.retries++;
            await delay(Math.min(this.retry.initialDelayMs * 2 ** attempt, this.retry.maxDelayMs), options.signal, this.provider);
          }
        }
      }
      const tail = converter?.flush();
      if (tail !== undefined && tail.length > 0) {
        stats.samplesOut += tail.length;
        yield { samples: tail, sampleRateHz: rate, segmentIndex: segments.length - 1, segmentText: segments[segments.length - 1]! };
      }
      stats.completed = true;
    } finally {
      if (!stats.completed) controller.abort(new SpeechError('aborted', 'synthesis ended early', { provider: this.provider }));
      dispose();
      (converter as StreamResampler | null)?.close();
      this.report(voice, text, rate, started, stats);
    }
  }

  /**
   * Runs the engine for one segment, aborting it (and failing with `timeout`) when the first chunk
   * or a following chunk takes too long. A fresh controller per attempt keeps a timed-out attempt
   * from cancelling its retry.
   */
  private async *segmentWithTimeouts(text: string, context: TtsSegmentContext): AsyncGenerator<PcmChunk, void, undefined> {
    const { controller, dispose } = childController(context.signal);
    const iterator = this.synthesizeSegment(text, { ...context, signal: controller.signal })[Symbol.asyncIterator]();
    let first = true;
    try {
      for (;;) {
        const limitMs = first ? this.firstChunkTimeoutMs : this.stallTimeoutMs;
        const what = first ? 'first audio' : 'next audio chunk';
        const result = await raceNext(iterator, controller, limitMs, what, this.provider);
        if (result.done === true) return;
        first = false;
        if (result.value.samples.length > 0) yield result.value;
      }
    } finally {
      if (!controller.signal.aborted) controller.abort();
      dispose();
      void iterator.return?.().catch(() => undefined);
    }
  }

  private report(
    voice: TtsVoice,
    text: string,
    rate: number,
    started: number,
    stats: { firstChunkAt: number | null; samplesOut: number; retries: number; completed: boolean },
  ): void {
    if (this.metrics === undefined) return;
    const audioSecondsOut = stats.samplesOut / rate;
    try {
      this.metrics({
        kind: 'tts.synthesis',
        provider: this.provider,
        voice: voice.id,
        charactersIn: text.length,
        audioSecondsOut,
        timeToFirstByteMs: stats.firstChunkAt === null ? null : stats.firstChunkAt - started,
        realTimeFactor: audioSecondsOut > 0 ? (performance.now() - started) / 1000 / audioSecondsOut : null,
        retries: stats.retries,
        completed: stats.completed,
      });
    } catch {
      // A metrics sink must not break synthesis.
    }
  }
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof SpeechError && reason.code === 'timeout';
}

/** `iterator.next()` bounded by a timer and the controller's signal. */
async function raceNext<T>(
  iterator: AsyncIterator<T>,
  controller: AbortController,
  limitMs: number,
  what: string,
  provider: string,
): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new SpeechError('timeout', `${what} took longer than ${limitMs} ms`, { provider, retryable: true });
      controller.abort(err);
      reject(err);
    }, limitMs);
    onAbort = () => reject(controller.signal.reason instanceof SpeechError ? controller.signal.reason : abortedError(provider, controller.signal));
    if (controller.signal.aborted) onAbort();
    else controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([iterator.next(), guard]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) controller.signal.removeEventListener('abort', onAbort);
  }
}
