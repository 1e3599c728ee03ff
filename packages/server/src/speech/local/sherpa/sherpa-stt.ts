import type { SttCapabilities, SttAdapterOptions, SttEngineSession, SttSessionContext } from '../../contracts/stt.js';
import { SpeechError } from '../../contracts/errors.js';
import { SttAdapter } from '../../contracts/stt-adapter.js';
import { Mutex } from '../../util/mutex.js';
import { findSttModel } from './model-dir.js';
import { loadSherpaOnnx, pcm16ToFloat, type SherpaOfflineRecognizer } from './native.js';
import { checkModelDir, checkRange } from './options.js';

const RATE_HZ = 16_000;
/** Whisper reads at most 30 s per pass; longer utterances keep their last 30 s. */
const MAX_UTTERANCE_SAMPLES = 30 * RATE_HZ;

/** Options of {@link SherpaOnnxStt}. */
export interface SherpaOnnxSttOptions extends SttAdapterOptions {
  /** Absolute path of a directory holding a Whisper or transducer model (see `findSttModel`). */
  modelDir: string;
  /** BCP-47 languages the model serves; default `['en']`. */
  languages?: readonly string[] | undefined;
  /** onnxruntime threads; default 2. */
  numThreads?: number | undefined;
}

/**
 * Offline speech recognition with sherpa-onnx and a Whisper or Zipformer-transducer model the
 * operator puts in a directory. These are non-streaming models: audio is buffered per utterance
 * and decoded when the pipeline ends it, so there are no partials. Decodes are serialised per
 * model. A missing or incomplete directory, or one sherpa-onnx cannot load, fails with
 * `unavailable` when a stream opens.
 */
export class SherpaOnnxStt extends SttAdapter {
  readonly provider = 'sherpa-onnx';
  readonly capabilities: SttCapabilities;
  private readonly modelDir: string;
  private readonly numThreads: number;
  private readonly mutex = new Mutex();
  private recognizer: Promise<SherpaOfflineRecognizer> | null = null;

  constructor(options: SherpaOnnxSttOptions) {
    const modelDir = checkModelDir(options.modelDir);
    super({ ...options, model: options.modelDir });
    checkRange('numThreads', options.numThreads, 1, 64, true);
    if (options.languages !== undefined && (options.languages.length === 0 || options.languages.some((l) => !/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(l)))) {
      throw new SpeechError('unsupported', 'sherpa-onnx: languages must be a non-empty list of BCP-47 tags', { provider: 'sherpa-onnx' });
    }
    this.modelDir = modelDir;
    this.numThreads = options.numThreads ?? 2;
    this.capabilities = {
      streaming: false,
      interimResults: false,
      nativeSampleRatesHz: [RATE_HZ],
      languages: (options.languages ?? ['en']).map((l) => l.toLowerCase()),
      grammars: { phrases: false, jsgf: false },
      widebandModel: true,
    };
  }

  /** Loads the model now (otherwise the first stream does). */
  async warm(): Promise<void> {
    await this.load();
  }

  protected async openSession(context: SttSessionContext): Promise<SttEngineSession> {
    const recognizer = await this.load();
    let parts: Int16Array[] = [];
    let buffered = 0;
    let timelineSamples = 0;
    let utteranceStart = 0;
    return {
      write: (samples) => {
        if (buffered === 0) utteranceStart = timelineSamples;
        parts.push(samples);
        buffered += samples.length;
        timelineSamples += samples.length;
        while (buffered - (parts[0]?.length ?? 0) >= MAX_UTTERANCE_SAMPLES) buffered -= parts.shift()!.length;
      },
      endUtterance: async () => {
        const audio = new Int16Array(buffered);
        parts.reduce((at, p) => (audio.set(p, at), at + p.length), 0);
        parts = [];
        buffered = 0;
        const result = await this.mutex.run(async () => {
          if (context.signal.aborted) return { text: '' };
          const stream = recognizer.createStream();
          stream.acceptWaveform({ samples: pcm16ToFloat(audio), sampleRate: RATE_HZ });
          return await recognizer.decodeAsync(stream);
        });
        context.sink.final({
          text: normaliseTranscript(result.text),
          confidence: 0.5,
          startMs: (utteranceStart * 1000) / RATE_HZ,
          endMs: (timelineSamples * 1000) / RATE_HZ,
          words: [],
          source: 'open',
        });
      },
      setHints: () => undefined,
      close: () => undefined,
    };
  }

  private load(): Promise<SherpaOfflineRecognizer> {
    this.recognizer ??= (async () => {
      const model = findSttModel(this.modelDir);
      const sherpa = loadSherpaOnnx(this.provider);
      const common = { tokens: model.tokens, numThreads: this.numThreads, provider: 'cpu' as const, debug: 0 };
      try {
        return await sherpa.OfflineRecognizer.createAsync({
          featConfig: { sampleRate: RATE_HZ, featureDim: 80 },
          modelConfig:
            model.kind === 'whisper'
              ? { ...common, whisper: { encoder: model.encoder, decoder: model.decoder, task: 'transcribe' } }
              : { ...common, transducer: { encoder: model.encoder, decoder: model.decoder, joiner: model.joiner } },
          decodingMethod: 'greedy_search',
        });
      } catch (err) {
        throw new SpeechError('unavailable', `sherpa-onnx could not load the model in ${this.modelDir}: ${err instanceof Error ? err.message : String(err)}`, {
          provider: this.provider,
          cause: err,
        });
      }
    })();
    this.recognizer.catch(() => (this.recognizer = null));
    return this.recognizer;
  }
}

/** Lower-case words separated by single spaces, punctuation dropped (apostrophes kept). */
export function normaliseTranscript(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
