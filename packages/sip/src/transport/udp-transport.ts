/** SIP over UDP (RFC 3261 section 18) on one node:dgram socket. */
import { createSocket, type Socket } from 'node:dgram';
import { SipParseError } from '../message/errors.js';
import { parseMessage } from '../message/parser.js';
import { serializeMessage } from '../message/serializer.js';
import { type SipMessage } from '../message/message.js';
import { normaliseAddress, stampReceived, SipTransport, type Endpoint, type MessageSource } from './transport.js';

export interface UdpTransportOptions {
  /** Bind address; default 0.0.0.0 (use `::` for IPv6). */
  address?: string;
  /** Bind port; 0 picks a free one. Default 5060. */
  port?: number;
}

export class UdpTransport extends SipTransport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    override readonly local: Endpoint,
  ) {
    super();
    socket.on('message', (data, rinfo) => this.onDatagram(data, { address: normaliseAddress(rinfo.address), port: rinfo.port, protocol: 'udp' }));
    socket.on('error', (error) => this.deliver('error', error));
  }

  /** Binds a socket and resolves once it is listening. */
  static async open(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const address = options.address ?? '0.0.0.0';
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 5060, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bound = socket.address();
    return new UdpTransport(socket, { address: bound.address, port: bound.port });
  }

  send(message: SipMessage, destination: Endpoint): Promise<void> {
    if (this.closed) return Promise.reject(new Error('transport closed'));
    const bytes = serializeMessage(message);
    return new Promise((resolve, reject) => {
      this.socket.send(bytes, destination.port, destination.address, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    this.removeAllListeners();
  }

  private onDatagram(data: Buffer, source: MessageSource): void {
    // RFC 5626 section 3.5.1 keepalives and stray CRLFs carry no message.
    if (data.every((b) => b === 13 || b === 10)) return;
    let message: SipMessage;
    try {
      message = parseMessage(data, { framing: 'datagram' });
      if (message.kind === 'request') stampReceived(message, source);
    } catch (error) {
      if (error instanceof SipParseError) this.deliver('invalid', error, source, data);
      else this.deliver('error', error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.deliver('message', message, source);
  }
}
