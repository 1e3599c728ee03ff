import { encodeWav } from '@unpod/media';
import { SpeechError, abortedError } from '../contracts/errors.js';
import { errorFromHttpStatus, networkError } from './errors.js';

/**
 * `fetch` with the speech layer's error mapping: a refused or broken connection is retryable
 * `unavailable`, an abort is `aborted`, and a non-2xx answer is mapped by status with the
 * vendor's error text (read from `errorText`).
 */
export async function vendorFetch(
  provider: string,
  url: string,
  init: RequestInit & { signal: AbortSignal },
  errorText: (body: string) => string | undefined,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    if (init.signal.aborted) throw abortedError(provider, init.signal);
    throw networkError(provider, err);
  }
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    throw errorFromHttpStatus(provider, res.status, errorText(body));
  }
  return res;
}

/** Reads a JSON body; a body that is not JSON is a clear `provider_error`. */
export async function readJson(provider: string, res: Response, signal: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    if (signal.aborted) throw abortedError(provider, signal);
    throw new SpeechError('unavailable', `${provider} response broke off`, { provider, retryable: true, cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SpeechError('provider_error', `${provider} sent a response that is not JSON`, { provider });
  }
}

/** The `{ error: { message } }` text most JSON APIs return, if present. */
export function jsonErrorMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string };
    if (typeof parsed.error === 'string') return parsed.error;
    const message = parsed.error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return body.length > 0 ? body : undefined;
  }
}

/** A WAV file of mono PCM16, as request/response vendors take it, as a `Blob` part. */
export function wavBlob(samples: Int16Array, sampleRateHz: number): Blob {
  const bytes = encodeWav({ sampleRateHz, channels: 1 }, samples);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'audio/wav' });
}
