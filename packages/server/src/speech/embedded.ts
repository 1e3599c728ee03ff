import type { Logger } from 'pino';
import type { NarrowbandUpsampling } from './contracts/audio.js';
import type { SpeechMetricsSink } from './contracts/metrics.js';
import { EnergyVadAdapter } from './engines/energy/energy-vad.js';
import { EspeakTts } from './engines/espeak/espeak-tts.js';
import { FliteTts } from './engines/flite/flite-tts.js';
import { PocketsphinxStt, type PocketsphinxSttOptions } from './engines/pocketsphinx/pocketsphinx-stt.js';
import { SileroVad, type SileroVadOptions } from './engines/silero/silero-vad.js';
import type { CredentialResolver } from './credentials.js';
import { SpeechRegistry } from './registry.js';

/** Settings of the embedded engines (all optional). */
export interface EmbeddedSpeechOptions {
  metrics?: SpeechMetricsSink | undefined;
  logger?: Logger | undefined;
  pocketsphinx?: Omit<PocketsphinxSttOptions, 'metrics' | 'logger'> | undefined;
  silero?: Omit<SileroVadOptions, 'metrics'> | undefined;
  /** Key material for cloud providers registered on this registry later (none by default). */
  credentials?: CredentialResolver | undefined;
}

function numberOption(options: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = options[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function upsamplingOption(options: Readonly<Record<string, unknown>>): NarrowbandUpsampling | undefined {
  const v = options['narrowband_upsampling'];
  return v === 'fold' || v === 'resample' ? v : undefined;
}

/**
 * A registry with the engines that run offline on this machine: `pocketsphinx` (STT), `flite`
 * and `espeak-ng` (TTS), `silero` and `energy` (VAD). Step options understood:
 * pocketsphinx `narrowband_upsampling` (`fold`|`resample`) and `grammar_fit_threshold`;
 * espeak-ng `words_per_minute`.
 */
export function createEmbeddedSpeechRegistry(options: EmbeddedSpeechOptions = {}): SpeechRegistry {
  const { metrics, logger } = options;
  return new SpeechRegistry({ credentials: options.credentials })
    .registerStt(
      'pocketsphinx',
      (step) =>
        new PocketsphinxStt({
          ...options.pocketsphinx,
          metrics,
          logger,
          model: step.model ?? 'en-us',
          narrowbandUpsampling: upsamplingOption(step.options) ?? options.pocketsphinx?.narrowbandUpsampling,
          grammarFitThreshold: numberOption(step.options, 'grammar_fit_threshold') ?? options.pocketsphinx?.grammarFitThreshold,
        }),
    )
    .registerTts('flite', () => new FliteTts({ metrics }))
    .registerTts('espeak-ng', (step) => new EspeakTts({ metrics, wordsPerMinute: numberOption(step.options, 'words_per_minute') }))
    .registerVad('silero', () => new SileroVad({ ...options.silero, metrics }))
    .registerVad('energy', (o) => new EnergyVadAdapter({ metrics, thresholdDb: numberOption(o, 'threshold_db') }));
}
