import WebSocket from 'ws';
import { SpeechError, abortedError } from '../../contracts/errors.js';
import type { SttEngineSession, SttHints, SttSessionContext } from '../../contracts/stt.js';
import { malformedError } from '../errors.js';
import { handshake } from '../ws-handshake.js';
import { normalizeTranscript } from '../text.js';

const PROVIDER = 'openai';
/** The realtime API takes PCM16 at 24 kHz only ("Only a 24kHz sample rate is supported"). */
export const REALTIME_RATE_HZ = 24_000;
/** A commit needs at least 100 ms of audio in the buffer; shorter utterances are padded with silence. */
const MIN_COMMIT_SAMPLES = REALTIME_RATE_HZ / 10;

export interface OpenAiRealtimeSettings {
  apiKey: string;
  /** API root including `/v1`, `https://` or `wss://` (`http(s)` is turned into `ws(s)`). */
  baseUrl: string;
  model: string;
}

/**
 * Opens a realtime transcription session: `wss://.../v1/realtime?intent=transcription` with
 * `Authorization: Bearer <key>`, then `session.update` with `type: "transcription"`, PCM 24 kHz,
 * the model, language and hint prompt, and `turn_detection: null` (the pipeline endpoints, so each
 * utterance is an explicit `input_audio_buffer.commit`). Resolves once `session.updated` arrives.
 */
export async function openRealtimeSession(settings: OpenAiRealtimeSettings, context: SttSessionContext): Promise<SttEngineSession> {
  const root = settings.baseUrl.replace(/^http/, 'ws');
  const url = new URL(`${root}/realtime`);
  url.searchParams.set('intent', 'transcription');
  const socket = new WebSocket(url, { headers: { Authorization: `Bearer ${settings.apiKey}` } });
  await handshake(socket, PROVIDER, context.signal, (body) => errorText(body, settings.apiKey));
  const session = new RealtimeSession(socket, context, settings);
  await session.configured();
  return session;
}

/** OpenAI's error body `{ error: { message, type, code } }`, with the key (or its masked echo) scrubbed. */
function errorText(body: string, apiKey: string): string | undefined {
  let text = body;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; code?: unknown } };
    const e = parsed.error;
    if (e && typeof e.message === 'string') text = typeof e.code === 'string' ? `${e.code} ${e.message}` : e.message;
  } catch {
    // not JSON: use the text
  }
  return scrub(text, apiKey) || undefined;
}

function scrub(text: string, apiKey: string): string {
  let out = apiKey === '' ? text : text.split(apiKey).join('***');
  out = out.replace(/Incorrect API key provided:[^.]*\./gi, 'Incorrect API key provided.').replace(/\bsk-[\w*-]+/g, 'sk-***');
  return out;
}

/** One committed (or empty) utterance awaiting its transcript, in commit order. */
interface Pending {
  itemId: string | null;
  text: string | null;
  startMs: number;
  endMs: number;
}

interface RealtimeEvent {
  type?: unknown;
  item_id?: unknown;
  delta?: unknown;
  transcript?: unknown;
  error?: { message?: unknown; type?: unknown; code?: unknown } | null;
}

class RealtimeSession implements SttEngineSession {
  private closing = false;
  private readonly pending: Pending[] = [];
  /** Text heard so far per conversation item. */
  private readonly heard = new Map<string, string>();
  private samplesTotal = 0;
  private samplesInBuffer = 0;
  private utteranceStartSamples = 0;
  private prompt: string | undefined;
  private setup: { resolve: () => void; reject: (e: SpeechError) => void } | null = null;
  private readonly ready: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: SttSessionContext,
    private readonly settings: OpenAiRealtimeSettings,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.setup = { resolve, reject };
    });
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    this.prompt = promptOf(context.hints);
    this.sendJson({
      type: 'session.update',
      session: {
        type: 'transcription',
        audio: {
          input: {
            format: { type: 'audio/pcm', rate: REALTIME_RATE_HZ },
            transcription: { model: settings.model, language: context.language.split(/[-_]/)[0]!.toLowerCase(), ...(this.prompt !== undefined ? { prompt: this.prompt } : {}) },
            turn_detection: null,
          },
        },
      },
    });
  }

  /** Waits for `session.updated` (or the error that refuses the configuration). */
  configured(): Promise<void> {
    const signal = this.context.signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.close();
        reject(abortedError(PROVIDER, signal));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.ready.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          this.close();
          reject(err as Error);
        },
      );
    });
  }

  write(samples: Int16Array): void {
    if (this.socket.readyState !== WebSocket.OPEN) throw this.lostError();
    if (samples.length === 0) return;
    this.append(samples);
  }

  endUtterance(): void {
    if (this.socket.readyState !== WebSocket.OPEN) throw this.lostError();
    const startMs = this.ms(this.utteranceStartSamples);
    const endMs = this.ms(this.samplesTotal);
    this.utteranceStartSamples = this.samplesTotal;
    if (this.samplesInBuffer === 0) {
      // Nothing was said: committing an empty buffer is an error, so the final is empty.
      this.pending.push({ itemId: null, text: '', startMs, endMs });
      return this.drain();
    }
    if (this.samplesInBuffer < MIN_COMMIT_SAMPLES) this.append(new Int16Array(MIN_COMMIT_SAMPLES - this.samplesInBuffer), false);
    this.pending.push({ itemId: null, text: null, startMs, endMs });
    this.samplesInBuffer = 0;
    this.sendJson({ type: 'input_audio_buffer.commit' });
  }

  setHints(hints: SttHints | undefined): void {
    const prompt = promptOf(hints);
    if (prompt === this.prompt) return;
    this.prompt = prompt;
    // The client may send session.update at any time; only the fields present are updated.
    this.sendJson({
      type: 'session.update',
      session: { type: 'transcription', audio: { input: { transcription: { model: this.settings.model, prompt: prompt ?? '' } } } },
    });
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.setup?.reject(this.lostError());
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    else this.socket.terminate();
  }

  private append(samples: Int16Array, counts = true): void {
    const audio = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
    this.sendJson({ type: 'input_audio_buffer.append', audio });
    this.samplesInBuffer += samples.length;
    if (counts) this.samplesTotal += samples.length;
  }

  private ms(samples: number): number {
    return (samples / this.context.sampleRateHz) * 1000;
  }

  private sendJson(message: { type: string; [field: string]: unknown }): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closing) return;
    let event: RealtimeEvent;
    try {
      if (isBinary) throw new Error('binary');
      event = JSON.parse(rawText(data)) as RealtimeEvent;
    } catch {
      return this.failWith(malformedError(PROVIDER, 'realtime event (not JSON text)'));
    }
    if (event === null || typeof event !== 'object' || typeof event.type !== 'string') return this.failWith(malformedError(PROVIDER, 'realtime event (no "type")'));
    switch (event.type) {
      case 'session.updated':
        if (this.setup) {
          this.setup.resolve();
          this.setup = null;
        }
        return;
      case 'input_audio_buffer.committed': {
        if (typeof event.item_id !== 'string') return this.failWith(malformedError(PROVIDER, 'input_audio_buffer.committed event (no "item_id")'));
        const entry = this.pending.find((p) => p.itemId === null && p.text === null);
        if (entry) entry.itemId = event.item_id;
        return;
      }
      case 'conversation.item.input_audio_transcription.delta': {
        if (typeof event.item_id !== 'string' || typeof event.delta !== 'string') return this.failWith(malformedError(PROVIDER, 'transcription delta event (no "item_id" or "delta")'));
        const text = (this.heard.get(event.item_id) ?? '') + event.delta;
        this.heard.set(event.item_id, text);
        const head = this.pending.find((p) => p.text === null);
        const known = this.pending.some((p) => p.itemId === event.item_id);
        // Partials belong to the oldest utterance still without its final (or the open one when none
        // waits). An item not named by `input_audio_buffer.committed` yet is that utterance's when
        // its commit has not been acknowledged.
        const current = head ? head.itemId === event.item_id || (head.itemId === null && !known) : !known;
        const partial = normalizeTranscript(text);
        if (current && partial !== '') {
          const startMs = head ? head.startMs : this.ms(this.utteranceStartSamples);
          const endMs = head ? head.endMs : this.ms(this.samplesTotal);
          this.context.sink.partial({ text: partial, confidence: 0.5, startMs, endMs });
        }
        return;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        if (typeof event.item_id !== 'string' || typeof event.transcript !== 'string') return this.failWith(malformedError(PROVIDER, 'transcription completed event (no "item_id" or "transcript")'));
        this.heard.delete(event.item_id);
        const entry = this.pending.find((p) => p.itemId === event.item_id) ?? this.pending.find((p) => p.itemId === null && p.text === null);
        if (!entry) return;
        entry.itemId = event.item_id;
        entry.text = normalizeTranscript(event.transcript);
        return this.drain();
      }
      case 'conversation.item.input_audio_transcription.failed':
        return this.failWith(this.eventError(event.error, 'transcription failed'));
      case 'error':
        return this.failWith(this.eventError(event.error, 'error'));
      default:
        // session.created, input_audio_buffer.*, conversation.item.* and future events carry nothing we need.
        return;
    }
  }

  /** Emits the finals of the leading utterances whose transcript is in, in commit order. */
  private drain(): void {
    while (this.pending.length > 0 && this.pending[0]!.text !== null) {
      const p = this.pending.shift()!;
      this.context.sink.final({ text: p.text!, confidence: p.text === '' ? 0 : 0.5, startMs: p.startMs, endMs: p.endMs, words: [], source: 'open' });
    }
  }

  /** An `error` event `{ error: { type, code, message } }`: credentials and requests are not retryable; rate limits and server errors are. */
  private eventError(raw: RealtimeEvent['error'], what: string): SpeechError {
    if (raw === null || typeof raw !== 'object') return malformedError(PROVIDER, `${what} event (no "error")`);
    const type = typeof raw.type === 'string' ? raw.type : '';
    const code = typeof raw.code === 'string' ? raw.code : '';
    const message = typeof raw.message === 'string' ? scrub(raw.message, this.settings.apiKey).slice(0, 200) : '';
    const detail = [type, code].filter((s) => s !== '').join('/') + (message ? `: ${message}` : '');
    if (/api_key|auth|permission/i.test(`${type} ${code}`)) {
      return new SpeechError('provider_error', `openai rejected the credentials (${detail})`, { provider: PROVIDER });
    }
    if (/rate_limit|server_error|overloaded|timeout/i.test(`${type} ${code}`)) {
      return new SpeechError('unavailable', `openai reported a temporary error (${detail})`, { provider: PROVIDER, retryable: true });
    }
    return new SpeechError('provider_error', `openai reported an error in the realtime session (${detail})`, { provider: PROVIDER });
  }

  private onClose(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    const detail = reason ? `: ${reason.slice(0, 200)}` : '';
    const err = new SpeechError('unavailable', `openai closed the realtime session (close ${code})${detail}`, { provider: PROVIDER, retryable: true });
    if (this.setup) return this.setup.reject(err);
    this.context.sink.fail(err);
  }

  private failWith(err: SpeechError): void {
    if (this.setup) {
      this.setup.reject(err);
      this.setup = null;
    } else this.context.sink.fail(err);
    this.close();
  }

  private lostError(): SpeechError {
    return new SpeechError('unavailable', 'openai realtime connection is closed', { provider: PROVIDER, retryable: true });
  }
}

function promptOf(hints: SttHints | undefined): string | undefined {
  const phrases = hints?.phrases;
  return phrases !== undefined && phrases.length > 0 ? `Expected: ${phrases.join(', ')}.` : undefined;
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
