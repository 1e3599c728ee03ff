import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { MAX_FRAME_BYTES } from '@unpod/protocol';

/**
 * Small helpers shared by every socket the server accepts (runner control, bridge, client).
 * Frames above `MAX_FRAME_BYTES` are refused by `ws` itself with close 1009.
 */

/** A `ws` server that only performs upgrades handed to it (the HTTP server routes by path). */
export function createUpgradeServer(): WebSocketServer {
  // No compression: frames are small JSON, and deflate costs CPU and latency on every frame.
  return new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, clientTracking: false, perMessageDeflate: false });
}

/** The TCP socket under each accepted WebSocket, for write coalescing. */
const rawSockets = new WeakMap<WebSocket, Duplex>();
const corked = new Set<Duplex>();
let flushQueued = false;

function flushCorked(): void {
  flushQueued = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Hold `ws`'s writes until the current tick ends, so the frames one input produces (a turn's
 * `user.text` and `state`, a reply's deltas, `agent.text.end` and `state`) leave in one write
 * system call instead of one each. Loopback writes are the most expensive thing a frame costs
 * here. `ws` writes uncompressed frames straight to the socket, so corking it keeps their order;
 * `process.nextTick` releases them before any I/O or timer callback runs.
 */
function coalesceWrites(ws: WebSocket): void {
  const socket = rawSockets.get(ws);
  if (!socket || corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (!flushQueued) {
    flushQueued = true;
    process.nextTick(flushCorked);
  }
}

/** Complete a WebSocket upgrade. Resolves null when the request was not a valid upgrade. */
export function acceptUpgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    // `ws` answers an invalid upgrade with 400 itself and then never calls back.
    const onClose = () => resolve(null);
    socket.once('close', onClose);
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', onClose);
      rawSockets.set(ws, socket);
      resolve(ws);
    });
  });
}

/** Refuse an upgrade with a plain HTTP status (only before the socket was upgraded). */
export function refuseUpgrade(socket: Duplex, status: 404 | 503, message: string): void {
  const text = status === 404 ? 'Not Found' : 'Service Unavailable';
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
  } else {
    socket.destroy();
  }
}

/** Text of a WebSocket message. */
export function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Send one JSON frame; false when the socket is not open. */
export function sendJson(ws: WebSocket, frame: object): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  coalesceWrites(ws);
  ws.send(JSON.stringify(frame));
  return true;
}

/** Close with a code and a reason cut to the 123 bytes RFC 6455 allows; never throws. */
export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  try {
    ws.close(code, text);
  } catch {
    ws.terminate();
  }
}

/**
 * Detect a peer that vanished without closing (cable pulled, process frozen): ping every
 * `intervalMs`; a peer that has not answered the previous ping is terminated (close 1006).
 * Browsers and `ws`/`websockets` clients answer pings on their own.
 */
export function keepAlive(ws: WebSocket, intervalMs: number): void {
  let answered = true;
  ws.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (!answered) {
      ws.terminate();
      return;
    }
    answered = false;
    ws.ping();
  }, intervalMs);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}

/** The WebSocket form of an HTTP base URL (`http` -> `ws`, `https` -> `wss`). */
export function wsBase(httpBase: string): string {
  return httpBase.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`).replace(/\/+$/, '');
}
