import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { SpeechError, abortedError } from '../../contracts/errors.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { connectionError, malformed, statusError } from './errors.js';
import { errorMessageOf } from './http.js';

/** Longest handshake error body read. */
const MAX_ERROR_BODY_BYTES = 4096;

/** A connected vendor WebSocket whose text messages arrive parsed as JSON objects. */
export interface VendorSocket {
  /** Vendor messages in order; ends when the socket closes; throws `aborted` on cancellation. */
  readonly messages: AsyncIterable<Record<string, unknown>>;
  /** Close code and reason once the socket has closed. */
  readonly closeInfo: { code: number; reason: string } | null;
  /** Sends one JSON message (ignored once the socket is closing). */
  send(message: object): void;
  /** Closes the socket (normal closure). Idempotent. */
  close(): void;
}

/** What to open. */
export interface VendorSocketOptions {
  provider: string;
  url: URL;
  headers: Record<string, string>;
  signal: AbortSignal;
  /**
   * A message telling the vendor to stop (Cartesia's `cancel`), sent before closing when
   * `signal` aborts an open socket. Without it the socket is torn down at once.
   */
  cancelMessage?: (() => object) | undefined;
}

/**
 * Opens a WebSocket to a vendor. A refused handshake (HTTP 401, 429, 5xx) fails through
 * {@link statusError}; a connection failure is retryable `unavailable`; aborting `signal` tears
 * the socket down at once and makes iteration throw `aborted`.
 */
export function openVendorSocket(options: VendorSocketOptions): Promise<VendorSocket> {
  const { provider, signal } = options;
  if (signal.aborted) return Promise.reject(abortedError(provider, signal));
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, { headers: options.headers, perMessageDeflate: false });
    const raw = new AsyncQueue<string>();
    let closeInfo: { code: number; reason: string } | null = null;
    let opened = false;
    const onAbort = (): void => {
      const err = abortedError(provider, signal);
      raw.fail(err);
      if (opened && options.cancelMessage !== undefined && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(options.cancelMessage()));
        socket.close(1000);
      } else {
        socket.terminate();
      }
      if (!opened) reject(err);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settleFailure = (err: SpeechError): void => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    };
    socket.on('unexpected-response', (request, response: IncomingMessage) => {
      readBody(response)
        .catch(() => '')
        .then((text) => {
          request.destroy();
          settleFailure(statusError(provider, response.statusCode ?? 0, errorMessageOf(text)));
        });
    });
    socket.on('error', (err) => {
      if (!opened) settleFailure(connectionError(provider, err));
      else raw.fail(connectionError(provider, err));
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) raw.fail(malformed(provider, 'unexpected binary frame'));
      else raw.push(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    socket.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString('utf8') };
      signal.removeEventListener('abort', onAbort);
      raw.end();
    });
    socket.on('open', () => {
      opened = true;
      resolve({
        messages: parsed(raw, provider),
        get closeInfo() {
          return closeInfo;
        },
        send: (message) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
        },
        close: () => {
          signal.removeEventListener('abort', onAbort);
          if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
        },
      });
    });
  });
}

async function* parsed(raw: AsyncIterable<string>, provider: string): AsyncGenerator<Record<string, unknown>> {
  for await (const text of raw) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw malformed(provider, 'message is not JSON');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed(provider, 'message is not a JSON object');
    yield value as Record<string, unknown>;
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size < MAX_ERROR_BODY_BYTES) parts.push(chunk);
      size += chunk.length;
    });
    response.on('end', () => resolve(Buffer.concat(parts).toString('utf8').slice(0, MAX_ERROR_BODY_BYTES)));
    response.on('error', reject);
  });
}

/**
 * The error for a socket that closed before the vendor said the audio was complete. Policy
 * violation (1008) is how vendors reject credentials on an open socket: not retryable. Anything
 * else (a dropped connection, 1011 server error) is retryable.
 */
export function earlyCloseError(provider: string, info: { code: number; reason: string } | null): SpeechError {
  const code = info?.code ?? 1006;
  const reason = info?.reason ? `: ${info.reason}` : '';
  if (code === 1008) return statusError(provider, 401, `connection closed with policy violation${reason}`);
  return new SpeechError('provider_error', `${provider} closed the connection (code ${code}) before the end of the audio${reason}`, { provider, retryable: true });
}
