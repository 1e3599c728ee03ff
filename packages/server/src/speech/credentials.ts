import { SpeechError } from './contracts/errors.js';

/**
 * Key material for a cloud provider, as the registry hands it to a factory. `ref` says which
 * credential it is (`env`, or `space:<credential id>`): it goes into adapter cache keys and logs.
 * `fields` holds the secret (`api_key`, Azure's `region`...) and goes nowhere else.
 */
export interface ResolvedCredential {
  provider: string;
  ref: string;
  fields: Readonly<Record<string, string>>;
}

/** Where a space's stored credentials come from (the control store's credentials repository). */
export interface SpaceCredentialSource {
  secretFor(spaceId: string, provider: string): Promise<{ id: string; fields: Readonly<Record<string, string>> } | undefined>;
}

/**
 * Resolves a provider's key material for a call: the space's stored credential first, then the
 * server-wide one from the environment.
 */
export interface CredentialResolver {
  /** The credential for `provider` in `spaceId` (null: no space, env only), or undefined when there is none. */
  resolve(provider: string, spaceId: string | null): Promise<ResolvedCredential | undefined>;
  /** The server-wide credential only (synchronous; for callers without a space). */
  fromEnv(provider: string): ResolvedCredential | undefined;
}

/** The standard {@link CredentialResolver}: a space's stored credential, else the environment's. */
export class SpaceThenEnvCredentials implements CredentialResolver {
  constructor(
    private readonly env: Readonly<Record<string, Readonly<Record<string, string>>>>,
    private readonly spaces: SpaceCredentialSource | null = null,
  ) {}

  async resolve(provider: string, spaceId: string | null): Promise<ResolvedCredential | undefined> {
    if (spaceId !== null && this.spaces !== null) {
      let stored: Awaited<ReturnType<SpaceCredentialSource['secretFor']>>;
      try {
        stored = await this.spaces.secretFor(spaceId, provider);
      } catch (err) {
        // A stored secret that no longer opens (master key changed) must not fall back silently.
        const detail = err instanceof Error ? err.message : String(err);
        throw new SpeechError('unavailable', `the space's ${provider} credential cannot be read: ${detail}`, { provider, cause: err });
      }
      if (stored !== undefined) return { provider, ref: `space:${stored.id}`, fields: stored.fields };
    }
    return this.fromEnv(provider);
  }

  fromEnv(provider: string): ResolvedCredential | undefined {
    const fields = this.env[provider];
    return fields === undefined ? undefined : { provider, ref: 'env', fields };
  }
}
