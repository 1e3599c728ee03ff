import { mediaResamplerFactory, openConverter, pickNativeRate } from '../audio/converters.js';
import type { ResamplerFactory, StreamResampler } from './audio.js';
import { SpeechError } from './errors.js';
import type { SpeechMetricsSink } from './metrics.js';
import { SpeechSegmenter } from './vad-segmenter.js';
import type { VadAdapterOptions, VadCapabilities, VadEngineState, VadEvent, VadFrame, VadResult, VadStream, VadStreamOptions } from './vad.js';

/**
 * The one base every voice-activity detector extends. It owns resampling to a native rate,
 * framing into the engine's frame size, the speech/silence hysteresis, metrics and cancellation.
 * An engine implements only {@link openState}: per-call state that scores one frame.
 */
export abstract class VadAdapter {
  abstract readonly provider: string;
  abstract readonly capabilities: VadCapabilities;
  protected readonly resamplerFactory: ResamplerFactory;
  protected readonly metrics: SpeechMetricsSink | undefined;

  constructor(options: VadAdapterOptions = {}) {
    this.resamplerFactory = options.resamplerFactory ?? mediaResamplerFactory;
    this.metrics = options.metrics;
  }

  /** Creates per-call engine state scoring frames at `sampleRateHz` (one of the native rates). */
  protected abstract openState(sampleRateHz: number): Promise<VadEngineState>;

  /** Releases shared engine resources (a model session). */
  async close(): Promise<void> {}

  async createStream(options: VadStreamOptions): Promise<VadStream> {
    const rate = options.sampleRateHz;
    if (!Number.isInteger(rate) || rate < 4000 || rate > 192_000) {
      throw new SpeechError('unsupported', `sample rate ${String(rate)} Hz is not supported`, { provider: this.provider });
    }
    const threshold = options.threshold ?? 0.5;
    const segmenter = new SpeechSegmenter({
      threshold,
      negativeThreshold: options.negativeThreshold ?? Math.max(0, threshold - 0.15),
      minSpeechMs: options.minSpeechMs ?? 100,
      minSilenceMs: options.minSilenceMs ?? 300,
    });
    const nativeRateHz = pickNativeRate(rate, this.capabilities.nativeSampleRatesHz);
    const converter = await openConverter({ inRateHz: rate, outRateHz: nativeRateHz, narrowband: null, factory: this.resamplerFactory });
    const state = await this.openState(nativeRateHz);
    const stream = new BaseVadStream(this.provider, nativeRateHz, rate, converter, state, segmenter, this.metrics);
    options.signal?.addEventListener('abort', () => stream.close(), { once: true });
    if (options.signal?.aborted) stream.close();
    return stream;
  }
}

class BaseVadStream implements VadStream {
  private pending = new Int16Array(0);
  private nativeSamples = 0;
  private inputSamples = 0;
  private frames = 0;
  private engineMs = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly provider: string,
    private readonly nativeRateHz: number,
    private readonly inputRateHz: number,
    private readonly converter: StreamResampler | null,
    private readonly state: VadEngineState,
    private readonly segmenter: SpeechSegmenter,
    private readonly metrics: SpeechMetricsSink | undefined,
  ) {}

  get speaking(): boolean {
    return this.segmenter.speaking;
  }

  process(samples: Int16Array): Promise<VadResult> {
    if (this.closed) return Promise.reject(new SpeechError('aborted', 'VAD stream is closed', { provider: this.provider }));
    if (!(samples instanceof Int16Array)) {
      return Promise.reject(new SpeechError('bad_audio', 'audio must be an Int16Array of mono PCM16 samples', { provider: this.provider }));
    }
    this.inputSamples += samples.length;
    const converted = this.converter === null ? samples : this.converter.process(samples);
    const run = this.chain.then(() => this.score(converted));
    this.chain = run.catch(() => undefined);
    return run;
  }

  flush(): VadEvent[] {
    const event = this.segmenter.flush();
    return event === undefined ? [] : [event];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.converter?.close();
    // Let an inference in flight finish before the engine state goes.
    void this.chain.finally(() => this.state.close());
    if (this.metrics !== undefined) {
      try {
        this.metrics({
          kind: 'vad.stream',
          provider: this.provider,
          audioSecondsIn: this.inputSamples / this.inputRateHz,
          frames: this.frames,
          averageFrameCostUs: this.frames > 0 ? (this.engineMs * 1000) / this.frames : null,
        });
      } catch {
        // A metrics sink must not break detection.
      }
    }
  }

  private async score(samples: Int16Array): Promise<VadResult> {
    const size = this.state.frameSamples;
    const all = this.pending.length === 0 ? samples : concat(this.pending, samples);
    const frames: VadFrame[] = [];
    const events: VadEvent[] = [];
    let offset = 0;
    for (; offset + size <= all.length; offset += size) {
      if (this.closed) break;
      const t0 = performance.now();
      const probability = await this.state.infer(all.subarray(offset, offset + size));
      this.engineMs += performance.now() - t0;
      this.frames++;
      const startMs = (this.nativeSamples * 1000) / this.nativeRateHz;
      const durationMs = (size * 1000) / this.nativeRateHz;
      this.nativeSamples += size;
      frames.push({ probability, startMs, durationMs });
      const event = this.segmenter.next(probability, startMs, durationMs);
      if (event !== undefined) events.push(event);
    }
    this.pending = all.slice(offset);
    return { frames, events };
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
