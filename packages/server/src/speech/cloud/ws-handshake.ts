import type WebSocket from 'ws';
import { type SpeechError, abortedError } from '../contracts/errors.js';
import { errorFromHttpStatus, networkError } from './errors.js';

/**
 * Resolves once a streaming STT vendor's WebSocket is open. A refused handshake fails through
 * {@link errorFromHttpStatus} with the vendor's error body as read by `errorText` (which must
 * scrub any key the vendor echoes); a connection failure through {@link networkError}; aborting
 * `signal` terminates the socket. Afterwards errors surface as a close event, so an 'error'
 * listener that ignores them is left in place (an unlistened 'error' would throw).
 */
export function handshake(socket: WebSocket, provider: string, signal: AbortSignal, errorText: (body: string) => string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      socket.terminate();
      reject(abortedError(provider, signal));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (err?: SpeechError): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('open').removeAllListeners('unexpected-response').removeAllListeners('error');
      socket.on('error', () => undefined);
      if (err) {
        socket.terminate();
        reject(err);
      } else resolve();
    };
    socket.once('open', () => settle());
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => settle(errorFromHttpStatus(provider, res.statusCode ?? 0, errorText(Buffer.concat(chunks).toString('utf8')))));
      res.on('error', () => settle(errorFromHttpStatus(provider, res.statusCode ?? 0, undefined)));
    });
    socket.once('error', (err) => settle(networkError(provider, err)));
  });
}
