import { randomUUID } from 'node:crypto';
import type { Page } from '@unpod/protocol';
import {
  apiErrorFromResponse,
  UnpodApiError,
  UnpodConnectionError,
  UnpodResponseError,
  UnpodTimeoutError,
} from './errors.js';
import { PagePromise, type ListParams } from './pagination.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs, type BackoffOptions } from './retry.js';
import { SDK_VERSION } from './version.js';

/** Per-call knobs every SDK method accepts as its last argument. */
export interface RequestOptions {
  /** Abort the call (including any backoff wait); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Budget for each attempt, overriding the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Retries after the first attempt, overriding the client's `maxRetries`. */
  maxRetries?: number;
  /**
   * POST only: the `Idempotency-Key` to send. By default each call gets a fresh random key, reused
   * across its retries; pass your own to make a call safe to repeat across process restarts.
   */
  idempotencyKey?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | null | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

/** One logical request, before retries. */
export interface RequestSpec {
  method: HttpMethod;
  /** Path below the base URL, already encoded (build it with `path`). */
  path: string;
  query?: QueryParams | undefined;
  /** Serialised as JSON; keys whose value is `undefined` are left out. */
  body?: unknown;
  /** False only for the few endpoints that take no key (`/v1/health`). */
  authenticated?: boolean;
  /** `bytes`: resolve with the raw body as a `Uint8Array` instead of parsed JSON. */
  responseType?: 'json' | 'bytes';
}

/** Everything the transport needs, already validated (see `resolveClientConfig`). */
export interface TransportConfig {
  httpBaseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  defaultHeaders: Readonly<Record<string, string>>;
  backoff: BackoffOptions;
  /** Waits between attempts; replaceable so tests can observe delays without waiting them out. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

/** `User-Agent` sent on every request. */
export const USER_AGENT = `unpod-js/${SDK_VERSION}`;

/**
 * The HTTP layer under every resource: auth, headers, JSON, typed errors, timeouts and retries.
 * Holds the API key in a private field so it never shows up when a client is logged or inspected.
 */
export class HttpTransport {
  readonly #config: Omit<TransportConfig, 'apiKey'>;
  readonly #apiKey: string;
  readonly #sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  readonly #random: () => number;

  /** @param config validated client settings */
  constructor(config: TransportConfig) {
    const { apiKey, ...rest } = config;
    this.#apiKey = apiKey;
    this.#config = rest;
    this.#sleep = config.sleep ?? abortableSleep;
    this.#random = config.random ?? Math.random;
  }

  /** The HTTP base every path is appended to. */
  get baseUrl(): string {
    return this.#config.httpBaseUrl;
  }

  /**
   * Send one logical request, retrying transient failures (429, 5xx, 409
   * `idempotency_in_progress`, connection errors, timeouts) with jittered exponential backoff.
   * PATCH is never retried: it is the one method whose repeat may not be harmless. POST is, because
   * it carries an `Idempotency-Key` that stays the same on every attempt.
   */
  async request<T>(spec: RequestSpec, options: RequestOptions = {}): Promise<T> {
    const maxRetries = options.maxRetries ?? this.#config.maxRetries;
    const retryable = spec.method !== 'PATCH';
    const idempotencyKey = spec.method === 'POST' ? (options.idempotencyKey ?? randomUUID()) : undefined;
    const url = this.#config.httpBaseUrl + spec.path + searchString(spec.query);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);

    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#attempt<T>(spec, url, body, idempotencyKey, options);
      } catch (error) {
        if (!retryable || attempt >= maxRetries || !isTransient(error)) throw error;
        const delayMs = this.#delayBeforeRetry(error, attempt);
        if (delayMs === undefined) throw error;
        await this.#sleep(delayMs, options.signal);
      }
    }
  }

  /** A lazily fetched, iterable list: see `PagePromise`. */
  list<T>(path: string, params: ListParams & QueryParams = {}, options?: RequestOptions): PagePromise<T> {
    const { cursor, ...filters } = params;
    return new PagePromise<T>(
      (pageCursor) => this.request<Page<T>>({ method: 'GET', path, query: { ...filters, cursor: pageCursor } }, options),
      cursor,
    );
  }

  #delayBeforeRetry(error: unknown, attempt: number): number | undefined {
    const retryAfterMs = error instanceof UnpodApiError ? error.retryAfterMs : undefined;
    if (retryAfterMs === undefined) return backoffDelayMs(attempt, this.#config.backoff, this.#random);
    // Waiting longer than the caller would tolerate helps nobody: surface the error and its hint.
    return retryAfterMs <= this.#config.backoff.maxRetryAfterMs ? retryAfterMs : undefined;
  }

  async #attempt<T>(
    spec: RequestSpec,
    url: string,
    body: string | undefined,
    idempotencyKey: string | undefined,
    options: RequestOptions,
  ): Promise<T> {
    const requestId = randomUUID();
    const headers = new Headers({ 'User-Agent': USER_AGENT, Accept: spec.responseType === 'bytes' ? '*/*' : 'application/json' });
    for (const [name, value] of Object.entries(this.#config.defaultHeaders)) headers.set(name, value);
    headers.set('X-Request-Id', requestId);
    if (spec.authenticated !== false) headers.set('Authorization', `Bearer ${this.#apiKey}`);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    if (idempotencyKey !== undefined) headers.set('Idempotency-Key', idempotencyKey);

    const timeoutMs = options.timeoutMs ?? this.#config.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

    let response: Response;
    let payload: Uint8Array | string;
    try {
      response = await this.#config.fetch(url, { method: spec.method, headers, body, signal });
      // The body is read under the same signal, so a server that stalls mid-body also times out.
      payload =
        response.ok && spec.responseType === 'bytes' ? new Uint8Array(await response.arrayBuffer()) : await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw new UnpodTimeoutError(timeoutMs, { cause: error });
      throw new UnpodConnectionError(`${spec.method} ${spec.path}: could not reach ${new URL(url).origin}${causeCode(error)}`, {
        cause: error,
      });
    }

    const responseId = response.headers.get('x-request-id') ?? requestId;
    if (!response.ok) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
      throw apiErrorFromResponse(response.status, parseJsonOrUndefined(payload), responseId, retryAfterMs);
    }
    if (typeof payload !== 'string') return payload as T;
    if (response.status === 204 || payload === '') return undefined as T;
    try {
      return JSON.parse(payload) as T;
    } catch (error) {
      throw new UnpodResponseError(`${spec.method} ${spec.path}: response is not JSON (request ${responseId})`, {
        cause: error,
      });
    }
  }
}

/**
 * Build a path from literal parts and resource ids, percent-encoding each id so that an id can
 * never change which route is hit: path`/v1/pipes/${id}/attach`.
 */
export function path(strings: TemplateStringsArray, ...ids: string[]): string {
  let out = strings[0] ?? '';
  ids.forEach((id, i) => {
    out += encodeId(id) + (strings[i + 1] ?? '');
  });
  return out;
}

function encodeId(id: string): string {
  if (typeof id !== 'string' || id === '' || id === '.' || id === '..') {
    throw new TypeError('a resource id must be a non-empty string');
  }
  return encodeURIComponent(id);
}

/** `?a=1&b=x` from the defined entries, or '' when there are none. */
export function searchString(query: QueryParams | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.append(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function isTransient(error: unknown): boolean {
  if (error instanceof UnpodConnectionError || error instanceof UnpodTimeoutError) return true;
  if (!(error instanceof UnpodApiError)) return false;
  // A retried POST can overtake its own first attempt, which the server is still processing.
  return isRetryableStatus(error.status) || error.code === 'idempotency_in_progress';
}

function parseJsonOrUndefined(payload: Uint8Array | string): unknown {
  if (typeof payload !== 'string' || payload === '') return undefined;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return undefined;
  }
}

/** `: ECONNREFUSED`-style suffix from a fetch failure's cause, when it has a code. */
function causeCode(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return typeof code === 'string' ? ` (${code})` : '';
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
