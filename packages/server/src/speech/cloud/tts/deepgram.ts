import type { PcmChunk } from '../../contracts/audio.js';
import type { TtsCapabilities, TtsSegmentContext, TtsVoice } from '../../contracts/tts.js';
import { CloudTtsAdapter, type CloudTtsOptions } from './cloud-tts-adapter.js';
import { expectAudioBody, streamPcmBody, vendorFetch } from './http.js';

/** Rates Deepgram documents for `encoding=linear16`. */
const RATES_HZ = [8000, 16_000, 24_000, 32_000, 48_000];

const VOICES: [string, string, 'female' | 'male'][] = [
  ['aura-2-thalia-en', 'en-us', 'female'],
  ['aura-2-andromeda-en', 'en-us', 'female'],
  ['aura-2-helena-en', 'en-us', 'female'],
  ['aura-2-apollo-en', 'en-us', 'male'],
  ['aura-2-arcas-en', 'en-us', 'male'],
  ['aura-2-orion-en', 'en-us', 'male'],
  ['aura-asteria-en', 'en-us', 'female'],
  ['aura-luna-en', 'en-us', 'female'],
  ['aura-orion-en', 'en-us', 'male'],
  ['aura-2-celeste-es', 'es', 'female'],
  ['aura-2-nestor-es', 'es', 'male'],
];

/**
 * Deepgram Aura (`POST /v1/speak?model=…&encoding=linear16&sample_rate=…&container=none`,
 * `Authorization: Token <key>`). The voice id is the Aura model name. `container=none` asks for
 * headerless samples (linear16 otherwise comes wrapped in WAV).
 */
export class DeepgramTts extends CloudTtsAdapter {
  readonly provider = 'deepgram';
  readonly capabilities: TtsCapabilities = {
    streaming: true,
    segmentation: 'none',
    nativeSampleRatesHz: RATES_HZ,
    voices: VOICES.map(([id, language, gender]): TtsVoice => ({ id, language, gender, sampleRateHz: 24_000 })),
    languages: ['en', 'en-us', 'es'],
  };

  constructor(options: CloudTtsOptions) {
    super('deepgram', 'https://api.deepgram.com', { ...options, defaultVoice: options.defaultVoice ?? 'aura-2-thalia-en' });
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    const rate = this.pickSampleRate(context.requestedSampleRateHz);
    const response = await vendorFetch({
      provider: this.provider,
      url: this.endpoint('/v1/speak', { model: context.voice.id, encoding: 'linear16', sample_rate: String(rate), container: 'none' }),
      headers: { authorization: `Token ${this.apiKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: context.signal,
    });
    expectAudioBody(response, this.provider);
    yield* streamPcmBody(response, rate, this.provider, context.signal);
  }
}
