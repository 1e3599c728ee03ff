import { registerCloudProviders, type CloudProviderDeps } from './cloud/index.js';
import { registerCloudTts } from './cloud/tts/index.js';
import { SpaceThenEnvCredentials, type SpaceCredentialSource } from './credentials.js';
import { createEmbeddedSpeechRegistry, type EmbeddedSpeechOptions } from './embedded.js';
import type { SpeechRegistry } from './registry.js';

/** Options of {@link createNodeSpeechRegistry}. */
export interface NodeSpeechOptions extends Omit<EmbeddedSpeechOptions, 'credentials'> {
  /** Server-wide provider credentials (`ServerConfig.cloud.envCredentials`). */
  envCredentials: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Per-space stored credentials (`Store.credentials`). */
  spaceCredentials: SpaceCredentialSource;
  cloud?: Omit<CloudProviderDeps, 'metrics'> | undefined;
}

/**
 * The registry a server node uses: the embedded engines plus the cloud STT and TTS providers, whose keys
 * resolve per call (the space's stored credential, else the server's env key).
 */
export function createNodeSpeechRegistry(options: NodeSpeechOptions): SpeechRegistry {
  const registry = createEmbeddedSpeechRegistry({ ...options, credentials: new SpaceThenEnvCredentials(options.envCredentials, options.spaceCredentials) });
  registerCloudTts(registry, () => undefined, { metrics: options.metrics, registryCredentials: true });
  return registerCloudProviders(registry, { ...options.cloud, metrics: options.metrics });
}
