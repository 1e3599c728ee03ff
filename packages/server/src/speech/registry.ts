import type { ProviderStep } from '@unpod/protocol';
import { SpeechError } from './contracts/errors.js';
import type { SttAdapter } from './contracts/stt-adapter.js';
import type { TtsAdapter } from './contracts/tts-adapter.js';
import type { VadAdapter } from './contracts/vad-adapter.js';
import type { CredentialResolver, ResolvedCredential } from './credentials.js';

/** What a factory gets besides its step: the key material resolved for the call, if any. */
export interface SpeechFactoryContext {
  /** Undefined for providers that need none (embedded engines) or when none was found. */
  credential: ResolvedCredential | undefined;
}

/** Builds an adapter for one provider step (its `model` and `options`). */
export type SttFactory = (step: ProviderStep, context: SpeechFactoryContext) => SttAdapter;
export type TtsFactory = (step: ProviderStep, context: SpeechFactoryContext) => TtsAdapter;
/** VAD is chosen by name (`silero`, `energy`) plus options; profiles carry no VAD chain. */
export type VadFactory = (options: Readonly<Record<string, unknown>>) => VadAdapter;

/** Registration options. */
export interface ProviderRegistration {
  /** The provider needs key material (a cloud vendor): without one it cannot serve. */
  needsCredential?: boolean;
}

/** Whose keys apply: the call's space (its stored credentials win over the server's). */
export interface SpeechScope {
  spaceId: string | null;
}

type Kind = 'stt' | 'tts' | 'vad';
type AnyAdapter = SttAdapter | TtsAdapter | VadAdapter;

/**
 * Maps a voice profile's provider steps to adapter instances. Providers are registered by name;
 * an unknown name fails with `unsupported`. Adapters are cached per provider, model, options and
 * the credential used (its reference, never the secret), so every call using the same step and
 * key shares one engine (one decoder pool, one model session), and spaces with their own keys
 * get their own adapters.
 */
export class SpeechRegistry {
  private readonly factories = { stt: new Map<string, SttFactory>(), tts: new Map<string, TtsFactory>(), vad: new Map<string, VadFactory>() };
  private readonly needsCredential = { stt: new Set<string>(), tts: new Set<string>() };
  private readonly instances = new Map<string, AnyAdapter>();
  private readonly credentials: CredentialResolver | undefined;

  constructor(options: { credentials?: CredentialResolver | undefined } = {}) {
    this.credentials = options.credentials;
  }

  registerStt(provider: string, factory: SttFactory, registration: ProviderRegistration = {}): this {
    this.factories.stt.set(provider, factory);
    if (registration.needsCredential) this.needsCredential.stt.add(provider);
    return this;
  }

  registerTts(provider: string, factory: TtsFactory, registration: ProviderRegistration = {}): this {
    this.factories.tts.set(provider, factory);
    if (registration.needsCredential) this.needsCredential.tts.add(provider);
    return this;
  }

  registerVad(provider: string, factory: VadFactory): this {
    this.factories.vad.set(provider, factory);
    return this;
  }

  /** Registered provider names. */
  providers(kind: Kind): string[] {
    return [...this.factories[kind].keys()].sort();
  }

  /**
   * True when `provider` is registered and, for a provider that needs key material, a credential
   * for it resolves in `scope` (so a profile's chain can skip cloud steps nobody has keys for).
   * A credential that exists but cannot be read counts as none here; `sttFor` reports it.
   */
  async canServe(kind: 'stt' | 'tts', provider: string, scope: SpeechScope): Promise<boolean> {
    if (!this.factories[kind].has(provider)) return false;
    if (!this.needsCredential[kind].has(provider)) return true;
    try {
      return (await this.credentials?.resolve(provider, scope.spaceId)) !== undefined;
    } catch {
      // An unreadable credential makes the step unusable; the chain moves on to the next one.
      return false;
    }
  }

  /** The adapter for `step` with server-wide keys only. */
  stt(step: ProviderStep): SttAdapter {
    return this.build('stt', step, this.credentialFor('stt', step.provider, this.credentials?.fromEnv(step.provider)));
  }

  tts(step: ProviderStep): TtsAdapter {
    return this.build('tts', step, this.credentialFor('tts', step.provider, this.credentials?.fromEnv(step.provider)));
  }

  /** The adapter for `step` in a call's space: the space's stored key first, then the server's. */
  async sttFor(step: ProviderStep, scope: SpeechScope): Promise<SttAdapter> {
    return this.build('stt', step, this.credentialFor('stt', step.provider, await this.resolveIfNeeded('stt', step.provider, scope)));
  }

  async ttsFor(step: ProviderStep, scope: SpeechScope): Promise<TtsAdapter> {
    return this.build('tts', step, this.credentialFor('tts', step.provider, await this.resolveIfNeeded('tts', step.provider, scope)));
  }

  vad(provider: string, options: Readonly<Record<string, unknown>> = {}): VadAdapter {
    return this.resolve(`vad:${provider}:${stableJson([options])}`, () => this.factory('vad', provider)(options));
  }

  /** Closes every adapter created so far. */
  async close(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.allSettled(all.map((a) => a.close()));
  }

  private async resolveIfNeeded(kind: 'stt' | 'tts', provider: string, scope: SpeechScope): Promise<ResolvedCredential | undefined> {
    if (!this.needsCredential[kind].has(provider)) return undefined;
    return this.credentials?.resolve(provider, scope.spaceId);
  }

  private credentialFor(kind: 'stt' | 'tts', provider: string, found: ResolvedCredential | undefined): ResolvedCredential | undefined {
    if (!this.needsCredential[kind].has(provider)) return undefined;
    if (found === undefined && this.factories[kind].has(provider)) {
      throw new SpeechError('unavailable', `no credential for "${provider}": store one with POST /v1/credentials or set the provider's key in the server environment`, {
        provider,
      });
    }
    return found;
  }

  private build<K extends 'stt' | 'tts'>(kind: K, step: ProviderStep, credential: ResolvedCredential | undefined): K extends 'stt' ? SttAdapter : TtsAdapter {
    const key = `${kind}:${step.provider}:${credential?.ref ?? '-'}:${stableJson([step.model, step.options])}`;
    const factory = this.factory(kind, step.provider) as SttFactory | TtsFactory;
    return this.resolve(key, () => factory(step, { credential })) as K extends 'stt' ? SttAdapter : TtsAdapter;
  }

  private factory<K extends Kind>(kind: K, provider: string): NonNullable<ReturnType<(typeof this.factories)[K]['get']>> {
    const f = this.factories[kind].get(provider);
    if (f === undefined) {
      const label = kind === 'stt' ? 'speech-to-text' : kind === 'tts' ? 'text-to-speech' : 'voice activity';
      throw new SpeechError('unsupported', `no ${label} provider "${provider}" is available`, { provider });
    }
    return f as NonNullable<ReturnType<(typeof this.factories)[K]['get']>>;
  }

  private resolve<T extends AnyAdapter>(key: string, create: () => T): T {
    const known = this.instances.get(key);
    if (known !== undefined) return known as T;
    const made = create();
    this.instances.set(key, made);
    return made;
  }
}

/** JSON with object keys sorted, so equal options give equal cache keys. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
