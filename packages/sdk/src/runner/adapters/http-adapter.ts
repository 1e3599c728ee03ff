import { AdapterError } from '../errors.js';
import { fetchWithRetry, TRANSIENT_STATUSES } from './http-util.js';
import { readLines, readSse } from './line-reader.js';
import type { DialogAdapter, StreamOptions } from './types.js';

/** Options of {@link HttpAdapter}. */
export interface HttpAdapterOptions {
  /** Your endpoint; receives one POST per turn. */
  url: string;
  /** Extra request headers (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** Longest wait for the response to start, and between streamed chunks. Default 10 000. */
  timeoutMs?: number;
  /** Retries of transient failures (network, timeout, 408/425/429/5xx) before any reply text. Default 2. */
  retries?: number;
  /** First retry delay, doubling per retry. Default 250. */
  retryDelayMs?: number;
  /** fetch implementation (tests). */
  fetch?: typeof fetch;
}

/** Body of each POST. */
export interface HttpAdapterRequest {
  text: string;
  session_id: string | null;
  call_id: string | null;
  language: string | null;
  context: { agent_id: string | null; turn_id: number | null; data: Record<string, unknown> };
  /** Instructions added with `assist()` since the previous successful request. */
  system_instructions: string[];
}

function textOf(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    for (const key of ['text', 'delta', 'content']) if (typeof v[key] === 'string') return v[key];
  }
  return '';
}

/**
 * Your brain behind an HTTP endpoint. Each turn POSTs {@link HttpAdapterRequest} as JSON; the
 * reply is either `application/json` `{ "text": "..." }`, or streamed as NDJSON
 * (`application/x-ndjson`, one `{ "text": "..." }` per line) or SSE (`text/event-stream`, `data:`
 * lines carrying `{ "text": "..." }` or plain text, optional `data: [DONE]`).
 */
export class HttpAdapter implements DialogAdapter {
  private pending: string[] = [];
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpAdapterOptions) {
    if (!options.url) throw new TypeError('HttpAdapter needs a url');
    this.fetchImpl = options.fetch ?? fetch;
  }

  async *stream(text: string, options: StreamOptions): AsyncGenerator<string> {
    const ctx = options.context;
    const body: HttpAdapterRequest = {
      text,
      session_id: ctx?.sessionId ?? null,
      call_id: ctx?.callId ?? null,
      language: options.language,
      context: { agent_id: ctx?.agentId ?? null, turn_id: ctx?.turnId ?? null, data: { ...(ctx?.data ?? {}) } },
      system_instructions: [...this.pending],
    };
    const { response, idle } = await fetchWithRetry({
      fetch: this.fetchImpl,
      url: this.options.url,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, application/x-ndjson, text/event-stream', ...this.options.headers },
        body: JSON.stringify(body),
      },
      signal: options.signal,
      timeoutMs: this.options.timeoutMs ?? 10_000,
      retries: this.options.retries ?? 2,
      retryDelayMs: this.options.retryDelayMs ?? 250,
      // The body is not quoted: a brain's error page may echo what the caller said.
      errorFor: async (res) => {
        await res.body?.cancel().catch(() => undefined);
        return new AdapterError(`HTTP brain answered ${res.status}`, { status: res.status, transient: TRANSIENT_STATUSES.has(res.status) });
      },
    });
    this.pending = [];
    try {
      const type = (response.headers.get('content-type') ?? '').toLowerCase();
      if (!response.body) return;
      if (type.includes('text/event-stream')) {
        for await (const event of readSse(response.body, () => idle.touch())) {
          if (event.data === '[DONE]') break;
          let chunk: string;
          try {
            chunk = textOf(JSON.parse(event.data));
          } catch {
            chunk = event.data;
          }
          if (chunk) yield chunk;
        }
      } else if (type.includes('ndjson') || type.includes('jsonl')) {
        for await (const line of readLines(response.body, () => idle.touch())) {
          if (!line.trim()) continue;
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch {
            throw new AdapterError('HTTP brain sent an NDJSON line that is not JSON');
          }
          const chunk = textOf(parsed);
          if (chunk) yield chunk;
        }
      } else {
        let parsed: unknown;
        try {
          parsed = await response.json();
        } catch {
          throw new AdapterError('HTTP brain reply is not JSON');
        }
        const reply = (parsed as { text?: unknown } | null)?.text;
        if (typeof reply !== 'string') throw new AdapterError('HTTP brain reply has no string "text"');
        if (reply) yield reply;
      }
    } finally {
      idle.clear();
    }
  }

  async turn(text: string, options: Partial<StreamOptions> = {}): Promise<string> {
    let out = '';
    const full: StreamOptions = { language: options.language ?? null, signal: options.signal ?? new AbortController().signal, context: options.context ?? null };
    for await (const chunk of this.stream(text, full)) out += chunk;
    return out;
  }

  assist(instruction: string): void {
    this.pending.push(instruction);
  }
}
