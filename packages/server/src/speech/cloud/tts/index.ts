/**
 * Cloud text-to-speech vendors: OpenAI, ElevenLabs, Cartesia, Deepgram Aura, Google Cloud TTS and
 * Azure AI Speech, each a {@link TtsAdapter} that streams PCM as the vendor sends it.
 */
import type { ProviderStep } from '@unpod/protocol';
import { SpeechError } from '../../contracts/errors.js';
import type { SpeechMetricsSink } from '../../contracts/metrics.js';
import type { TtsAdapter } from '../../contracts/tts-adapter.js';
import type { SpeechRegistry } from '../../registry.js';
import { AzureTts } from './azure.js';
import { CartesiaTts } from './cartesia.js';
import type { CloudTtsOptions } from './cloud-tts-adapter.js';
import { DeepgramTts } from './deepgram.js';
import { ElevenLabsTts } from './elevenlabs.js';
import { GoogleTts } from './google.js';
import { CLOUD_TTS_KEY_ENV, AZURE_REGION_ENV, type CloudKeyResolver, type CloudTtsKey, type CloudTtsProvider } from './keys.js';
import { OpenAiTts } from './openai.js';

export { AzureTts, type AzureTtsOptions, ssml } from './azure.js';
export { CartesiaTts, CARTESIA_VERSION, type CartesiaTtsOptions } from './cartesia.js';
export { CloudTtsAdapter, type CloudTtsOptions } from './cloud-tts-adapter.js';
export { DeepgramTts } from './deepgram.js';
export { ElevenLabsTts, type ElevenLabsTtsOptions } from './elevenlabs.js';
export { GoogleTts } from './google.js';
export { OpenAiTts, type OpenAiTtsOptions } from './openai.js';
export { AZURE_REGION_ENV, CLOUD_TTS_KEY_ENV, envKeyResolver, type CloudKeyResolver, type CloudTtsKey, type CloudTtsProvider } from './keys.js';

/** Shared settings for the adapters {@link registerCloudTts} creates. */
export interface CloudTtsContext {
  metrics?: SpeechMetricsSink | undefined;
  /**
   * Take keys from the registry's credential resolution (the call space's stored credential,
   * else the server's env key; fields `api_key` and, for Azure, `region`) instead of `resolveKey`.
   * Steps nobody has a key for are then skipped by voice-profile chains (`canServe`).
   */
  registryCredentials?: boolean | undefined;
}

type Builder = (key: CloudTtsKey, step: ProviderStep, common: CloudTtsOptions) => TtsAdapter;

const BUILDERS: Record<CloudTtsProvider, Builder> = {
  openai: (_key, step, common) =>
    new OpenAiTts({ ...common, model: step.model ?? undefined, instructions: str(step.options, 'instructions'), speed: num(step.options, 'speed') }),
  elevenlabs: (_key, step, common) =>
    new ElevenLabsTts({ ...common, model: step.model ?? undefined, voiceSettings: obj(step.options, 'voice_settings') }),
  cartesia: (_key, step, common) => new CartesiaTts({ ...common, model: step.model ?? undefined }),
  deepgram: (_key, _step, common) => new DeepgramTts(common),
  google: (_key, _step, common) => new GoogleTts(common),
  azure: (key, step, common) => new AzureTts({ ...common, region: str(step.options, 'region') ?? key.region }),
};

/**
 * Registers the cloud TTS providers by name (`openai`, `elevenlabs`, `cartesia`, `deepgram`,
 * `google`, `azure`). Each factory asks `resolveKey` for the step's credential and fails with
 * `unavailable` (naming the environment variable) when there is none. Step options understood:
 * `base_url`, `sample_rate_hz`, `language` (all providers), `region` (azure), `instructions` and
 * `speed` (openai), `voice_settings` (elevenlabs); `model` picks the vendor model (for Deepgram
 * the voice names the Aura model).
 */
export function registerCloudTts(registry: SpeechRegistry, resolveKey: CloudKeyResolver, context: CloudTtsContext = {}): SpeechRegistry {
  for (const provider of Object.keys(BUILDERS) as CloudTtsProvider[]) {
    registry.registerTts(
      provider,
      (step, ctx) => {
        const stored = ctx.credential;
        const lookup = (): CloudTtsKey | undefined =>
          stored !== undefined ? { apiKey: stored.fields['api_key'] ?? '', region: stored.fields['region'] } : resolveKey(provider, step);
        const key = lookup();
        if (key === undefined || key.apiKey.trim().length === 0) {
          throw new SpeechError('unavailable', `no key for ${provider}: set ${missingEnv(provider)} or add a credential`, { provider });
        }
        const common: CloudTtsOptions = {
          // Looked up again before every request: a rotated credential applies to cached adapters.
          apiKey: () => {
            const current = lookup()?.apiKey;
            if (current === undefined || current.trim().length === 0) {
              throw new SpeechError('unavailable', `no key for ${provider}: set ${missingEnv(provider)} or add a credential`, { provider });
            }
            return current;
          },
          baseUrl: str(step.options, 'base_url'),
          sampleRateHz: num(step.options, 'sample_rate_hz'),
          // The registry caches adapters by model and options, not by voice or language, so the
          // step's voice is passed per call by the pipeline rather than baked in here.
          language: str(step.options, 'language'),
          metrics: context.metrics,
        };
        return BUILDERS[provider](key, step, common);
      },
      { needsCredential: context.registryCredentials === true },
    );
  }
  return registry;
}

function missingEnv(provider: CloudTtsProvider): string {
  return provider === 'azure' ? `${CLOUD_TTS_KEY_ENV.azure} and ${AZURE_REGION_ENV}` : CLOUD_TTS_KEY_ENV[provider];
}

function str(options: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = options[key];
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : undefined;
}

function num(options: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = options[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function obj(options: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> | undefined {
  const v = options[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
