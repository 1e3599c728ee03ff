import { SpeechError } from '../contracts/errors.js';

/**
 * Maps a vendor's HTTP status (a REST answer or a refused WebSocket handshake) to a
 * {@link SpeechError}. Credentials and request errors are not retryable: repeating them cannot
 * succeed, so failover moves on. Rate limits, timeouts and server errors are retryable.
 * `detail` is the vendor's own error text, cut short; it never contains the key.
 */
export function errorFromHttpStatus(provider: string, status: number, detail: string | undefined): SpeechError {
  const suffix = detail ? `: ${truncate(detail)}` : '';
  if (status === 401 || status === 403) {
    return new SpeechError('provider_error', `${provider} rejected the credentials (HTTP ${status})${suffix}`, { provider });
  }
  if (status === 408 || status === 429 || status >= 500) {
    const what = status === 429 ? 'is rate limiting requests' : status === 408 ? 'timed out' : 'failed';
    return new SpeechError('unavailable', `${provider} ${what} (HTTP ${status})${suffix}`, { provider, retryable: true });
  }
  if (status === 415) {
    return new SpeechError('bad_audio', `${provider} refused the audio format (HTTP 415)${suffix}`, { provider });
  }
  return new SpeechError('provider_error', `${provider} refused the request (HTTP ${status})${suffix}`, { provider });
}

/** A connection that could not be made or broke (refused, reset, DNS): retryable `unavailable`. */
export function networkError(provider: string, cause: unknown): SpeechError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SpeechError('unavailable', `cannot reach ${provider}: ${truncate(detail)}`, { provider, retryable: true, cause });
}

/** A vendor message that does not have the documented shape. */
export function malformedError(provider: string, what: string): SpeechError {
  return new SpeechError('provider_error', `${provider} sent a malformed ${what}`, { provider });
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
