import { AdapterError } from '../errors.js';

/** Statuses worth retrying: timeouts, rate limits and server-side failures. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Aborts when no progress was made for `timeoutMs`: covers the wait for response headers and
 * every gap between body chunks, so a long but steadily streaming reply is never cut.
 */
export class IdleTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly timeoutMs: number) {
    this.touch();
  }

  /** Aborted when the timeout fired. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Progress was made; restart the clock. */
  touch(): void {
    if (this.controller.signal.aborted) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.controller.abort(new AdapterError(`no response progress within ${this.timeoutMs} ms`, { transient: true })),
      this.timeoutMs,
    );
  }

  /** Stop the clock. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Inputs of {@link fetchWithRetry}. */
export interface RetryingFetch {
  fetch: typeof fetch;
  url: string;
  init: Omit<RequestInit, 'signal'>;
  /** The caller's signal (barge-in, call end): never retried. */
  signal: AbortSignal;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  /** Builds the error for a non-2xx response (consumes the body). */
  errorFor: (response: Response) => Promise<AdapterError>;
}

/** A 2xx response plus the idle timer that keeps watching its body. */
export interface RetriedResponse {
  response: Response;
  idle: IdleTimeout;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * POST with an idle timeout; retries network errors, idle timeouts and transient statuses (never
 * the caller's abort) up to `retries` times with doubling delays. Only the wait for headers is
 * retried: once a 2xx arrives, the body belongs to the caller.
 */
export async function fetchWithRetry(req: RetryingFetch): Promise<RetriedResponse> {
  for (let attempt = 0; ; attempt++) {
    const idle = new IdleTimeout(req.timeoutMs);
    let failure: AdapterError;
    try {
      const response = await req.fetch(req.url, { ...req.init, signal: AbortSignal.any([req.signal, idle.signal]) });
      if (response.ok) return { response, idle };
      idle.clear();
      failure = await req.errorFor(response);
    } catch (err) {
      idle.clear();
      if (req.signal.aborted) throw req.signal.reason ?? err;
      failure =
        err instanceof AdapterError
          ? err
          : idle.signal.aborted
            ? (idle.signal.reason as AdapterError)
            : new AdapterError(`request failed: ${err instanceof Error ? err.message : String(err)}`, { transient: true, cause: err });
    }
    if (!failure.transient || attempt >= req.retries) throw failure;
    await sleep(req.retryDelayMs * 2 ** attempt, req.signal);
  }
}

/** Replace anything that looks like a secret key in provider text with `***`. */
export function scrubSecrets(text: string): string {
  return text.replace(/\b(sk|pk|rk)[-_][A-Za-z0-9_\-*]{4,}/g, '$1-***');
}
