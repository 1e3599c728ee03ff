import { SttAdapter } from '../../contracts/stt-adapter.js';
import type { SttAdapterOptions, SttCapabilities, SttEngineSession, SttSessionContext, SttWord } from '../../contracts/stt.js';
import { malformedError } from '../errors.js';
import { jsonErrorMessage, readJson, vendorFetch } from '../http.js';
import { confidenceOf, normalizeTranscript, normalizeWords } from '../text.js';
import { openUtteranceSession, type UtteranceRequest, type UtteranceResult } from '../utterance-session.js';
import { GoogleGrpcClient, grpcClientAvailable, openGoogleStreamingSession } from './google-streaming.js';

/** Options of {@link GoogleStt}: an API key (`key=`) or an OAuth access token (bearer). */
export interface GoogleSttOptions extends SttAdapterOptions {
  apiKey?: string | undefined;
  accessToken?: string | undefined;
  /** API root; default `https://speech.googleapis.com`. Tests point it at the local fake. */
  baseUrl?: string | undefined;
  /** Recognition model (`latest_short`, `phone_call`...); default: the API's default. */
  model?: string | undefined;
  /**
   * `true`: streaming recognition over gRPC (`StreamingRecognize`, partials while the caller
   * speaks); `false`: one REST `speech:recognize` request per utterance. Default: `true` when
   * the gRPC client (`@google-cloud/speech`) is installed.
   */
  streaming?: boolean | undefined;
  /**
   * gRPC root for streaming; default `https://speech.googleapis.com` (TLS, port 443). An
   * `http://host:port` URL uses an insecure channel: tests point it at the local gRPC fake.
   */
  grpcUrl?: string | undefined;
}

const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'hi', 'ja', 'ko', 'zh', 'ru', 'tr', 'pl', 'sv', 'da', 'nb', 'fi', 'id', 'uk', 'vi', 'ar', 'he', 'th', 'cs', 'el', 'hu', 'ro'];

/**
 * Google Cloud Speech-to-Text v1, in one of two modes:
 *
 * - **streaming** (the default when `@google-cloud/speech` is installed): gRPC
 *   `google.cloud.speech.v1.Speech/StreamingRecognize`, one call per utterance (Google limits a
 *   stream to about five minutes). The first request is the `streamingConfig` (`LINEAR16`, the
 *   rate, the language, `interimResults: true`, `singleUtterance: false`, hint phrases as
 *   `speechContexts`), then audio goes out as it is pushed; interim results are partials, and
 *   `flush()` half-closes the call so Google sends the remaining `isFinal` results, which make
 *   the final. The key travels as `x-goog-api-key` metadata, a token as `authorization: Bearer`.
 * - **REST** (`streaming: false`): `speech:recognize`, one request per utterance (`LINEAR16`,
 *   base64 `audio.content`), finals only, retried within the `retry` policy.
 *
 * gRPC statuses map like HTTP ones: UNAUTHENTICATED / PERMISSION_DENIED are non-retryable
 * `provider_error`s, RESOURCE_EXHAUSTED / UNAVAILABLE / DEADLINE_EXCEEDED retryable `unavailable`,
 * INVALID_ARGUMENT `bad_audio` (about the audio) or `provider_error`.
 */
export class GoogleStt extends SttAdapter {
  readonly provider = 'google';
  readonly capabilities: SttCapabilities;
  /** True in streaming (gRPC) mode. */
  readonly streaming: boolean;
  private readonly grpc: GoogleGrpcClient | null;
  private readonly baseUrl: string;

  constructor(private readonly settings: GoogleSttOptions) {
    super({ ...settings, model: settings.model ?? null });
    this.baseUrl = (settings.baseUrl ?? 'https://speech.googleapis.com').replace(/\/+$/, '');
    this.streaming = settings.streaming ?? grpcClientAvailable();
    this.grpc = this.streaming
      ? new GoogleGrpcClient({ url: settings.grpcUrl ?? 'https://speech.googleapis.com', apiKey: settings.apiKey, accessToken: settings.accessToken, model: this.model })
      : null;
    this.capabilities = {
      streaming: this.streaming,
      interimResults: this.streaming,
      nativeSampleRatesHz: [8000, 16_000, 48_000],
      languages: LANGUAGES,
      grammars: { phrases: true, jsgf: false },
      widebandModel: false,
    };
  }

  protected openSession(context: SttSessionContext): Promise<SttEngineSession> {
    if (this.grpc !== null) return openGoogleStreamingSession(this.grpc, context);
    return openUtteranceSession(context, { provider: this.provider, retry: this.options.retry, maxUtteranceSeconds: 60, transcribe: (request) => this.transcribe(request) });
  }

  /** Closes the gRPC channel (streaming mode); streams still open fail. */
  override async close(): Promise<void> {
    await this.grpc?.close();
  }

  private async transcribe(request: UtteranceRequest): Promise<UtteranceResult> {
    const config: Record<string, unknown> = {
      encoding: 'LINEAR16',
      sampleRateHertz: request.sampleRateHz,
      audioChannelCount: 1,
      languageCode: request.language,
      enableWordTimeOffsets: true,
    };
    if (this.model !== null) config['model'] = this.model;
    const phrases = request.hints?.phrases;
    if (phrases !== undefined && phrases.length > 0) config['speechContexts'] = [{ phrases: [...phrases] }];
    const bytes = Buffer.from(request.samples.buffer, request.samples.byteOffset, request.samples.byteLength);
    const url = new URL(`${this.baseUrl}/v1/speech:recognize`);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.settings.accessToken) headers['Authorization'] = `Bearer ${this.settings.accessToken}`;
    else if (this.settings.apiKey) url.searchParams.set('key', this.settings.apiKey);
    const res = await vendorFetch(
      this.provider,
      url.toString(),
      { method: 'POST', headers, body: JSON.stringify({ config, audio: { content: bytes.toString('base64') } }), signal: request.signal },
      jsonErrorMessage,
    );
    return parseRecognizeResponse(await readJson(this.provider, res, request.signal));
  }
}

/**
 * `RecognizeResponse`: `results[]`, each with `alternatives[]` (best first) of `transcript`,
 * `confidence` and `words[]` (`startTime` / `endTime` as `"1.300s"`). No speech: no `results`.
 */
export function parseRecognizeResponse(body: unknown): UtteranceResult {
  if (body === null || typeof body !== 'object') throw malformedError('google', 'recognize response');
  const results = (body as { results?: unknown }).results;
  if (results === undefined) return { text: '', confidence: 0, words: [] };
  if (!Array.isArray(results)) throw malformedError('google', 'recognize response ("results" is not a list)');
  const texts: string[] = [];
  const confidences: number[] = [];
  const words: SttWord[] = [];
  for (const r of results as { alternatives?: unknown }[]) {
    const alt = Array.isArray(r?.alternatives) ? (r.alternatives[0] as { transcript?: unknown; confidence?: unknown; words?: unknown } | undefined) : undefined;
    if (alt === undefined) continue;
    if (typeof alt.transcript !== 'string') throw malformedError('google', 'recognition alternative (no "transcript")');
    texts.push(alt.transcript);
    confidences.push(confidenceOf(alt.confidence, 0));
    if (Array.isArray(alt.words)) {
      for (const w of alt.words as { word?: unknown; startTime?: unknown; endTime?: unknown }[]) {
        words.push({ word: typeof w.word === 'string' ? w.word : '', startMs: durationMs(w.startTime), endMs: durationMs(w.endTime), confidence: confidenceOf(alt.confidence) });
      }
    }
  }
  const confidence = confidences.length === 0 ? 0 : confidences.reduce((a, b) => a + b, 0) / confidences.length;
  return { text: normalizeTranscript(texts.join(' ')), confidence, words: normalizeWords(words) };
}

/** A protobuf JSON `Duration` (`"1.300s"`) in ms. */
function durationMs(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(value);
  return m ? Number(m[1]) * 1000 : 0;
}
