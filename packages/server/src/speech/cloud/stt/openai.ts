import { SpeechError } from '../../contracts/errors.js';
import { SttAdapter } from '../../contracts/stt-adapter.js';
import type { SttAdapterOptions, SttCapabilities, SttEngineSession, SttSessionContext } from '../../contracts/stt.js';
import { malformedError } from '../errors.js';
import { jsonErrorMessage, readJson, vendorFetch, wavBlob } from '../http.js';
import { normalizeTranscript } from '../text.js';
import { openRealtimeSession, REALTIME_RATE_HZ } from './openai-realtime.js';
import { openUtteranceSession, type UtteranceRequest, type UtteranceResult } from '../utterance-session.js';

/** Options of {@link OpenAiStt}. */
export interface OpenAiSttOptions extends SttAdapterOptions {
  apiKey: string;
  /** API root including `/v1`; default `https://api.openai.com/v1`. Tests point it at the local fake. */
  baseUrl?: string | undefined;
  /** Default `gpt-4o-mini-transcribe`; `whisper-1` does not stream its answer. */
  model?: string | undefined;
  /**
   * Stream over the realtime transcription WebSocket (`/v1/realtime?intent=transcription`)
   * instead of one request per utterance: partials while the caller speaks, audio at 24 kHz.
   * Default false.
   */
  realtime?: boolean | undefined;
}

/** Models whose transcription answer can be streamed as `transcript.text.delta` events. */
const STREAMING_MODELS = /^gpt-4o(-mini)?-transcribe/;

const LANGUAGES = [
  'af', 'ar', 'hy', 'az', 'be', 'bs', 'bg', 'ca', 'zh', 'hr', 'cs', 'da', 'nl', 'en', 'et', 'fi', 'fr', 'gl', 'de', 'el', 'he',
  'hi', 'hu', 'is', 'id', 'it', 'ja', 'kn', 'kk', 'ko', 'lv', 'lt', 'mk', 'ms', 'mr', 'mi', 'ne', 'no', 'fa', 'pl', 'pt', 'ro',
  'ru', 'sr', 'sk', 'sl', 'es', 'sw', 'sv', 'tl', 'ta', 'th', 'tr', 'uk', 'ur', 'vi', 'cy',
];

/**
 * OpenAI speech-to-text through `POST /v1/audio/transcriptions`: each utterance is sent as a WAV
 * file in a multipart form once the caller stops speaking. With the `gpt-4o*-transcribe` models
 * the answer is streamed (`stream=true`): `transcript.text.delta` events become partials and
 * `transcript.text.done` the final. Hint phrases go into `prompt`. With `realtime: true` the
 * stream is one realtime transcription session over WebSocket instead (`openai-realtime.ts`).
 */
export class OpenAiStt extends SttAdapter {
  readonly provider = 'openai';
  readonly capabilities: SttCapabilities;
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly realtime: boolean;

  constructor(options: OpenAiSttOptions) {
    super({ ...options, model: options.model ?? 'gpt-4o-mini-transcribe' });
    this.apiKey = options.apiKey;
    this.baseUrl = (options.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    this.realtime = options.realtime ?? false;
    this.capabilities = {
      streaming: this.realtime,
      interimResults: this.realtime || STREAMING_MODELS.test(this.model ?? ''),
      nativeSampleRatesHz: this.realtime ? [REALTIME_RATE_HZ] : [8000, 16_000, 24_000, 48_000],
      languages: LANGUAGES,
      grammars: { phrases: true, jsgf: false },
      widebandModel: false,
    };
  }

  protected openSession(context: SttSessionContext): Promise<SttEngineSession> {
    if (this.realtime) return openRealtimeSession({ apiKey: this.apiKey, baseUrl: this.baseUrl, model: this.model ?? 'gpt-4o-mini-transcribe' }, context);
    return openUtteranceSession(context, { provider: this.provider, retry: this.options.retry, maxUtteranceSeconds: 300, transcribe: (request) => this.transcribe(request) });
  }

  private async transcribe(request: UtteranceRequest): Promise<UtteranceResult> {
    const model = this.model ?? 'gpt-4o-mini-transcribe';
    const stream = STREAMING_MODELS.test(model);
    const form = new FormData();
    form.set('file', wavBlob(request.samples, request.sampleRateHz), 'utterance.wav');
    form.set('model', model);
    form.set('language', request.language.split(/[-_]/)[0]!.toLowerCase());
    form.set('response_format', 'json');
    if (stream) form.set('stream', 'true');
    const phrases = request.hints?.phrases;
    if (phrases !== undefined && phrases.length > 0) form.set('prompt', `Expected: ${phrases.join(', ')}.`);
    const res = await vendorFetch(
      this.provider,
      `${this.baseUrl}/audio/transcriptions`,
      { method: 'POST', headers: { Authorization: `Bearer ${this.apiKey}` }, body: form, signal: request.signal },
      jsonErrorMessage,
    );
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('text/event-stream')) return this.readEvents(res, request);
    const body = await readJson(this.provider, res, request.signal);
    const text = (body as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw malformedError(this.provider, 'transcription (no "text")');
    return { text: normalizeTranscript(text), confidence: 0.5, words: [] };
  }

  /** Server-sent events: `transcript.text.delta` { delta } ... `transcript.text.done` { text }. */
  private async readEvents(res: Response, request: UtteranceRequest): Promise<UtteranceResult> {
    let heard = '';
    for await (const data of sseData(res, this.provider, request.signal)) {
      if (data === '[DONE]') break;
      let event: { type?: unknown; delta?: unknown; text?: unknown };
      try {
        event = JSON.parse(data) as typeof event;
      } catch {
        throw malformedError(this.provider, 'stream event (not JSON)');
      }
      if (event.type === 'transcript.text.delta' && typeof event.delta === 'string') {
        heard += event.delta;
        const partial = normalizeTranscript(heard);
        if (partial !== '') request.partial(partial);
      } else if (event.type === 'transcript.text.done') {
        if (typeof event.text !== 'string') throw malformedError(this.provider, 'transcript.text.done event (no "text")');
        return { text: normalizeTranscript(event.text), confidence: 0.5, words: [] };
      } else if (event.type === 'error') {
        throw new SpeechError('provider_error', `openai reported an error in the stream: ${jsonErrorMessage(data) ?? 'unknown'}`, { provider: this.provider });
      }
    }
    throw new SpeechError('unavailable', 'openai ended the transcription stream without transcript.text.done', { provider: this.provider, retryable: true });
  }
}

/** The `data:` payloads of a `text/event-stream` body, one per event. */
async function* sseData(res: Response, provider: string, signal: AbortSignal): AsyncGenerator<string> {
  if (res.body === null) return;
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
        const data = block
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data !== '') yield data;
      }
    }
  } catch (err) {
    if (signal.aborted) throw new SpeechError('aborted', 'operation was aborted', { provider, cause: err });
    throw new SpeechError('unavailable', `${provider} stream broke off`, { provider, retryable: true, cause: err });
  }
}
