import type { PcmChunk } from '../../contracts/audio.js';
import type { TtsCapabilities, TtsSegmentContext, TtsVoice } from '../../contracts/tts.js';
import { throwIfAborted } from '../../util/abort.js';
import { CloudTtsAdapter, type CloudTtsOptions } from './cloud-tts-adapter.js';
import { connectionError, malformed } from './errors.js';
import { vendorFetch } from './http.js';
import { decodeBase64Audio, pcmFromWav } from './pcm.js';

const RATES_HZ = [8000, 16_000, 22_050, 24_000, 44_100, 48_000];

const VOICES: [string, 'female' | 'male'][] = [
  ['en-US-Neural2-F', 'female'],
  ['en-US-Neural2-C', 'female'],
  ['en-US-Neural2-D', 'male'],
  ['en-US-Neural2-J', 'male'],
  ['en-GB-Neural2-A', 'female'],
  ['en-GB-Neural2-B', 'male'],
  ['en-IN-Neural2-A', 'female'],
  ['hi-IN-Neural2-A', 'female'],
  ['hi-IN-Neural2-B', 'male'],
  ['es-ES-Neural2-A', 'female'],
  ['fr-FR-Neural2-A', 'female'],
  ['de-DE-Neural2-A', 'female'],
];

/**
 * Google Cloud Text-to-Speech (`POST /v1/text:synthesize`, API key in `X-Goog-Api-Key`). The
 * response is one JSON document whose base64 `audioContent` is LINEAR16 with a WAV header, so the
 * base feeds it sentence by sentence and the header is stripped here.
 */
export class GoogleTts extends CloudTtsAdapter {
  readonly provider = 'google';
  readonly capabilities: TtsCapabilities = {
    streaming: false,
    segmentation: 'sentence',
    nativeSampleRatesHz: RATES_HZ,
    voices: VOICES.map(([id, gender]): TtsVoice => ({ id, language: id.split('-').slice(0, 2).join('-').toLowerCase(), gender, sampleRateHz: 24_000 })),
    languages: ['en', 'en-us', 'en-gb', 'en-in', 'hi', 'hi-in', 'es', 'es-es', 'fr', 'fr-fr', 'de', 'de-de'],
  };

  constructor(options: CloudTtsOptions) {
    super('google', 'https://texttospeech.googleapis.com', { ...options, defaultVoice: options.defaultVoice ?? 'en-US-Neural2-F' });
  }

  protected async *synthesizeSegment(text: string, context: TtsSegmentContext): AsyncIterable<PcmChunk> {
    const rate = this.pickSampleRate(context.requestedSampleRateHz);
    const languageCode = /^[a-z]{2,3}-[A-Za-z]{2,4}/.exec(context.voice.id)?.[0] ?? context.language;
    const response = await vendorFetch({
      provider: this.provider,
      url: this.endpoint('/v1/text:synthesize'),
      headers: { 'x-goog-api-key': this.apiKey(), 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        input: { text },
        voice: { languageCode, name: context.voice.id },
        audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: rate },
      }),
      signal: context.signal,
    });
    let body: string;
    try {
      body = await response.text();
    } catch (err) {
      // The connection dropped while the document was arriving: worth another attempt.
      throwIfAborted(context.signal, this.provider);
      throw connectionError(this.provider, err);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw malformed(this.provider, 'body is not JSON');
    }
    const content = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)['audioContent'] : undefined;
    if (content === undefined) throw malformed(this.provider, 'no audioContent');
    const wav = pcmFromWav(decodeBase64Audio(content, this.provider, 'audioContent'), this.provider);
    yield wav;
  }
}
