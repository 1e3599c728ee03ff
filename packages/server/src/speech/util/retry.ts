import { toSpeechError, type SpeechError } from '../contracts/errors.js';
import { delay } from './abort.js';

/** Bounded retry policy for transient engine errors. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retrying). */
  maxRetries: number;
  /** Delay before the first retry; doubles each time. */
  initialDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, initialDelayMs: 100, maxDelayMs: 1000 };

/**
 * Runs `attempt` and retries it while it fails with a retryable {@link SpeechError}, up to
 * `policy.maxRetries` times with exponential backoff. Abort stops the waiting at once.
 * `onRetry` observes each retry (for metrics and logs).
 */
export async function withRetries<T>(
  attempt: (attemptIndex: number) => Promise<T>,
  policy: RetryPolicy,
  options: { provider: string; signal?: AbortSignal | undefined; onRetry?: (err: SpeechError, attemptIndex: number) => void },
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt(i);
    } catch (raw) {
      const err = toSpeechError(raw, options.provider);
      if (!err.retryable || i >= policy.maxRetries || options.signal?.aborted) throw err;
      options.onRetry?.(err, i + 1);
      await delay(Math.min(policy.initialDelayMs * 2 ** i, policy.maxDelayMs), options.signal, options.provider);
    }
  }
}
