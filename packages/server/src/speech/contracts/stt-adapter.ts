import { mediaResamplerFactory, openConverter, pickNativeRate } from '../audio/converters.js';
import { childController, withTimeout } from '../util/abort.js';
import { DEFAULT_RETRY_POLICY, withRetries } from '../util/retry.js';
import type { NarrowbandUpsampling } from './audio.js';
import { SpeechError } from './errors.js';
import { languageSupported } from './language.js';
import { BaseSttStream, type SttSessionHandle } from './stt-stream.js';
import type {
  SttAdapterOptions,
  SttCapabilities,
  SttEngineSession,
  SttEngineSink,
  SttSessionContext,
  SttStream,
  SttStreamOptions,
} from './stt.js';

const MIN_RATE_HZ = 4000;
const MAX_RATE_HZ = 192_000;

/**
 * The one base every speech-to-text engine or vendor extends. It owns validation against the
 * declared capabilities, resampling to a native rate (folding 8 kHz into wideband models), the
 * open timeout, bounded retries of transient open failures, the final-result timeout, stall
 * detection, metrics and cancellation. An engine implements only {@link openSession}.
 */
export abstract class SttAdapter {
  /** Provider name as used in voice profiles (`pocketsphinx`, `deepgram`...). */
  abstract readonly provider: string;
  abstract readonly capabilities: SttCapabilities;
  /** Model identifier, when the provider has several. */
  readonly model: string | null;
  protected readonly options: Required<Omit<SttAdapterOptions, 'metrics' | 'stallTimeoutMs'>> &
    Pick<SttAdapterOptions, 'metrics' | 'stallTimeoutMs'>;

  constructor(options: SttAdapterOptions & { model?: string | null | undefined } = {}) {
    this.model = options.model ?? null;
    this.options = {
      resamplerFactory: options.resamplerFactory ?? mediaResamplerFactory,
      metrics: options.metrics,
      retry: options.retry ?? DEFAULT_RETRY_POLICY,
      openTimeoutMs: options.openTimeoutMs ?? 10_000,
      finalTimeoutMs: options.finalTimeoutMs ?? 15_000,
      stallTimeoutMs: options.stallTimeoutMs,
      narrowbandUpsampling: options.narrowbandUpsampling ?? 'fold',
    };
  }

  /**
   * Opens the engine side of a stream: PCM16 at `context.sampleRateHz` goes in through `write`,
   * results go out through `context.sink`. Throw a {@link SpeechError} with `retryable: true` for
   * failures worth repeating (a dropped connection); honour `context.signal`.
   */
  protected abstract openSession(context: SttSessionContext): Promise<SttEngineSession>;

  /** Opens a recognition stream. Rejects with `unsupported`, `unavailable`, `timeout` or `aborted`. */
  async createStream(options: SttStreamOptions): Promise<SttStream> {
    this.validate(options);
    const narrowband = this.narrowbandMode(options);
    const nativeRateHz = pickNativeRate(options.sampleRateHz, this.capabilities.nativeSampleRatesHz);
    const { controller, dispose } = childController(options.signal);
    let handle: SttSessionHandle | undefined;
    const sink: SttEngineSink = {
      partial: (r) => handle?.onPartial(r),
      final: (r) => handle?.onFinal(r),
      fail: (e) => handle?.onFail(e),
    };
    try {
      const converter = await openConverter({
        inRateHz: options.sampleRateHz,
        outRateHz: nativeRateHz,
        narrowband,
        factory: this.options.resamplerFactory,
      });
      const session = await withRetries(
        () =>
          withTimeout(
            (signal) =>
              this.openSession({
                model: this.model,
                language: options.language,
                inputSampleRateHz: options.sampleRateHz,
                sampleRateHz: nativeRateHz,
                narrowbandUpsampling: narrowband,
                hints: options.hints,
                signal: linkSignals(signal, controller.signal),
                sink,
              }),
            { timeoutMs: this.options.openTimeoutMs, what: `opening a ${this.provider} stream`, provider: this.provider, signal: controller.signal },
          ),
        this.options.retry,
        { provider: this.provider, signal: controller.signal },
      );
      const stream = new BaseSttStream({
        provider: this.provider,
        model: this.model,
        inputSampleRateHz: options.sampleRateHz,
        session,
        converter,
        controller,
        disposeSignal: dispose,
        finalTimeoutMs: this.options.finalTimeoutMs,
        stallTimeoutMs: this.options.stallTimeoutMs,
        metrics: this.options.metrics,
      });
      handle = stream.handle;
      return stream;
    } catch (err) {
      dispose();
      controller.abort();
      throw err;
    }
  }

  /** Releases shared engine resources (pools, sessions). Streams already open keep working until they end. */
  async close(): Promise<void> {}

  private validate(options: SttStreamOptions): void {
    const rate = options.sampleRateHz;
    if (!Number.isInteger(rate) || rate < MIN_RATE_HZ || rate > MAX_RATE_HZ) {
      throw new SpeechError('unsupported', `sample rate ${String(rate)} Hz is not supported`, { provider: this.provider });
    }
    if (!languageSupported(options.language, this.capabilities.languages)) {
      throw new SpeechError('unsupported', `${this.provider} does not recognise language "${options.language}"`, {
        provider: this.provider,
      });
    }
  }

  private narrowbandMode(options: SttStreamOptions): NarrowbandUpsampling | null {
    if (!this.capabilities.widebandModel || options.sampleRateHz > 8000) return null;
    return options.narrowbandUpsampling ?? this.options.narrowbandUpsampling;
  }
}

/** A signal that aborts when either input aborts (with the first reason). */
function linkSignals(a: AbortSignal, b: AbortSignal): AbortSignal {
  return AbortSignal.any([a, b]);
}
