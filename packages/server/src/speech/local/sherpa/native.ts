import { createRequire } from 'node:module';
import { SpeechError } from '../../contracts/errors.js';

/** The parts of `sherpa-onnx-node` used here (the package ships JavaScript without types). */
export interface SherpaOnnxModule {
  version: string;
  onnxruntimeVersion: string;
  OfflineTts: { createAsync(config: SherpaTtsConfig): Promise<SherpaOfflineTts> };
  OfflineRecognizer: { createAsync(config: SherpaRecognizerConfig): Promise<SherpaOfflineRecognizer> };
}

/** `OfflineTtsConfig` for a VITS (Piper) voice. */
export interface SherpaTtsConfig {
  model: { vits: { model: string; tokens: string; lexicon?: string; dataDir?: string }; numThreads: number; debug: number; provider: 'cpu' };
  maxNumSentences: number;
}

export interface SherpaOfflineTts {
  readonly sampleRate: number;
  readonly numSpeakers: number;
  generateAsync(request: {
    text: string;
    sid: number;
    speed: number;
    /** Called with audio as it is generated; return 0 to stop generation. */
    onProgress?: (info: { samples: Float32Array; progress: number }) => number;
  }): Promise<{ samples: Float32Array; sampleRate: number }>;
}

/** `OfflineRecognizerConfig` for a Whisper or transducer model. */
export interface SherpaRecognizerConfig {
  featConfig: { sampleRate: number; featureDim: number };
  modelConfig: {
    whisper?: { encoder: string; decoder: string; language?: string; task?: string };
    transducer?: { encoder: string; decoder: string; joiner: string };
    tokens: string;
    numThreads: number;
    provider: 'cpu';
    debug: number;
  };
  decodingMethod?: 'greedy_search' | 'modified_beam_search';
}

export interface SherpaOfflineRecognizer {
  createStream(): { acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void };
  decodeAsync(stream: unknown): Promise<{ text: string; tokens?: string[]; timestamps?: number[] }>;
}

let loaded: SherpaOnnxModule | null = null;

/**
 * Loads `sherpa-onnx-node` (and its bundled onnxruntime) on first use, so processes that never
 * use sherpa never map the library. Fails with `unavailable` naming the package when it is missing
 * or cannot load on this platform.
 */
export function loadSherpaOnnx(provider = 'sherpa-onnx'): SherpaOnnxModule {
  if (loaded !== null) return loaded;
  try {
    loaded = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaOnnxModule;
    return loaded;
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new SpeechError('unavailable', `sherpa-onnx is not available: install the npm package sherpa-onnx-node (and its platform package) — ${detail}`, {
      provider,
      cause: err,
    });
  }
}

/** Float samples in [-1, 1] as PCM16. */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = Math.round(v * 32767);
  }
  return out;
}

/** PCM16 as float samples in [-1, 1). */
export function pcm16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}
