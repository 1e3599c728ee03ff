import { SpeechError, abortedError } from '../contracts/errors.js';

/**
 * A child controller aborted when any parent signal aborts, so cancellation flows down the tree
 * (call -> turn -> request). `dispose()` detaches it from the parents.
 */
export function childController(...parents: (AbortSignal | undefined)[]): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  for (const parent of parents) {
    if (parent === undefined) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = (): void => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => parent.removeEventListener('abort', onAbort));
  }
  return { controller, dispose: () => cleanups.forEach((c) => c()) };
}

/** Resolves after `ms`, or rejects with an `aborted` speech error when `signal` aborts first. */
export function delay(ms: number, signal?: AbortSignal, provider?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(provider, signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(provider, signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Throws the `aborted` speech error if `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, provider?: string): void {
  if (signal?.aborted) throw abortedError(provider, signal);
}

/**
 * Runs `work` with a signal that aborts when `parent` aborts or after `timeoutMs`; in the latter
 * case the promise rejects with a `timeout` speech error naming `what`. The timeout aborts the
 * work it bounds, so nothing keeps running unobserved.
 */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: { timeoutMs: number; what: string; provider?: string | undefined; signal?: AbortSignal | undefined },
): Promise<T> {
  const { controller, dispose } = childController(options.signal);
  const timeoutError = new SpeechError('timeout', `${options.what} took longer than ${options.timeoutMs} ms`, {
    provider: options.provider,
    retryable: true,
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(timeoutError);
      reject(timeoutError);
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), timedOut]);
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason === timeoutError) throw timeoutError;
    throw err;
  } finally {
    clearTimeout(timer);
    dispose();
  }
}
