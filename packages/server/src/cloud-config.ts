import { ConfigError } from './config.js';

/** Cloud speech settings from the environment (part of `ServerConfig`, read at boot only). */
export interface CloudConfig {
  /** AES-256 master key for stored credentials (`UNPOD_SECRET_KEY`); null: a key file in the data dir. */
  secretKey: Buffer | null;
  /**
   * Server-wide vendor credentials from env, by provider: used for spaces that stored none.
   * `deepgram` (`DEEPGRAM_API_KEY`), `openai` (`OPENAI_API_KEY`), `google` (`GOOGLE_API_KEY`),
   * `elevenlabs` (`ELEVENLABS_API_KEY`), `cartesia` (`CARTESIA_API_KEY`), `azure`
   * (`AZURE_SPEECH_KEY` + `AZURE_SPEECH_REGION`).
   */
  envCredentials: Record<string, Record<string, string>>;
}

/** Env variables read here, for the README and `ENV_VARS`. */
export const CLOUD_ENV_VARS = [
  'UNPOD_SECRET_KEY',
  'DEEPGRAM_API_KEY',
  'OPENAI_API_KEY',
  'GOOGLE_API_KEY',
  'ELEVENLABS_API_KEY',
  'CARTESIA_API_KEY',
  'AZURE_SPEECH_KEY',
  'AZURE_SPEECH_REGION',
] as const;

/** Validates and collects the cloud settings; fails with a one-line `ConfigError`. */
export function loadCloudConfig(env: NodeJS.ProcessEnv): CloudConfig {
  const rawKey = env['UNPOD_SECRET_KEY']?.trim();
  let secretKey: Buffer | null = null;
  if (rawKey) {
    secretKey = /^[A-Za-z0-9+/]+={0,2}$/.test(rawKey) ? Buffer.from(rawKey, 'base64') : Buffer.alloc(0);
    if (secretKey.length !== 32) throw new ConfigError('invalid UNPOD_SECRET_KEY: must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)');
  }
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const envCredentials: Record<string, Record<string, string>> = {};
  const single = {
    deepgram: 'DEEPGRAM_API_KEY',
    openai: 'OPENAI_API_KEY',
    google: 'GOOGLE_API_KEY',
    elevenlabs: 'ELEVENLABS_API_KEY',
    cartesia: 'CARTESIA_API_KEY',
  } as const;
  for (const [provider, name] of Object.entries(single)) {
    const key = get(name);
    if (key) envCredentials[provider] = { api_key: key };
  }
  const azureKey = get('AZURE_SPEECH_KEY');
  const azureRegion = get('AZURE_SPEECH_REGION');
  if (azureKey && !azureRegion) throw new ConfigError('AZURE_SPEECH_KEY is set without AZURE_SPEECH_REGION (e.g. westeurope)');
  if (azureRegion && !/^[a-z0-9-]{2,40}$/.test(azureRegion)) throw new ConfigError(`invalid AZURE_SPEECH_REGION: "${azureRegion}" is not a region name such as westeurope`);
  if (azureKey && azureRegion) envCredentials['azure'] = { api_key: azureKey, region: azureRegion };
  return { secretKey, envCredentials };
}
