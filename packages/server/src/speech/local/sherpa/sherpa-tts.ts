import { basename } from 'node:path';
import type { PcmChunk } from '../../contracts/audio.js';
import { SpeechError } from '../../contracts/errors.js';
import { TtsAdapter } from '../../contracts/tts-adapter.js';
import type { TtsAdapterOptions, TtsCapabilities, TtsSegmentContext } from '../../contracts/tts.js';
import { throwIfAborted } from '../../util/abort.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { Mutex } from '../../util/mutex.js';
import { findTtsModel } from './model-dir.js';
import { floatToPcm16, loadSherpaOnnx, type SherpaOfflineTts } from './native.js';
import { checkModelDir, checkRange } from './options.js';

/** Options of {@link SherpaOnnxTts}. */
export interface SherpaOnnxTtsOptions extends TtsAdapterOptions {
  /** Absolute path of a directory holding one VITS/Piper voice (see `findTtsModel`). */
  modelDir: string;
  /** Voice id profiles use; default the directory name. */
  voiceId?: string | undefined;
  /** BCP-47 language of the voice; default `en`. */
  language?: string | undefined;
  /** Speaker of a multi-speaker model; default 0. */
  speakerId?: number | undefined;
  /** 0.25 to 4; default 1. */
  speed?: number | undefined;
  /** onnxruntime threads for this voice; default 1. */
  numThreads?: number | undefined;
  /** The voice's rate as declared before loading (Piper: 22050 for medium/high, 16000 for low). */
  sampleRateHz?: number | undefined;
}

/**
 * Offline text-to-speech with sherpa-onnx and a VITS/Piper voice the operator puts in a directory.
 * The voice loads on first use (through `sherpa-onnx-node`, lazily loaded); a missing or
 * incomplete directory, or one sherpa-onnx cannot load, fails with `unavailable`. VITS renders a
 * sentence at a time, so the base feeds it sentence by sentence; audio is handed over as
 * sherpa-onnx reports progress. One synthesis runs at a time per voice.
 */
export class SherpaOnnxTts extends TtsAdapter {
  readonly provider = 'sherpa-onnx';
  readonly capabilities: TtsCapabilities;
  private readonly modelDir: string;
  private readonly speakerId: number;
  private readonly speed: number;
  private readonly numThreads: number;
  private readonly mutex = new Mutex();
  private engine: Promise<SherpaOfflineTts> | null = null;

  constructor(options: SherpaOnnxTtsOptions) {
    const modelDir = checkModelDir(options.modelDir);
    const voiceId = options.voiceId ?? basename(modelDir);
    super({ ...options, defaultVoice: options.defaultVoice ?? voiceId });
    checkRange('speakerId', options.speakerId, 0, 10_000, true);
    checkRange('speed', options.speed, 0.25, 4);
    checkRange('numThreads', options.numThreads, 1, 64, true);
    checkRange('sampleRateHz', options.sampleRateHz, 8000, 48_000, true);
    this.modelDir = modelDir;
    this.speakerId = options.speakerId ?? 0;
    this.speed = options.speed ?? 1;
    this.numThreads = options.numThreads ?? 1;
    const language = (options.language ?? 'en').toLowerCase();
    const sampleRateHz = options.sampleRateHz ?? 22_050;
    this.capabilities = {
      streaming: true,
      segmentation: 'sentence',
      nativeSampleRatesHz: [sampleRateHz],
      voices: [{ id: voiceId, language, gender: null, sampleRateHz }],
      languages: [language],
    };
  }

  /** Loads the voice now (otherwise the first synthesis does). */
  async warm(): Promise<void> {
    await this.load();
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    const engine = await this.load();
    throwIfAborted(context.signal, this.provider);
    const queue = new AsyncQueue<PcmChunk>();
    const rate = engine.sampleRate;
    let streamed = false;
    const done = this.mutex.run(async () => {
      if (context.signal.aborted) return;
      const result = await engine.generateAsync({
        text,
        sid: this.speakerId,
        speed: this.speed,
        onProgress: (info) => {
          if (context.signal.aborted) return 0;
          if (info.samples.length > 0) {
            streamed = true;
            queue.push({ samples: floatToPcm16(info.samples), sampleRateHz: rate });
          }
          return 1;
        },
      });
      if (!streamed && result.samples.length > 0) queue.push({ samples: floatToPcm16(result.samples), sampleRateHz: result.sampleRate });
    });
    done.then(
      () => queue.end(),
      (err: unknown) => queue.fail(new SpeechError('provider_error', `sherpa-onnx synthesis failed: ${err instanceof Error ? err.message : String(err)}`, { provider: this.provider, cause: err })),
    );
    yield* queue;
  }

  private load(): Promise<SherpaOfflineTts> {
    this.engine ??= (async () => {
      const model = findTtsModel(this.modelDir);
      const sherpa = loadSherpaOnnx(this.provider);
      try {
        return await sherpa.OfflineTts.createAsync({
          model: {
            vits: { model: model.model, tokens: model.tokens, ...(model.dataDir ? { dataDir: model.dataDir } : {}), ...(model.lexicon ? { lexicon: model.lexicon } : {}) },
            numThreads: this.numThreads,
            debug: 0,
            provider: 'cpu',
          },
          maxNumSentences: 1,
        });
      } catch (err) {
        throw new SpeechError('unavailable', `sherpa-onnx could not load the voice in ${this.modelDir}: ${err instanceof Error ? err.message : String(err)}`, {
          provider: this.provider,
          cause: err,
        });
      }
    })();
    // A failed load is not cached: the operator may fix the directory without a restart.
    this.engine.catch(() => (this.engine = null));
    return this.engine;
  }
}
