import { SpeechError } from '../../contracts/errors.js';
import { TtsAdapter } from '../../contracts/tts-adapter.js';
import type { TtsAdapterOptions, TtsSynthesizeOptions, TtsVoice } from '../../contracts/tts.js';

/** Options every cloud TTS adapter takes. */
export interface CloudTtsOptions extends TtsAdapterOptions {
  /**
   * The vendor API key, or a function returning the current one (read before every request, so a
   * rotated or revoked credential takes effect without rebuilding the adapter).
   */
  apiKey: string | (() => string | undefined);
  /** API origin (scheme, host, optional path prefix), e.g. a local fake in tests. */
  baseUrl?: string | undefined;
  /**
   * Rate to ask the vendor for. Default: the requested rate when the vendor offers it, else the
   * nearest higher one (the base resamples the rest).
   */
  sampleRateHz?: number | undefined;
  /** Language of voices named by id only (custom voice ids), BCP-47. Default `en`. */
  language?: string | undefined;
}

/**
 * Shared behaviour of the cloud vendors: option validation, output rate choice and voices. Vendor
 * voice catalogs are open (cloned voices, thousands of ids), so a voice id the built-in list does
 * not name is accepted as is and the vendor judges it (an unknown id fails with `unsupported`).
 */
export abstract class CloudTtsAdapter extends TtsAdapter {
  private readonly keySource: string | (() => string | undefined);
  protected readonly baseUrl: URL;
  protected readonly fixedSampleRateHz: number | undefined;
  protected readonly customVoiceLanguage: string;

  constructor(provider: string, defaultBaseUrl: string, options: CloudTtsOptions) {
    super(options);
    if (typeof options.apiKey === 'string') {
      if (options.apiKey.trim().length === 0) throw new SpeechError('unavailable', `no API key for ${provider}`, { provider });
      this.keySource = options.apiKey.trim();
    } else if (typeof options.apiKey === 'function') {
      this.keySource = options.apiKey;
    } else {
      throw new SpeechError('unavailable', `no API key for ${provider}`, { provider });
    }
    this.baseUrl = parseBaseUrl(options.baseUrl ?? defaultBaseUrl, provider);
    if (options.sampleRateHz !== undefined && !Number.isInteger(options.sampleRateHz)) {
      throw new SpeechError('unsupported', `${provider}: sampleRateHz must be an integer`, { provider });
    }
    this.fixedSampleRateHz = options.sampleRateHz;
    this.customVoiceLanguage = (options.language ?? 'en').toLowerCase();
  }

  /** The key for the next request; `unavailable` when it is gone. */
  protected apiKey(): string {
    const key = typeof this.keySource === 'string' ? this.keySource : this.keySource()?.trim();
    if (key === undefined || key.length === 0) throw new SpeechError('unavailable', `no API key for ${this.provider}`, { provider: this.provider });
    return key;
  }

  /** Built-in voices, or a custom id accepted as is (see the class comment). */
  override resolveVoice(options: Pick<TtsSynthesizeOptions, 'voice' | 'language'>): TtsVoice {
    const wanted = options.voice ?? this.defaultVoice;
    if (wanted !== undefined && wanted !== null) {
      const known = this.capabilities.voices.find((v) => v.id.toLowerCase() === wanted.toLowerCase());
      if (known !== undefined) return known;
      if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(wanted)) {
        throw new SpeechError('unsupported', `${this.provider} voice id "${wanted.slice(0, 40)}" is not well formed`, { provider: this.provider });
      }
      const language = options.language?.toLowerCase() ?? this.customVoiceLanguage;
      return { id: wanted, language, gender: null, sampleRateHz: this.pickSampleRate(undefined) };
    }
    return super.resolveVoice(options);
  }

  /** The rate to request from the vendor for a call that asked for `requestedHz`. */
  protected pickSampleRate(requestedHz: number | undefined): number {
    const rates = [...this.capabilities.nativeSampleRatesHz].sort((a, b) => a - b);
    if (this.fixedSampleRateHz !== undefined) {
      if (!rates.includes(this.fixedSampleRateHz)) {
        throw new SpeechError('unsupported', `${this.provider} cannot render ${this.fixedSampleRateHz} Hz (offers ${rates.join(', ')})`, { provider: this.provider });
      }
      return this.fixedSampleRateHz;
    }
    if (requestedHz === undefined) return rates[rates.length - 1]!;
    return rates.find((r) => r >= requestedHz) ?? rates[rates.length - 1]!;
  }

  /** `path` resolved against the base URL, keeping any path prefix the base has. */
  protected endpoint(path: string, query: Record<string, string> = {}, protocol?: 'ws'): URL {
    const base = new URL(this.baseUrl.href.endsWith('/') ? this.baseUrl.href : `${this.baseUrl.href}/`);
    const url = new URL(path.replace(/^\//, ''), base);
    if (protocol === 'ws') url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }
}

function parseBaseUrl(value: string, provider: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SpeechError('unsupported', `${provider}: baseUrl "${value}" is not a URL`, { provider });
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new SpeechError('unsupported', `${provider}: baseUrl must be http(s) or ws(s), got ${url.protocol}`, { provider });
  }
  return url;
}
