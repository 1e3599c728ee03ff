import { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';

/**
 * Request bodies without the Fetch API detour. Under `@hono/node-server`, touching `c.req.raw`'s
 * body builds a web `Request` around a web stream of the Node request (AbortController, Headers,
 * ReadableStream): most of a small request's cost. A body with a `Content-Length` is read from
 * the Node request directly; chunked bodies, and requests made in-process with `app.request()`,
 * take Hono's own path.
 */

/** The Node request under a Hono context when served over HTTP (absent for `app.request()`). */
function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/** True when the body (if any) is exactly `Content-Length` bytes, or absent. */
function plainBody(incoming: IncomingMessage): boolean {
  return incoming.headers['transfer-encoding'] === undefined;
}

/** Refuse bodies over `maxBytes` with `onTooLarge` (Hono's `bodyLimit`, minus the web `Request` when it can). */
export function bodyLimit(maxBytes: number, onTooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const chunked = honoBodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async (c, next) => {
    const incoming = nodeRequest(c);
    if (!incoming || !plainBody(incoming)) return chunked(c, next);
    const declared = incoming.headers['content-length'];
    if (declared !== undefined && parseInt(declared, 10) > maxBytes) return onTooLarge(c);
    await next();
  };
}

/** The request body as text (UTF-8, a leading BOM dropped as `Request.text()` does). */
export async function readBodyText(c: Context): Promise<string> {
  const incoming = nodeRequest(c);
  if (!incoming || !plainBody(incoming)) return c.req.text();
  const text = await readAll(incoming);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function readAll(incoming: IncomingMessage): Promise<string> {
  if (incoming.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => {
      done = true;
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    incoming.once('error', (err) => {
      done = true;
      reject(err);
    });
    incoming.once('close', () => {
      if (!done) reject(new Error('request closed before its body was read'));
    });
  });
}
