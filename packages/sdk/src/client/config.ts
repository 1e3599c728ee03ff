import { resolveBaseUrls } from '../base-url.js';
import { UnpodConfigError } from './errors.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './retry.js';
import type { TransportConfig } from './transport.js';

/** Settings of a `Client`. Every field is optional; see each for its fallback. */
export interface ClientOptions {
  /** Secret key (`sk_...`). Default: `UNPOD_API_KEY`. Required one way or the other. */
  apiKey?: string;
  /**
   * The Unpod server: a bare host or an `http(s)://` / `ws(s)://` URL.
   * Default: `UNPOD_BASE_URL`, else the local stack at `http://127.0.0.1:7700`.
   */
  baseUrl?: string;
  /** Budget for each attempt of each request. Default 30000. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures. Default 2; 0 disables retries. */
  maxRetries?: number;
  /** A `fetch` to use instead of the global one (proxies, instrumentation, tests). */
  fetch?: typeof fetch;
  /** Extra headers sent on every request; they cannot replace auth or the request id. */
  defaultHeaders?: Record<string, string>;
  /** Shape of the wait between retries. Default base 500 ms, cap 8 s, `Retry-After` up to 60 s. */
  retryBackoff?: Partial<BackoffOptions>;
}

/** Defaults applied when an option is absent. */
export const CLIENT_DEFAULTS = { timeoutMs: 30_000, maxRetries: 2 } as const;

/**
 * Validate options and fill gaps from the environment. The only place the management client
 * reads `process.env`; throws `UnpodConfigError` rather than failing on the first request.
 */
export function resolveClientConfig(options: ClientOptions, env: NodeJS.ProcessEnv = process.env): TransportConfig {
  const apiKey = (options.apiKey ?? env.UNPOD_API_KEY ?? '').trim();
  if (!apiKey) {
    throw new UnpodConfigError('no Unpod API key: pass `apiKey` to the Client or set the UNPOD_API_KEY environment variable');
  }

  let httpBaseUrl: string;
  try {
    httpBaseUrl = resolveBaseUrls(options.baseUrl, env).http;
    new URL(httpBaseUrl);
  } catch {
    throw new UnpodConfigError('invalid Unpod base URL: check the `baseUrl` option or UNPOD_BASE_URL');
  }

  const timeoutMs = options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new UnpodConfigError(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  const maxRetries = options.maxRetries ?? CLIENT_DEFAULTS.maxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new UnpodConfigError(`maxRetries must be a non-negative integer, got ${String(maxRetries)}`);
  }
  const backoff = { ...DEFAULT_BACKOFF, ...options.retryBackoff };
  for (const [name, value] of Object.entries(backoff)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new UnpodConfigError(`retryBackoff.${name} must be a non-negative number of milliseconds, got ${String(value)}`);
    }
  }

  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new UnpodConfigError('no fetch implementation: run on Node 20+ or pass the `fetch` option');
  }

  return {
    httpBaseUrl,
    apiKey,
    timeoutMs,
    maxRetries,
    fetch: fetchImpl,
    defaultHeaders: { ...options.defaultHeaders },
    backoff,
  };
}
