import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';

/**
 * Connections the kernel may queue before we accept them (capped by `net.core.somaxconn`). Every
 * call opens sockets (runner bridge, client) and a burst of calls opens them by the hundred while
 * the event loop is busy; Node's default of 511 overflows, and a dropped SYN costs the dialer a
 * 1 s, then 3 s retransmit: past the runner's bridge open timeout.
 */
const LISTEN_BACKLOG = 4096;

/** Handles a WebSocket upgrade for a path it claimed; must take over or destroy the socket. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

/**
 * The node HTTP server: REST through Hono's request listener, WebSocket upgrades routed by path
 * prefix to their owners (runner control socket, bridge, client sockets).
 */
export class HttpServer {
  readonly server: Server;
  private readonly upgrades: Array<{ prefix: string; handler: UpgradeHandler }> = [];

  constructor(app: Hono<never> | Hono<any>, private readonly logger: Logger) { // eslint-disable-line @typescript-eslint/no-explicit-any
    this.server = createServer(getRequestListener(app.fetch));
    // Idle keep-alive sockets must not hold shutdown; requests are short.
    this.server.keepAliveTimeout = 5000;
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Claim WebSocket upgrades whose path starts with `prefix`. */
  onUpgradePath(prefix: string, handler: UpgradeHandler): void {
    this.upgrades.push({ prefix, handler });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry = this.upgrades.find((u) => url.pathname.startsWith(u.prefix));
    if (!entry) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    try {
      entry.handler(req, socket, head, url);
    } catch (err) {
      this.logger.error({ err, path: url.pathname }, 'websocket upgrade failed');
      socket.destroy();
    }
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
