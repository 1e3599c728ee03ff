import { SpeechError } from '../../contracts/errors.js';

/** Longest vendor error text carried into an error message. */
const MAX_DETAIL_CHARS = 200;

/** Shortens and flattens vendor error text for an error message (never includes request data). */
export function vendorDetail(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS)}…` : flat;
}

/**
 * Maps a vendor HTTP status (or a status a vendor reports inside a WebSocket message) to a
 * {@link SpeechError}: bad credentials are `unavailable` and not retryable (repeating cannot help,
 * failover should move on); rate limits and server errors are retryable; requests the vendor
 * rejects are not.
 */
export function statusError(provider: string, status: number, detail: string): SpeechError {
  const suffix = detail.length > 0 ? `: ${vendorDetail(detail)}` : '';
  if (status === 401 || status === 403) {
    return new SpeechError('unavailable', `${provider} refused the credentials (HTTP ${status}); check the API key${suffix}`, { provider });
  }
  if (status === 429 || status === 408) {
    return new SpeechError('unavailable', `${provider} is rate limiting or busy (HTTP ${status})${suffix}`, { provider, retryable: true });
  }
  if (status >= 500) {
    return new SpeechError('provider_error', `${provider} failed (HTTP ${status})${suffix}`, { provider, retryable: true });
  }
  if (status === 404) {
    return new SpeechError('unsupported', `${provider} does not know the requested voice or model (HTTP 404)${suffix}`, { provider });
  }
  return new SpeechError('provider_error', `${provider} rejected the request (HTTP ${status})${suffix}`, { provider });
}

/** The error for a vendor message that does not follow the documented protocol. */
export function malformed(provider: string, why: string): SpeechError {
  return new SpeechError('provider_error', `${provider} sent a malformed response: ${why}`, { provider });
}

/** The error for a connection that could not be made or dropped (retryable). */
export function connectionError(provider: string, err: unknown): SpeechError {
  const cause = err instanceof Error ? err : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (cause?.cause as { code?: unknown } | undefined)?.code;
  const what = typeof code === 'string' ? code : (cause?.message ?? String(err));
  return new SpeechError('unavailable', `cannot reach ${provider}: ${what}`, { provider, retryable: true, cause: err });
}
