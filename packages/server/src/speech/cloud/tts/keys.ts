import type { ProviderStep } from '@unpod/protocol';

/** A vendor credential: the key and, for Azure, the resource region. */
export interface CloudTtsKey {
  apiKey: string;
  region?: string | undefined;
}

/** Finds the credential for a provider step; `undefined` when there is none. */
export type CloudKeyResolver = (provider: string, step: ProviderStep) => CloudTtsKey | undefined;

/** The environment variables each provider reads its key from (Azure also needs a region). */
export const CLOUD_TTS_KEY_ENV = {
  openai: 'OPENAI_API_KEY',
  elevenlabs: 'ELEVENLABS_API_KEY',
  cartesia: 'CARTESIA_API_KEY',
  deepgram: 'DEEPGRAM_API_KEY',
  google: 'GOOGLE_API_KEY',
  azure: 'AZURE_SPEECH_KEY',
} as const;

/** The environment variable holding the Azure region. */
export const AZURE_REGION_ENV = 'AZURE_SPEECH_REGION';

export type CloudTtsProvider = keyof typeof CLOUD_TTS_KEY_ENV;

/**
 * A resolver reading keys from an environment map (pass the one the config module validated; the
 * resolver never reads `process.env` itself). Blank values count as missing.
 */
export function envKeyResolver(env: Readonly<Record<string, string | undefined>>): CloudKeyResolver {
  return (provider) => {
    const name = (CLOUD_TTS_KEY_ENV as Record<string, string | undefined>)[provider];
    if (name === undefined) return undefined;
    const apiKey = env[name]?.trim();
    if (apiKey === undefined || apiKey.length === 0) return undefined;
    const region = provider === 'azure' ? env[AZURE_REGION_ENV]?.trim() || undefined : undefined;
    return { apiKey, region };
  };
}
