import type { LiveEvent } from '@unpod/protocol';

/** A comment line every so often keeps proxies and browsers from closing an idle stream. */
export const SSE_KEEPALIVE_MS = 15_000;

/** The writer side of one Server-Sent Events response. */
export interface SseWriter {
  send(event: LiveEvent): void;
  /** End the response (the client sees the stream close). */
  close(): void;
  readonly closed: boolean;
}

/** One SSE message: `event:` is the type, `data:` the JSON event (one line: JSON has no raw newlines). */
export function formatSse(event: LiveEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Build a `text/event-stream` response. `start` runs once with the writer and returns a cleanup
 * that runs exactly once, when the stream is closed by either side.
 */
export function sseResponse(start: (writer: SseWriter) => () => void): Response {
  const encoder = new TextEncoder();
  let cleanup: (() => void) | undefined;
  let keepalive: NodeJS.Timeout | undefined;
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    if (keepalive) clearInterval(keepalive);
    cleanup?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const writer: SseWriter = {
        send(event) {
          if (!closed) controller.enqueue(encoder.encode(formatSse(event)));
        },
        close() {
          if (closed) return;
          finish();
          controller.close();
        },
        get closed() {
          return closed;
        },
      };
      controller.enqueue(encoder.encode(': unpod live events\n\n'));
      keepalive = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(': keepalive\n\n'));
      }, SSE_KEEPALIVE_MS);
      keepalive.unref();
      const c = start(writer);
      if (closed) c();
      else cleanup = c;
    },
    cancel() {
      finish();
    },
  });
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  });
}
