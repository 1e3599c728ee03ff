import type { LiveEvent, Page } from '@unpod/protocol';
import { SseParser } from './lib/sse.js';

const KEY_STORAGE = 'unpod.apiKey';

/** An API error with the server's code (`{error: {code, message}}`), or `network` / `http_<status>`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The API key lives in sessionStorage only: it is gone when the tab closes. */
export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  set(key: string): void {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  clear(): void {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

function headers(key: string | null, json: boolean): Record<string, string> {
  return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
  if (res.status === 401) session.clear();
  return new ApiError(body?.error?.code ?? `http_${res.status}`, body?.error?.message ?? `request failed (${res.status})`, res.status);
}

/** Call the REST API with the session key. */
export async function api<T>(method: string, path: string, body?: unknown, key: string | null = session.key): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method, headers: headers(key, body !== undefined), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError('network', 'the server cannot be reached', 0);
  }
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Every item of a paginated list (bounded by `max`). */
export async function listAll<T>(path: string, max = 500): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const pageResult: Page<T> = await api<Page<T>>('GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...pageResult.data);
    cursor = pageResult.next_cursor;
  } while (cursor && out.length < max);
  return out;
}

/** Fetch a binary resource (recording, voice sample) with the key, as an object URL. */
export async function blobUrl(method: string, path: string, body?: unknown): Promise<string> {
  const res = await fetch(path, { method, headers: headers(session.key, body !== undefined), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw await failure(res);
  return URL.createObjectURL(await res.blob());
}

/**
 * Follow an SSE endpoint with the key in the Authorization header (EventSource cannot send one),
 * reconnecting after a dropped connection. Returns a function that stops it.
 */
export function followEvents(path: string, onEvent: (e: LiveEvent) => void, options: { reconnect?: boolean; onEnd?: () => void } = {}): () => void {
  const abort = new AbortController();
  const run = async () => {
    for (;;) {
      try {
        const res = await fetch(path, { headers: headers(session.key, false), signal: abort.signal });
        if (!res.ok || !res.body) throw await failure(res);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.push(value)) onEvent(JSON.parse(m.data) as LiveEvent);
        }
      } catch (err) {
        if (abort.signal.aborted || (err instanceof ApiError && err.status >= 400 && err.status < 500)) return;
      }
      if (!options.reconnect || abort.signal.aborted) {
        options.onEnd?.();
        return;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => abort.abort();
}

/** `ws://` or `wss://` URL for a client_url the server returned (already absolute) or a path. */
export function wsUrl(clientUrl: string): string {
  if (/^wss?:\/\//.test(clientUrl)) return clientUrl;
  const base = new URL(clientUrl, location.href);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return base.toString();
}
