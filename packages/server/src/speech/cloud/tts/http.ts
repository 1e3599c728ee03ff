import type { PcmChunk } from '../../contracts/audio.js';
import { abortedError } from '../../contracts/errors.js';
import { connectionError, malformed, statusError } from './errors.js';
import { Pcm16Assembler } from './pcm.js';

/** Longest error body read from a failed response. */
const MAX_ERROR_BODY_BYTES = 4096;

/** One vendor HTTP request. */
export interface VendorRequest {
  provider: string;
  url: URL;
  method?: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/**
 * Sends a request and returns the response once its status is 2xx. Network failures become
 * retryable `unavailable`, statuses go through {@link statusError} with the vendor's error
 * message (extracted from the JSON shapes vendors use) when there is one.
 */
export async function vendorFetch(request: VendorRequest): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? 'POST',
      headers: request.headers,
      body: request.body,
      signal: request.signal,
    });
  } catch (err) {
    if (request.signal.aborted) throw abortedError(request.provider, request.signal);
    throw connectionError(request.provider, err);
  }
  if (response.ok) return response;
  const text = await readLimited(response, request.signal).catch(() => '');
  throw statusError(request.provider, response.status, errorMessageOf(text));
}

/** The human part of a vendor error body: `error.message`, `message`, `err_msg`, `detail`, or the text. */
export function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      const nested = o['error'];
      if (nested !== null && typeof nested === 'object' && typeof (nested as Record<string, unknown>)['message'] === 'string') {
        return (nested as Record<string, string>)['message']!;
      }
      for (const key of ['message', 'err_msg', 'detail', 'error']) {
        const v = o[key];
        if (typeof v === 'string') return v;
        if (v !== null && typeof v === 'object' && typeof (v as Record<string, unknown>)['message'] === 'string') {
          return (v as Record<string, string>)['message']!;
        }
      }
    }
  } catch {
    // Not JSON: use the text as it is.
  }
  return text;
}

async function readLimited(response: Response, signal: AbortSignal): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY_BYTES && !signal.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).toString('utf8').slice(0, MAX_ERROR_BODY_BYTES);
}

/**
 * Refuses a 2xx response whose content type says it is not audio (a proxy's HTML page, a JSON
 * error with status 200), so it is never played as noise.
 */
export function expectAudioBody(response: Response, provider: string): void {
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  if (type.startsWith('text/') || type.includes('json') || type.includes('html') || type.includes('xml')) {
    void response.body?.cancel().catch(() => undefined);
    throw malformed(provider, `expected raw audio, got content-type "${type}"`);
  }
}

/**
 * Streams a raw PCM16 LE response body as chunks at `sampleRateHz`, as bytes arrive. Returning
 * early (the caller stopped iterating) cancels the body, which closes the connection.
 */
export async function* streamPcmBody(response: Response, sampleRateHz: number, provider: string, signal: AbortSignal): AsyncGenerator<PcmChunk> {
  if (response.body === null) throw malformed(provider, 'empty body');
  const reader = response.body.getReader();
  const assembler = new Pcm16Assembler();
  let finished = false;
  try {
    for (;;) {
      let result: Awaited<ReturnType<typeof reader.read>>;
      try {
        result = await reader.read();
      } catch (err) {
        if (signal.aborted) throw abortedError(provider, signal);
        throw connectionError(provider, err);
      }
      if (result.done) break;
      const samples = assembler.push(result.value);
      if (samples.length > 0) yield { samples, sampleRateHz };
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
