import { SpeechError } from '../../contracts/errors.js';
import { SttAdapter } from '../../contracts/stt-adapter.js';
import type { SttAdapterOptions, SttCapabilities, SttEngineSession, SttSessionContext } from '../../contracts/stt.js';
import { malformedError } from '../errors.js';
import { readJson, vendorFetch, wavBlob } from '../http.js';
import { confidenceOf, normalizeTranscript } from '../text.js';
import { openUtteranceSession, type UtteranceRequest, type UtteranceResult } from '../utterance-session.js';

/** Options of {@link AzureStt}: the Speech resource key and its region (or a base URL). */
export interface AzureSttOptions extends SttAdapterOptions {
  apiKey: string;
  /** Region of the Speech resource (`westeurope`); gives `https://<region>.stt.speech.microsoft.com`. */
  region?: string | undefined;
  /** Overrides the region's endpoint root. Tests point it at the local fake. */
  baseUrl?: string | undefined;
}

const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'hi', 'ja', 'ko', 'zh', 'ru', 'tr', 'pl', 'sv', 'da', 'nb', 'fi', 'id', 'uk', 'vi', 'ar', 'he', 'th', 'cs', 'el', 'hu', 'ro'];

/** `RecognitionStatus` values that mean "nothing was said": an empty final, not an error. */
const NO_SPEECH = new Set(['NoMatch', 'InitialSilenceTimeout', 'BabbleTimeout']);

/**
 * Azure AI Speech through the REST API for short audio: each utterance (at most 60 s) is
 * posted as 16 kHz PCM WAV to `/speech/recognition/conversation/cognitiveservices/v1` with
 * `format=detailed`; the lexical form of the best `NBest` entry is the final. That API returns
 * final results only, so there are no partials.
 */
export class AzureStt extends SttAdapter {
  readonly provider = 'azure';
  readonly capabilities: SttCapabilities = {
    streaming: false,
    interimResults: false,
    nativeSampleRatesHz: [16_000],
    languages: LANGUAGES,
    grammars: { phrases: false, jsgf: false },
    widebandModel: false,
  };
  private readonly apiKey: string;
  private readonly baseUrl: string;

  constructor(options: AzureSttOptions) {
    super(options);
    this.apiKey = options.apiKey;
    if (options.baseUrl === undefined && (options.region === undefined || !/^[a-z0-9-]{2,40}$/.test(options.region))) {
      throw new SpeechError('unavailable', 'azure needs the Speech resource region (AZURE_SPEECH_REGION or the credential\'s "region")', { provider: 'azure' });
    }
    this.baseUrl = (options.baseUrl ?? `https://${options.region!}.stt.speech.microsoft.com`).replace(/\/+$/, '');
  }

  protected openSession(context: SttSessionContext): Promise<SttEngineSession> {
    return openUtteranceSession(context, { provider: this.provider, retry: this.options.retry, maxUtteranceSeconds: 60, transcribe: (request) => this.transcribe(request) });
  }

  private async transcribe(request: UtteranceRequest): Promise<UtteranceResult> {
    const url = new URL(`${this.baseUrl}/speech/recognition/conversation/cognitiveservices/v1`);
    url.searchParams.set('language', request.language);
    url.searchParams.set('format', 'detailed');
    const res = await vendorFetch(
      this.provider,
      url.toString(),
      {
        method: 'POST',
        headers: {
          'Ocp-Apim-Subscription-Key': this.apiKey,
          'Content-Type': `audio/wav; codecs=audio/pcm; samplerate=${request.sampleRateHz}`,
          Accept: 'application/json',
        },
        body: wavBlob(request.samples, request.sampleRateHz),
        signal: request.signal,
      },
      (body) => body || undefined,
    );
    return parseShortAudioResponse(await readJson(this.provider, res, request.signal));
  }
}

/**
 * The short-audio answer: `RecognitionStatus` plus, with `format=detailed`, `NBest[]` of
 * `Confidence`, `Lexical`, `ITN`, `Display` (with `format=simple`, `DisplayText`).
 */
export function parseShortAudioResponse(body: unknown): UtteranceResult {
  if (body === null || typeof body !== 'object') throw malformedError('azure', 'recognition response');
  const b = body as { RecognitionStatus?: unknown; NBest?: unknown; DisplayText?: unknown };
  if (typeof b.RecognitionStatus !== 'string') throw malformedError('azure', 'recognition response (no "RecognitionStatus")');
  if (NO_SPEECH.has(b.RecognitionStatus)) return { text: '', confidence: 0, words: [] };
  if (b.RecognitionStatus !== 'Success') {
    throw new SpeechError('unavailable', `azure recognition failed (RecognitionStatus ${b.RecognitionStatus.slice(0, 40)})`, { provider: 'azure', retryable: true });
  }
  const best = Array.isArray(b.NBest) ? (b.NBest[0] as { Lexical?: unknown; Display?: unknown; Confidence?: unknown } | undefined) : undefined;
  const text = typeof best?.Lexical === 'string' ? best.Lexical : typeof best?.Display === 'string' ? best.Display : b.DisplayText;
  if (typeof text !== 'string') throw malformedError('azure', 'recognition response (no NBest[0].Lexical or DisplayText)');
  return { text: normalizeTranscript(text), confidence: confidenceOf(best?.Confidence), words: [] };
}
