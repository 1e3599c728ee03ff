import type { PcmChunk } from '../../contracts/audio.js';
import { SpeechError } from '../../contracts/errors.js';
import type { TtsCapabilities, TtsSegmentContext, TtsVoice } from '../../contracts/tts.js';
import { CloudTtsAdapter, type CloudTtsOptions } from './cloud-tts-adapter.js';
import { expectAudioBody, streamPcmBody, vendorFetch } from './http.js';

/** Raw (headerless) PCM output formats, by rate. */
const FORMATS: Record<number, string> = {
  8000: 'raw-8khz-16bit-mono-pcm',
  16_000: 'raw-16khz-16bit-mono-pcm',
  24_000: 'raw-24khz-16bit-mono-pcm',
  48_000: 'raw-48khz-16bit-mono-pcm',
};

const VOICES: [string, 'female' | 'male'][] = [
  ['en-US-JennyNeural', 'female'],
  ['en-US-AriaNeural', 'female'],
  ['en-US-AvaNeural', 'female'],
  ['en-US-GuyNeural', 'male'],
  ['en-US-AndrewNeural', 'male'],
  ['en-GB-SoniaNeural', 'female'],
  ['en-GB-RyanNeural', 'male'],
  ['en-IN-NeerjaNeural', 'female'],
  ['hi-IN-SwaraNeural', 'female'],
  ['hi-IN-MadhurNeural', 'male'],
  ['es-ES-ElviraNeural', 'female'],
  ['fr-FR-DeniseNeural', 'female'],
  ['de-DE-KatjaNeural', 'female'],
];

/** Options of {@link AzureTts}. */
export interface AzureTtsOptions extends CloudTtsOptions {
  /** Speech resource region (`eastus`, `westeurope`); builds the default base URL. */
  region?: string | undefined;
}

/**
 * Azure AI Speech text to speech REST (`POST https://<region>.tts.speech.microsoft.com/cognitiveservices/v1`)
 * with an SSML body, `Ocp-Apim-Subscription-Key` and `X-Microsoft-OutputFormat: raw-…-16bit-mono-pcm`.
 * The voice id is the Azure voice name; its locale becomes the SSML `xml:lang`.
 */
export class AzureTts extends CloudTtsAdapter {
  readonly provider = 'azure';
  readonly capabilities: TtsCapabilities = {
    streaming: true,
    segmentation: 'none',
    nativeSampleRatesHz: Object.keys(FORMATS).map(Number),
    voices: VOICES.map(([id, gender]): TtsVoice => ({ id, language: id.split('-').slice(0, 2).join('-').toLowerCase(), gender, sampleRateHz: 24_000 })),
    languages: ['en', 'en-us', 'en-gb', 'en-in', 'hi', 'hi-in', 'es', 'es-es', 'fr', 'fr-fr', 'de', 'de-de'],
  };

  constructor(options: AzureTtsOptions) {
    const region = options.region?.trim();
    if (options.baseUrl === undefined && (region === undefined || !/^[a-z0-9]+$/.test(region))) {
      throw new SpeechError('unavailable', 'azure needs a region (e.g. eastus): set AZURE_SPEECH_REGION or the step option region', { provider: 'azure' });
    }
    super('azure', `https://${region ?? 'invalid'}.tts.speech.microsoft.com`, { ...options, defaultVoice: options.defaultVoice ?? 'en-US-JennyNeural' });
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    const rate = this.pickSampleRate(context.requestedSampleRateHz);
    const locale = /^[a-z]{2,3}-[A-Za-z]{2,4}/.exec(context.voice.id)?.[0] ?? context.language;
    const response = await vendorFetch({
      provider: this.provider,
      url: this.endpoint('/cognitiveservices/v1'),
      headers: {
        'ocp-apim-subscription-key': this.apiKey(),
        'content-type': 'application/ssml+xml',
        'x-microsoft-outputformat': FORMATS[rate]!,
        'user-agent': 'unpod',
      },
      body: ssml(text, context.voice.id, locale),
      signal: context.signal,
    });
    expectAudioBody(response, this.provider);
    yield* streamPcmBody(response, rate, this.provider, context.signal);
  }
}

/** The SSML document for one segment; text and attributes are XML-escaped. */
export function ssml(text: string, voice: string, locale: string): string {
  return `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${xmlEscape(locale)}"><voice name="${xmlEscape(voice)}">${xmlEscape(text)}</voice></speak>`;
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
