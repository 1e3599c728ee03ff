import WebSocket from 'ws';
import { SpeechError } from '../../contracts/errors.js';
import { SttAdapter } from '../../contracts/stt-adapter.js';
import type { SttAdapterOptions, SttCapabilities, SttEngineSession, SttSessionContext, SttWord } from '../../contracts/stt.js';
import { malformedError } from '../errors.js';
import { handshake } from '../ws-handshake.js';
import { confidenceOf, normalizeTranscript, normalizeWords } from '../text.js';

/** Options of {@link DeepgramStt}. */
export interface DeepgramSttOptions extends SttAdapterOptions {
  apiKey: string;
  /** API root; default `wss://api.deepgram.com`. Tests point it at the local fake. */
  baseUrl?: string | undefined;
  /** Default `nova-3`. */
  model?: string | undefined;
  /** Silence (ms) after which Deepgram marks `speech_final`; default 300. */
  endpointingMs?: number | undefined;
  /** Gap (ms) after the last final word before `UtteranceEnd`; default 1000 (Deepgram's minimum). */
  utteranceEndMs?: number | undefined;
  /** A `KeepAlive` is sent after this long without audio; default 4000 (Deepgram closes at 10 s). */
  keepAliveMs?: number | undefined;
}

const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'hi', 'ja', 'ko', 'zh', 'ru', 'tr', 'pl', 'sv', 'da', 'no', 'fi', 'id', 'uk', 'vi', 'ta', 'ms'];

/**
 * Deepgram live transcription over its streaming WebSocket (`/v1/listen`): linear16 audio in
 * binary frames, `Results` messages back (`is_final` segments plus interim hypotheses). The
 * pipeline endpoints on its own, so `endUtterance` sends `{"type":"Finalize"}` and the result
 * flagged `from_finalize` closes the utterance with the text of every final segment since the
 * previous one. Silence gets a `KeepAlive`; `close()`
 * sends `CloseStream`.
 */
export class DeepgramStt extends SttAdapter {
  readonly provider = 'deepgram';
  readonly capabilities: SttCapabilities = {
    streaming: true,
    interimResults: true,
    nativeSampleRatesHz: [8000, 16_000, 24_000, 48_000],
    languages: LANGUAGES,
    grammars: { phrases: false, jsgf: false },
    widebandModel: false,
  };
  private readonly settings: Required<Pick<DeepgramSttOptions, 'apiKey' | 'baseUrl' | 'endpointingMs' | 'utteranceEndMs' | 'keepAliveMs'>>;

  constructor(options: DeepgramSttOptions) {
    super({ ...options, model: options.model ?? 'nova-3' });
    this.settings = {
      apiKey: options.apiKey,
      baseUrl: (options.baseUrl ?? 'wss://api.deepgram.com').replace(/\/+$/, ''),
      endpointingMs: options.endpointingMs ?? 300,
      utteranceEndMs: options.utteranceEndMs ?? 1000,
      keepAliveMs: options.keepAliveMs ?? 4000,
    };
  }

  protected async openSession(context: SttSessionContext): Promise<SttEngineSession> {
    const url = new URL(`${this.settings.baseUrl}/v1/listen`);
    const q = url.searchParams;
    q.set('model', this.model ?? 'nova-3');
    q.set('language', context.language);
    q.set('encoding', 'linear16');
    q.set('sample_rate', String(context.sampleRateHz));
    q.set('channels', '1');
    q.set('interim_results', 'true');
    q.set('punctuate', 'false');
    q.set('endpointing', String(this.settings.endpointingMs));
    q.set('utterance_end_ms', String(this.settings.utteranceEndMs));
    const socket = new WebSocket(url, { headers: { Authorization: `Token ${this.settings.apiKey}` } });
    await handshake(socket, this.provider, context.signal, errorText);
    return new DeepgramSession(socket, context, this.settings.keepAliveMs);
  }
}

/** Deepgram's HTTP error body: `{ err_code, err_msg, request_id }`. */
function errorText(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { err_msg?: unknown; err_code?: unknown };
    if (typeof parsed.err_msg === 'string') return typeof parsed.err_code === 'string' ? `${parsed.err_code} ${parsed.err_msg}` : parsed.err_msg;
  } catch {
    // not JSON: use the text
  }
  return body || undefined;
}

interface DeepgramWord {
  word?: unknown;
  punctuated_word?: unknown;
  start?: unknown;
  end?: unknown;
  confidence?: unknown;
}

interface DeepgramResults {
  type: 'Results';
  is_final?: unknown;
  speech_final?: unknown;
  from_finalize?: unknown;
  start?: unknown;
  duration?: unknown;
  channel?: { alternatives?: { transcript?: unknown; confidence?: unknown; words?: unknown }[] };
}

class DeepgramSession implements SttEngineSession {
  /** Final segments of the open utterance. */
  private segments: { text: string; confidence: number; words: SttWord[]; startMs: number; endMs: number }[] = [];
  private finalizing = 0;
  private closing = false;
  private lastSendAt = Date.now();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: SttSessionContext,
    keepAliveMs: number,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    this.keepAlive = setInterval(() => {
      if (Date.now() - this.lastSendAt >= keepAliveMs) this.sendJson({ type: 'KeepAlive' });
    }, Math.max(100, Math.floor(keepAliveMs / 2)));
    this.keepAlive.unref();
  }

  write(samples: Int16Array): void {
    if (this.socket.readyState !== WebSocket.OPEN) throw this.lostError();
    this.socket.send(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
    this.lastSendAt = Date.now();
  }

  endUtterance(): void {
    if (this.socket.readyState !== WebSocket.OPEN) throw this.lostError();
    this.finalizing++;
    this.sendJson({ type: 'Finalize' });
  }

  setHints(): void {
    // Deepgram takes keywords only when the connection opens.
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.keepAlive);
    if (this.socket.readyState === WebSocket.OPEN) {
      this.sendJson({ type: 'CloseStream' });
      this.socket.close(1000);
    } else {
      this.socket.terminate();
    }
  }

  private sendJson(message: { type: string }): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify(message));
    this.lastSendAt = Date.now();
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closing) return;
    let message: unknown;
    try {
      if (isBinary) throw new Error('binary');
      message = JSON.parse(rawText(data));
    } catch {
      return this.failWith(malformedError('deepgram', 'message (not JSON text)'));
    }
    if (message === null || typeof message !== 'object') return this.failWith(malformedError('deepgram', 'message'));
    const type = (message as { type?: unknown }).type;
    if (type === 'Results') return this.onResults(message as DeepgramResults);
    // UtteranceEnd, Metadata, SpeechStarted and future types carry nothing the stream needs: the
    // pipeline endpoints itself and every Finalize is answered by a from_finalize result.
  }

  private onResults(message: DeepgramResults): void {
    const alt = message.channel?.alternatives?.[0];
    if (alt === undefined || typeof alt.transcript !== 'string') return this.failWith(malformedError('deepgram', 'Results message (no channel.alternatives[0].transcript)'));
    const startMs = numberOr(message.start, 0) * 1000;
    const endMs = startMs + numberOr(message.duration, 0) * 1000;
    const text = normalizeTranscript(alt.transcript);
    if (message.is_final === true) {
      if (text !== '') this.segments.push({ text, confidence: confidenceOf(alt.confidence), words: wordsOf(alt.words), startMs, endMs });
      if (message.from_finalize === true && this.finalizing > 0) this.emitFinal();
      return;
    }
    if (text === '') return;
    const heard = [...this.segments.map((s) => s.text), text].join(' ');
    this.context.sink.partial({ text: heard, confidence: confidenceOf(alt.confidence), startMs: this.segments[0]?.startMs ?? startMs, endMs });
  }

  private emitFinal(): void {
    this.finalizing--;
    const segs = this.segments;
    this.segments = [];
    const confidence = segs.length === 0 ? 0 : segs.reduce((a, s) => a + s.confidence, 0) / segs.length;
    this.context.sink.final({
      text: segs.map((s) => s.text).join(' '),
      confidence,
      startMs: segs[0]?.startMs ?? 0,
      endMs: segs.at(-1)?.endMs ?? 0,
      words: segs.flatMap((s) => s.words),
      source: 'open',
    });
  }

  private onClose(code: number, reason: string): void {
    clearInterval(this.keepAlive);
    if (this.closing) return;
    this.closing = true;
    this.context.sink.fail(closeError(code, reason));
  }

  private failWith(err: SpeechError): void {
    this.context.sink.fail(err);
    this.close();
  }

  private lostError(): SpeechError {
    return new SpeechError('unavailable', 'deepgram connection is closed', { provider: 'deepgram', retryable: true });
  }
}

/**
 * Deepgram reports stream errors in the close frame: 1008 (`DATA-0000`, audio it cannot
 * decode), 1011 (`NET-0000` / `NET-0001`, no audio or an internal error). A close we did not ask
 * for is retryable unless the audio was refused.
 */
function closeError(code: number, reason: string): SpeechError {
  const detail = reason ? `: ${reason.slice(0, 200)}` : '';
  if (code === 1008) return new SpeechError('bad_audio', `deepgram could not decode the audio (close ${code})${detail}`, { provider: 'deepgram' });
  return new SpeechError('unavailable', `deepgram closed the stream (close ${code})${detail}`, { provider: 'deepgram', retryable: true });
}

function wordsOf(raw: unknown): SttWord[] {
  if (!Array.isArray(raw)) return [];
  const words = (raw as DeepgramWord[]).map((w) => ({
    word: typeof w.word === 'string' ? w.word : '',
    startMs: numberOr(w.start, 0) * 1000,
    endMs: numberOr(w.end, 0) * 1000,
    confidence: confidenceOf(w.confidence),
  }));
  return normalizeWords(words);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
