import type { ProviderStep } from '@unpod/protocol';
import { SpeechError } from '../contracts/errors.js';
import type { SpeechMetricsSink } from '../contracts/metrics.js';
import type { SttAdapterOptions } from '../contracts/stt.js';
import type { ResolvedCredential } from '../credentials.js';
import type { SpeechRegistry } from '../registry.js';
import { AzureStt } from './stt/azure.js';
import { DeepgramStt } from './stt/deepgram.js';
import { GoogleStt } from './stt/google.js';
import { OpenAiStt } from './stt/openai.js';

/** The cloud speech-to-text providers this module registers. */
export const CLOUD_STT_PROVIDERS = ['deepgram', 'openai', 'google', 'azure'] as const;
export type CloudSttProvider = (typeof CLOUD_STT_PROVIDERS)[number];

/** What the cloud factories share. */
export interface CloudProviderDeps {
  metrics?: SpeechMetricsSink | undefined;
  /** Per-provider API roots (tests point them at the local fakes; a proxy could too). */
  baseUrls?: Partial<Record<CloudSttProvider, string>> | undefined;
  /** gRPC roots of the streaming vendors (Google `StreamingRecognize`); `http://` is an insecure channel (the local fake). */
  grpcUrls?: { google?: string | undefined } | undefined;
  /** Base options for every cloud STT adapter (timeouts, retries, stall detection). */
  stt?: Omit<SttAdapterOptions, 'metrics'> | undefined;
}

/**
 * Registers the cloud speech-to-text providers by the names voice profiles use: `deepgram`,
 * `openai`, `google`, `azure`. Each needs a credential (the space's stored one, else the server's
 * env key); the registry resolves it and the factory reads `api_key` (Google: or `access_token`;
 * Azure: plus `region`). Step options understood: Deepgram `endpointing_ms`, `utterance_end_ms`;
 * OpenAI `realtime` (`true`: the realtime transcription WebSocket; default: one request per
 * utterance); Google `streaming` (`false`: REST per utterance; default: streaming over gRPC when the client loads).
 */
export function registerCloudProviders(registry: SpeechRegistry, deps: CloudProviderDeps = {}): SpeechRegistry {
  const base = (): SttAdapterOptions => ({ ...deps.stt, metrics: deps.metrics });
  const model = (step: ProviderStep): string | undefined => step.model ?? undefined;
  return registry
    .registerStt(
      'deepgram',
      (step, { credential }) =>
        new DeepgramStt({
          ...base(),
          apiKey: field(credential, 'deepgram', 'api_key'),
          baseUrl: deps.baseUrls?.deepgram,
          model: model(step),
          endpointingMs: numberOption(step, 'endpointing_ms'),
          utteranceEndMs: numberOption(step, 'utterance_end_ms'),
        }),
      { needsCredential: true },
    )
    .registerStt(
      'openai',
      (step, { credential }) => new OpenAiStt({
          ...base(),
          apiKey: field(credential, 'openai', 'api_key'),
          baseUrl: deps.baseUrls?.openai,
          model: model(step),
          realtime: booleanOption(step, 'realtime'),
        }),
      { needsCredential: true },
    )
    .registerStt(
      'google',
      (step, { credential }) => {
        const token = credential?.fields['access_token'];
        return new GoogleStt({
          ...base(),
          ...(token !== undefined ? { accessToken: token } : { apiKey: field(credential, 'google', 'api_key') }),
          baseUrl: deps.baseUrls?.google,
          grpcUrl: deps.grpcUrls?.google,
          streaming: booleanOption(step, 'streaming'),
          model: model(step),
        });
      },
      { needsCredential: true },
    )
    .registerStt(
      'azure',
      (_step, { credential }) =>
        new AzureStt({ ...base(), apiKey: field(credential, 'azure', 'api_key'), region: credential?.fields['region'], baseUrl: deps.baseUrls?.azure }),
      { needsCredential: true },
    );
}

function field(credential: ResolvedCredential | undefined, provider: string, name: string): string {
  const value = credential?.fields[name];
  if (value === undefined || value === '') {
    throw new SpeechError('unavailable', `the ${provider} credential has no "${name}"`, { provider });
  }
  return value;
}

function numberOption(step: ProviderStep, key: string): number | undefined {
  const v = step.options[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function booleanOption(step: ProviderStep, key: string): boolean | undefined {
  const v = step.options[key];
  return typeof v === 'boolean' ? v : undefined;
}
