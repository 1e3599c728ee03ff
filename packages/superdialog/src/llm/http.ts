import { redactText } from '../redact.js';
import { collect, LlmError, TRANSIENT_STATUSES, type LlmCompletion, type LlmProvider, type LlmRequest, type LlmStreamEvent } from './types.js';

/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Events of a `text/event-stream` body; `onProgress` runs on every read (idle timer). */
export async function* readSse(body: ReadableStream<Uint8Array>, onProgress: () => void): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let finished = false;
  const line = function* (raw: string): Generator<SseEvent> {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l === '') {
      if (data.length) yield { event: event || 'message', data: data.join('\n') };
      data = [];
      event = '';
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon >= 0 ? l.slice(0, colon) : l;
    let value = colon >= 0 ? l.slice(colon + 1) : '';
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onProgress();
      buffer += decoder.decode(value, { stream: true });
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        yield* line(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
      }
    }
    buffer += decoder.decode();
    if (buffer) yield* line(buffer);
    yield* line('');
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Options shared by the HTTP providers. */
export interface HttpProviderOptions {
  /** API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Longest wait for response headers and between body chunks. Default 30 000. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/**
 * The shared half of every HTTP vendor: POST with an idle timeout tied into the caller's
 * AbortSignal, typed errors (transient or not), SSE decoding. Retries live one layer up
 * (`ResilientProvider`); a vendor implements only its request body and its event decoding.
 */
export abstract class HttpProvider implements LlmProvider {
  abstract readonly vendor: string;
  readonly model: string;
  protected readonly options: HttpProviderOptions;

  constructor(options: HttpProviderOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required');
    if (!options.model) throw new TypeError('model is required');
    this.options = options;
    this.model = options.model;
  }

  protected abstract path(): string;
  protected abstract headers(): Record<string, string>;
  protected abstract body(request: LlmRequest): Record<string, unknown>;
  protected abstract decode(events: AsyncIterable<SseEvent>): AsyncIterable<LlmStreamEvent>;
  /** The vendor's error message from an error body. */
  protected abstract errorMessage(body: unknown): string | null;

  async *stream(request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const idle = new AbortController();
    let timer: NodeJS.Timeout | null = null;
    const touch = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new LlmError('llm_timeout', `no response progress within ${timeoutMs} ms`, { transient: true })), timeoutMs);
    };
    const signal = request.signal ? AbortSignal.any([request.signal, idle.signal]) : idle.signal;
    touch();
    try {
      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(this.options.baseUrl.replace(/\/+$/, '') + this.path(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...this.headers(), ...this.options.headers },
          body: JSON.stringify(this.body(request)),
          signal,
        });
      } catch (err) {
        throw this.failure(err, request.signal);
      }
      if (!response.ok) {
        const body: unknown = await response.json().catch(() => null);
        const detail = this.errorMessage(body);
        throw new LlmError('llm_http_error', `${this.vendor} answered ${response.status}${detail ? `: ${redactText(detail).slice(0, 300)}` : ''}`, {
          status: response.status,
          transient: TRANSIENT_STATUSES.has(response.status),
        });
      }
      if (!response.body) throw new LlmError('llm_bad_response', `${this.vendor} response has no body`);
      try {
        yield* this.decode(readSse(response.body, touch));
      } catch (err) {
        throw this.failure(err, request.signal);
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  complete(request: LlmRequest): Promise<LlmCompletion> {
    return collect(this.stream(request), this.model);
  }

  private failure(err: unknown, callerSignal: AbortSignal | undefined): unknown {
    if (callerSignal?.aborted) return callerSignal.reason ?? err;
    if (err instanceof LlmError) return err;
    if (err instanceof Error && err.name === 'AbortError') return new LlmError('llm_timeout', `${this.vendor} request timed out`, { transient: true, cause: err });
    const reason = (err as { cause?: unknown })?.cause ?? err;
    if (reason instanceof LlmError) return reason;
    return new LlmError('llm_http_error', `${this.vendor} request failed: ${redactText(err instanceof Error ? err.message : String(err))}`, { transient: true, cause: err });
  }
}
