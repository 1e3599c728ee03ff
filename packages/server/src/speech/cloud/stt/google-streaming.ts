import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { SpeechError, abortedError } from '../../contracts/errors.js';
import type { SttEngineSession, SttHints, SttSessionContext, SttWord } from '../../contracts/stt.js';
import { malformedError } from '../errors.js';
import { confidenceOf, normalizeTranscript, normalizeWords } from '../text.js';

/** Where and how to reach `google.cloud.speech.v1.Speech` over gRPC. */
export interface GoogleGrpcTarget {
  /** `https://host[:port]` (TLS, default port 443) or `http://host:port` (insecure channel, the local fake). */
  url: string;
  apiKey?: string | undefined;
  accessToken?: string | undefined;
  /** Recognition model; `null`: the API's default. */
  model: string | null;
}

/** True when `@google-cloud/speech` (the gRPC client) can be loaded; checked without loading it. */
export function grpcClientAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('@google-cloud/speech');
    return true;
  } catch {
    return false;
  }
}

/** The part of the client library's bidi stream (`gax.CancellableStream`) this module uses. */
interface RecognizeCall extends EventEmitter {
  write(request: unknown): boolean;
  end(): void;
  cancel(): void;
}

interface SpeechClientLike {
  _streamingRecognize(options?: { otherArgs?: { headers?: Record<string, string> } }): RecognizeCall;
  close(): Promise<void>;
}

/**
 * One `SpeechClient` (one gRPC channel) per adapter, created on first use: the library is large
 * and is loaded only when a streaming session opens. Calls carry the API key as
 * `x-goog-api-key` metadata or the token as `authorization: Bearer`; the channel itself uses
 * plain TLS (or no TLS for `http:`), so the library never looks for Application Default
 * Credentials.
 */
export class GoogleGrpcClient {
  private client: Promise<SpeechClientLike> | undefined;

  constructor(private readonly target: GoogleGrpcTarget) {}

  get model(): string | null {
    return this.target.model;
  }

  /** The metadata of every call, and the secret to scrub from any message. */
  get auth(): { headers: Record<string, string>; secret: string | undefined } {
    if (this.target.accessToken) return { headers: { authorization: `Bearer ${this.target.accessToken}` }, secret: this.target.accessToken };
    if (this.target.apiKey) return { headers: { 'x-goog-api-key': this.target.apiKey }, secret: this.target.apiKey };
    return { headers: {}, secret: undefined };
  }

  connect(): Promise<SpeechClientLike> {
    this.client ??= this.create();
    return this.client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.then((c) => c.close()).catch(() => undefined);
  }

  private async create(): Promise<SpeechClientLike> {
    const url = new URL(this.target.url);
    const secure = url.protocol !== 'http:';
    const speech = await import('@google-cloud/speech');
    // The channel credentials must come from the gRPC module the client library itself uses.
    type Options = NonNullable<ConstructorParameters<typeof speech.v1.SpeechClient>[0]>;
    const { grpc } = createRequire(createRequire(import.meta.url).resolve('@google-cloud/speech'))('google-gax') as {
      grpc: { credentials: { createSsl(): Options['sslCreds']; createInsecure(): Options['sslCreds'] } };
    };
    const client = new speech.v1.SpeechClient({
      apiEndpoint: url.hostname,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      sslCreds: secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
      fallback: false,
      // Named here, so the library does not ask Application Default Credentials (which probe the
      // GCE metadata server) for the universe domain.
      universeDomain: 'googleapis.com',
    });
    return client as unknown as SpeechClientLike;
  }
}

/** Opens the streaming engine session: nothing goes on the wire until the first audio. */
export async function openGoogleStreamingSession(client: GoogleGrpcClient, context: SttSessionContext): Promise<SttEngineSession> {
  if (context.signal.aborted) throw abortedError('google', context.signal);
  try {
    await client.connect();
  } catch (err) {
    throw new SpeechError('unavailable', `google: the gRPC client could not start: ${err instanceof Error ? err.message : String(err)}`, { provider: 'google', cause: err });
  }
  return new GoogleStreamingSession(client, context);
}

/** Audio bytes per `StreamingRecognizeRequest` (the quota is 25 KB), even so a sample is never split. */
const MAX_AUDIO_BYTES = 16_000;

interface Segment {
  text: string;
  confidence: number;
  words: SttWord[];
}

/** One `StreamingRecognize` call: one utterance. */
interface Utterance {
  call: RecognizeCall;
  /** Where the utterance starts on the stream's timeline (ms): Google's offsets count from the call's first audio. */
  offsetMs: number;
  segments: Segment[];
  halfClosed: boolean;
  /** An interim result came after the last final one: Google heard speech it has not settled yet. */
  unsettledInterim: boolean;
  settled: boolean;
  /** Resolves with the final (or the error) once the call is over. */
  done: Promise<{ final: Segment & { endMs: number } } | { error: SpeechError }>;
}

/**
 * Streaming recognition, one `StreamingRecognize` call per utterance (Google caps a stream at
 * about five minutes of audio): the first request carries the `streamingConfig` (`LINEAR16`, the
 * rate, the language, `interimResults: true`, `singleUtterance: false`, hint phrases as
 * `speechContexts`), then every `write` sends its samples as `audioContent`. Interim results
 * become partials; `endUtterance` half-closes the call, Google answers with the remaining
 * `isFinal` results and ends the call, and the utterance's final is every `isFinal` segment
 * joined. Finals come out in utterance order; a failed call fails the stream.
 */
class GoogleStreamingSession implements SttEngineSession {
  private current: Utterance | null = null;
  private readonly live = new Set<Utterance>();
  private hints: SttHints | undefined;
  private writtenSamples = 0;
  private finals: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onAbort = (): void => void this.close();

  constructor(
    private readonly client: GoogleGrpcClient,
    private readonly context: SttSessionContext,
  ) {
    this.hints = context.hints;
    context.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  async write(samples: Int16Array): Promise<void> {
    if (this.closed) throw abortedError('google', this.context.signal);
    if (samples.length === 0) return;
    const utt = this.current ?? (this.current = await this.start());
    if (utt.settled) throw this.lostError();
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    // Google limits each request in the stream to 25 KB of audio.
    for (let at = 0; at < bytes.length; at += MAX_AUDIO_BYTES) utt.call.write({ audioContent: bytes.subarray(at, at + MAX_AUDIO_BYTES) });
    this.writtenSamples += samples.length;
  }

  endUtterance(): void {
    const utt = this.current;
    this.current = null;
    if (utt === null) {
      // Nothing was sent for this utterance: nothing was said.
      this.finals = this.finals.then(() => {
        if (!this.closed) this.context.sink.final({ text: '', confidence: 0, startMs: this.timelineMs(), endMs: this.timelineMs(), words: [], source: 'open' });
      });
      return;
    }
    if (utt.settled) throw this.lostError();
    utt.halfClosed = true;
    utt.call.end();
    this.finals = this.finals.then(async () => {
      const outcome = await utt.done;
      if (this.closed) return;
      if ('error' in outcome) return this.context.sink.fail(outcome.error);
      this.context.sink.final({ ...outcome.final, startMs: utt.offsetMs, source: 'open' });
    });
  }

  setHints(hints: SttHints | undefined): void {
    this.hints = hints;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.context.signal.removeEventListener('abort', this.onAbort);
    for (const utt of this.live) {
      if (!utt.settled) utt.call.cancel();
    }
    this.live.clear();
    this.current = null;
  }

  private timelineMs(): number {
    return (this.writtenSamples / this.context.sampleRateHz) * 1000;
  }

  private async start(): Promise<Utterance> {
    const speech = await this.client.connect();
    if (this.closed) throw abortedError('google', this.context.signal);
    const { headers, secret } = this.client.auth;
    const call = speech._streamingRecognize({ otherArgs: { headers } });
    const config: Record<string, unknown> = {
      encoding: 'LINEAR16',
      sampleRateHertz: this.context.sampleRateHz,
      audioChannelCount: 1,
      languageCode: this.context.language,
      enableWordTimeOffsets: true,
    };
    if (this.client.model !== null) config['model'] = this.client.model;
    const phrases = this.hints?.phrases;
    if (phrases !== undefined && phrases.length > 0) config['speechContexts'] = [{ phrases: [...phrases] }];

    let settle!: (outcome: Awaited<Utterance['done']>) => void;
    const utt: Utterance = {
      call,
      offsetMs: this.timelineMs(),
      segments: [],
      halfClosed: false,
      unsettledInterim: false,
      settled: false,
      done: new Promise((resolve) => (settle = resolve)),
    };
    this.live.add(utt);
    const finish = (outcome: Awaited<Utterance['done']>): void => {
      if (utt.settled) return;
      utt.settled = true;
      this.live.delete(utt);
      settle(outcome);
      // Before the half-close nobody awaits `done`: report the failure right away.
      if (!utt.halfClosed && !this.closed && 'error' in outcome) this.context.sink.fail(outcome.error);
    };
    call.on('data', (response: unknown) => {
      if (utt.settled || this.closed) return;
      const error = this.onResponse(utt, response);
      if (error) {
        finish({ error });
        call.cancel();
      }
    });
    call.on('error', (err: unknown) => {
      if (this.closed) return finish({ error: abortedError('google', this.context.signal) });
      finish({ error: grpcError(err, secret) });
    });
    call.on('end', () => {
      if (!utt.halfClosed) {
        return finish({ error: new SpeechError('unavailable', 'google ended the recognition stream before the utterance ended (no final result)', { provider: 'google', retryable: true }) });
      }
      if (utt.unsettledInterim) {
        return finish({ error: new SpeechError('unavailable', 'google ended the recognition stream without a final result for what it heard', { provider: 'google', retryable: true }) });
      }
      const segs = utt.segments;
      const confidence = segs.length === 0 ? 0 : segs.reduce((a, s) => a + s.confidence, 0) / segs.length;
      const words = segs.flatMap((s) => s.words);
      finish({ final: { text: segs.map((s) => s.text).filter((t) => t !== '').join(' '), confidence, words, endMs: Math.max(this.timelineMs(), words.at(-1)?.endMs ?? 0) } });
    });
    call.write({ streamingConfig: { config, interimResults: true, singleUtterance: false } });
    return utt;
  }

  /**
   * `StreamingRecognizeResponse`: `results[]` (`alternatives[0].transcript`, `isFinal`,
   * `stability`, `resultEndTime`); an `error` (`google.rpc.Status`) ends the stream. Final
   * results are kept for the utterance; the interim ones, after them, make the partial.
   */
  private onResponse(utt: Utterance, response: unknown): SpeechError | undefined {
    if (response === null || typeof response !== 'object') return malformedError('google', 'streaming response');
    const { results, error } = response as { results?: unknown; error?: { code?: unknown; message?: unknown } | null };
    if (error && typeof error.code === 'number' && error.code !== 0) {
      return grpcError({ code: error.code, details: typeof error.message === 'string' ? error.message : '' }, this.client.auth.secret);
    }
    if (results === undefined || results === null) return undefined;
    if (!Array.isArray(results)) return malformedError('google', 'streaming response ("results" is not a list)');
    const interim: string[] = [];
    let stability = 0;
    let endMs = utt.offsetMs;
    for (const r of results as { alternatives?: unknown; isFinal?: unknown; stability?: unknown; resultEndTime?: unknown }[]) {
      const alt = Array.isArray(r?.alternatives) ? (r.alternatives[0] as { transcript?: unknown; confidence?: unknown; words?: unknown } | undefined) : undefined;
      if (alt === undefined) continue;
      if (typeof alt.transcript !== 'string') return malformedError('google', 'recognition alternative (no "transcript")');
      endMs = Math.max(endMs, utt.offsetMs + durationMs(r.resultEndTime));
      const text = normalizeTranscript(alt.transcript);
      if (r.isFinal === true) {
        utt.segments.push({ text, confidence: round(confidenceOf(alt.confidence, 0)), words: wordsOf(alt.words, alt.confidence, utt.offsetMs) });
        utt.unsettledInterim = false;
      } else if (text !== '') {
        interim.push(text);
        utt.unsettledInterim = true;
        stability = Math.max(stability, typeof r.stability === 'number' ? r.stability : 0);
      }
    }
    if (interim.length > 0) {
      const heard = [...utt.segments.map((s) => s.text), ...interim].filter((t) => t !== '').join(' ');
      this.context.sink.partial({ text: heard, confidence: stability > 0 ? round(stability) : 0.5, startMs: utt.offsetMs, endMs });
    }
    return undefined;
  }

  private lostError(): SpeechError {
    return new SpeechError('unavailable', 'google recognition stream is closed', { provider: 'google', retryable: true });
  }
}

/** gRPC status codes (`google.rpc.Code`). */
const CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/**
 * A gRPC status as a {@link SpeechError}: UNAUTHENTICATED / PERMISSION_DENIED (and an invalid
 * API key, which Google reports as INVALID_ARGUMENT "API key not valid") are non-retryable
 * `provider_error`s; RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL and
 * OUT_OF_RANGE (the stream-duration limit) are retryable `unavailable`; INVALID_ARGUMENT about
 * the audio is `bad_audio`, any other refusal a `provider_error`. A response the client cannot
 * decode is a malformed answer. The message names the status and Google's text, with the key or
 * token scrubbed.
 */
export function grpcError(err: unknown, secret: string | undefined): SpeechError {
  const { code, details } = (err ?? {}) as { code?: unknown; details?: unknown; message?: unknown };
  const numeric = typeof code === 'number' ? code : 2;
  const raw = typeof details === 'string' && details !== '' ? details : err instanceof Error ? err.message : '';
  const scrubbed = secret ? raw.split(secret).join('***') : raw;
  const flat = scrubbed.replace(/\s+/g, ' ').trim();
  const text = flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
  const name = CODE_NAMES[numeric] ?? `code ${numeric}`;
  const suffix = text ? `: ${text}` : '';
  const options = { provider: 'google', cause: err };
  if (numeric === 13 && /pars|deserializ|decod/i.test(text)) return malformedError('google', `streaming response (${text})`);
  if (numeric === 16 || numeric === 7 || (numeric === 3 && /api key/i.test(text))) {
    return new SpeechError('provider_error', `google rejected the credentials (${name})${suffix}`, options);
  }
  if ([4, 8, 10, 11, 13, 14].includes(numeric)) {
    const what = numeric === 8 ? 'is rate limiting requests' : numeric === 4 ? 'timed out' : 'failed';
    return new SpeechError('unavailable', `google ${what} (${name})${suffix}`, { ...options, retryable: true });
  }
  if (numeric === 3 && /audio|encoding|sample.?rate|channel/i.test(text)) {
    return new SpeechError('bad_audio', `google refused the audio (${name})${suffix}`, options);
  }
  return new SpeechError('provider_error', `google refused the request (${name})${suffix}`, options);
}

function wordsOf(raw: unknown, confidence: unknown, offsetMs: number): SttWord[] {
  if (!Array.isArray(raw)) return [];
  const words = (raw as { word?: unknown; startTime?: unknown; endTime?: unknown; confidence?: unknown }[]).map((w) => ({
    word: typeof w.word === 'string' ? w.word : '',
    startMs: offsetMs + durationMs(w.startTime),
    endMs: offsetMs + durationMs(w.endTime),
    confidence: round(confidenceOf(typeof w.confidence === 'number' && w.confidence > 0 ? w.confidence : confidence)),
  }));
  return normalizeWords(words);
}

/** A protobuf `Duration` as the client decodes it (`{ seconds, nanos }`, seconds possibly a string) in ms. */
function durationMs(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
  const s = Number(seconds ?? 0);
  const n = Number(nanos ?? 0);
  return (Number.isFinite(s) ? s * 1000 : 0) + (Number.isFinite(n) ? n / 1e6 : 0);
}

/** Protobuf floats decode as float32 values (0.92 → 0.9200000166893005): keep four decimals. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
