/**
 * sherpa-onnx local engines: offline STT (Whisper, Zipformer transducer) and TTS (VITS/Piper)
 * from model directories the operator provides.
 */
import { join } from 'node:path';
import type { ProviderStep } from '@unpod/protocol';
import { SpeechError } from '../../contracts/errors.js';
import type { SpeechMetricsSink } from '../../contracts/metrics.js';
import type { SpeechRegistry } from '../../registry.js';
import { checkModelDir } from './options.js';
import { SherpaOnnxStt } from './sherpa-stt.js';
import { SherpaOnnxTts } from './sherpa-tts.js';

export { findSttModel, findTtsModel, type SherpaSttModel, type SherpaTtsModel } from './model-dir.js';
export { loadSherpaOnnx } from './native.js';
export { SherpaOnnxStt, normaliseTranscript, type SherpaOnnxSttOptions } from './sherpa-stt.js';
export { SherpaOnnxTts, type SherpaOnnxTtsOptions } from './sherpa-tts.js';

/** Where model directories live and what the adapters share. */
export interface SherpaOnnxRegistration {
  /** Absolute directory whose subdirectories are models; a step's `model` names one. */
  modelsDir: string;
  metrics?: SpeechMetricsSink | undefined;
}

/**
 * Registers `sherpa-onnx` as an STT and a TTS provider. A step's `model` names a subdirectory of
 * `modelsDir` (`{ provider: 'sherpa-onnx', model: 'vits-piper-en_US-amy-medium' }`). Step options:
 * TTS `speaker_id`, `speed`, `num_threads`, `sample_rate_hz`, `language`; STT `num_threads`,
 * `languages`. Nothing is loaded until a call uses it.
 */
export function registerSherpaOnnx(registry: SpeechRegistry, registration: SherpaOnnxRegistration): SpeechRegistry {
  const root = checkModelDir(registration.modelsDir);
  const dirOf = (step: ProviderStep): string => {
    const name = step.model;
    if (name === null || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) {
      throw new SpeechError('unsupported', `sherpa-onnx: the step's model must name a model directory under ${root}, got ${JSON.stringify(name)}`, { provider: 'sherpa-onnx' });
    }
    return join(root, name);
  };
  return registry
    .registerTts('sherpa-onnx', (step) =>
      new SherpaOnnxTts({
        modelDir: dirOf(step),
        metrics: registration.metrics,
        speakerId: num(step.options, 'speaker_id'),
        speed: num(step.options, 'speed'),
        numThreads: num(step.options, 'num_threads'),
        sampleRateHz: num(step.options, 'sample_rate_hz'),
        language: typeof step.options['language'] === 'string' ? step.options['language'] : undefined,
      }),
    )
    .registerStt('sherpa-onnx', (step) => {
      const languages = step.options['languages'];
      return new SherpaOnnxStt({
        modelDir: dirOf(step),
        metrics: registration.metrics,
        numThreads: num(step.options, 'num_threads'),
        languages: Array.isArray(languages) && languages.every((l) => typeof l === 'string') ? (languages as string[]) : undefined,
      });
    });
}

function num(options: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = options[key];
  return typeof v === 'number' ? v : undefined;
}
