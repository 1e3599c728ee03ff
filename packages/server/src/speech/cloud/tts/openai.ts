import type { PcmChunk } from '../../contracts/audio.js';
import type { TtsCapabilities, TtsSegmentContext, TtsVoice } from '../../contracts/tts.js';
import { CloudTtsAdapter, type CloudTtsOptions } from './cloud-tts-adapter.js';
import { expectAudioBody, streamPcmBody, vendorFetch } from './http.js';

/** `response_format: "pcm"` is raw 24 kHz 16-bit signed little-endian mono, no header. */
const OPENAI_PCM_RATE_HZ = 24_000;

const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse'];

/** Options of {@link OpenAiTts}. */
export interface OpenAiTtsOptions extends CloudTtsOptions {
  /** `gpt-4o-mini-tts` (default), `tts-1`, `tts-1-hd`. */
  model?: string | undefined;
  /** Speaking instructions (not honoured by `tts-1` / `tts-1-hd`). */
  instructions?: string | undefined;
  /** 0.25 to 4.0; default 1. */
  speed?: number | undefined;
}

/**
 * OpenAI speech (`POST /v1/audio/speech`, bearer key). The response body is streamed as it
 * arrives; voices are multilingual, so any language is passed through to the model.
 */
export class OpenAiTts extends CloudTtsAdapter {
  readonly provider = 'openai';
  readonly capabilities: TtsCapabilities;
  private readonly model: string;
  private readonly instructions: string | undefined;
  private readonly speed: number | undefined;

  constructor(options: OpenAiTtsOptions) {
    super('openai', 'https://api.openai.com', { ...options, defaultVoice: options.defaultVoice ?? 'alloy' });
    this.model = options.model ?? 'gpt-4o-mini-tts';
    this.instructions = options.instructions;
    if (options.speed !== undefined && !(options.speed >= 0.25 && options.speed <= 4)) {
      throw new RangeError('openai: speed must be between 0.25 and 4');
    }
    this.speed = options.speed;
    const voices: TtsVoice[] = VOICES.map((id) => ({ id, language: 'en', gender: null, sampleRateHz: OPENAI_PCM_RATE_HZ }));
    this.capabilities = {
      streaming: true,
      segmentation: 'none',
      nativeSampleRatesHz: [OPENAI_PCM_RATE_HZ],
      voices,
      languages: ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'hi', 'ja', 'ko', 'zh', 'ar', 'ru', 'pl', 'tr'],
    };
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    const body: Record<string, unknown> = { model: this.model, input: text, voice: context.voice.id, response_format: 'pcm' };
    if (this.instructions !== undefined) body['instructions'] = this.instructions;
    if (this.speed !== undefined) body['speed'] = this.speed;
    const response = await vendorFetch({
      provider: this.provider,
      url: this.endpoint('/v1/audio/speech'),
      headers: { authorization: `Bearer ${this.apiKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: context.signal,
    });
    expectAudioBody(response, this.provider);
    yield* streamPcmBody(response, OPENAI_PCM_RATE_HZ, this.provider, context.signal);
  }
}
