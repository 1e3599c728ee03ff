import type { ProviderStep } from '@unpod/protocol';
import { SpeechError } from './contracts/errors.js';
import type { SttAdapter } from './contracts/stt-adapter.js';
import type { TtsAdapter } from './contracts/tts-adapter.js';
import type { VadAdapter } from './contracts/vad-adapter.js';

/** Builds an adapter for one provider step (its `model` and `options`). */
export type SttFactory = (step: ProviderStep) => SttAdapter;
export type TtsFactory = (step: ProviderStep) => TtsAdapter;
/** VAD is chosen by name (`silero`, `energy`) plus options; profiles carry no VAD chain. */
export type VadFactory = (options: Readonly<Record<string, unknown>>) => VadAdapter;

type Kind = 'stt' | 'tts' | 'vad';
type AnyAdapter = SttAdapter | TtsAdapter | VadAdapter;

/**
 * Maps a voice profile's provider steps to adapter instances. Providers are registered by name;
 * an unknown name fails with `unsupported` (cloud providers are simply not registered until they
 * exist). Adapters are cached per provider, model and options, so every call using the same step
 * shares one engine (one decoder pool, one model session).
 */
export class SpeechRegistry {
  private readonly factories = { stt: new Map<string, SttFactory>(), tts: new Map<string, TtsFactory>(), vad: new Map<string, VadFactory>() };
  private readonly instances = new Map<string, AnyAdapter>();

  registerStt(provider: string, factory: SttFactory): this {
    this.factories.stt.set(provider, factory);
    return this;
  }

  registerTts(provider: string, factory: TtsFactory): this {
    this.factories.tts.set(provider, factory);
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

  stt(step: ProviderStep): SttAdapter {
    return this.resolve('stt', step.provider, [step.model, step.options], () => this.factory('stt', step.provider)(step));
  }

  tts(step: ProviderStep): TtsAdapter {
    return this.resolve('tts', step.provider, [step.model, step.options], () => this.factory('tts', step.provider)(step));
  }

  vad(provider: string, options: Readonly<Record<string, unknown>> = {}): VadAdapter {
    return this.resolve('vad', provider, [options], () => this.factory('vad', provider)(options));
  }

  /** Closes every adapter created so far. */
  async close(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.allSettled(all.map((a) => a.close()));
  }

  private factory<K extends Kind>(kind: K, provider: string): NonNullable<ReturnType<(typeof this.factories)[K]['get']>> {
    const f = this.factories[kind].get(provider);
    if (f === undefined) {
      const label = kind === 'stt' ? 'speech-to-text' : kind === 'tts' ? 'text-to-speech' : 'voice activity';
      throw new SpeechError('unsupported', `no ${label} provider "${provider}" is available`, { provider });
    }
    return f as NonNullable<ReturnType<(typeof this.factories)[K]['get']>>;
  }

  private resolve<T extends AnyAdapter>(kind: Kind, provider: string, config: unknown[], create: () => T): T {
    const key = `${kind}:${provider}:${stableJson(config)}`;
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
