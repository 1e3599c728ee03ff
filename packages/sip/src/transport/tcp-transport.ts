/**
 * SIP over TCP (RFC 3261 section 18.3): a listening server plus a pool of connections keyed by
 * remote `address:port`, shared by inbound and outbound traffic so responses follow requests back
 * over the connection they came in on.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { serializeMessage } from '../message/serializer.js';
import { StreamFramer } from '../message/stream-framer.js';
import { type SipMessage } from '../message/message.js';
import { normaliseAddress, stampReceived, SipTransport, type Endpoint, type MessageSource } from './transport.js';

export interface TcpTransportOptions {
  address?: string;
  /** Listening port; 0 picks a free one. Default 5060. */
  port?: number;
  /** Outbound connect timeout. Default 5000 ms. */
  connectTimeoutMs?: number;
  maxMessageBytes?: number;
}

const keyOf = (endpoint: Endpoint): string => `${endpoint.address}:${endpoint.port}`;

export class TcpTransport extends SipTransport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  private readonly connections = new Map<string, Socket>();
  private readonly pending = new Map<string, Promise<Socket>>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    override readonly local: Endpoint,
    private readonly options: TcpTransportOptions,
  ) {
    super();
    server.on('connection', (socket) => this.adopt(socket));
    server.on('error', (error) => this.deliver('error', error));
  }

  static async listen(options: TcpTransportOptions = {}): Promise<TcpTransport> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 5060, options.address ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new Error('TCP server has no address');
    return new TcpTransport(server, { address: bound.address, port: bound.port }, options);
  }

  /** Open connections, for tests and diagnostics. */
  get connectionCount(): number {
    return this.connections.size;
  }

  async send(message: SipMessage, destination: Endpoint): Promise<void> {
    if (this.closed) throw new Error('transport closed');
    const socket = await this.connectionTo(destination);
    const bytes = serializeMessage(message);
    await new Promise<void>((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.connections.values()) socket.destroy();
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.removeAllListeners();
  }

  private connectionTo(destination: Endpoint): Promise<Socket> {
    const key = keyOf(destination);
    const existing = this.connections.get(key);
    if (existing && !existing.destroyed) return Promise.resolve(existing);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const promise = new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: destination.address, port: destination.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connect to ${key} timed out`));
      }, this.options.connectTimeoutMs ?? 5000);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.adopt(socket, key);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    }).finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }

  private adopt(socket: Socket, knownKey?: string): void {
    const source: MessageSource = {
      address: normaliseAddress(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
      protocol: 'tcp',
    };
    const key = knownKey ?? keyOf(source);
    this.connections.set(key, socket);
    socket.setNoDelay(true);
    const framer = new StreamFramer({ maxMessageBytes: this.options.maxMessageBytes });
    socket.on('data', (chunk) => {
      for (const out of framer.push(chunk)) {
        switch (out.type) {
          case 'keepalive':
            socket.write('\r\n');
            break;
          case 'invalid':
            this.deliver('invalid', out.error, source, out.raw);
            break;
          case 'fatal':
            this.deliver('invalid', out.error, source, Buffer.alloc(0));
            socket.destroy();
            return;
          case 'message':
            if (out.message.kind === 'request') {
              try {
                stampReceived(out.message, source);
              } catch {
                // Via was validated by the parser; a failure here leaves the message unstamped.
              }
            }
            this.deliver('message', out.message, source);
            break;
        }
      }
    });
    socket.on('error', (error) => this.deliver('error', error));
    socket.on('close', () => {
      if (this.connections.get(key) === socket) this.connections.delete(key);
    });
  }
}
