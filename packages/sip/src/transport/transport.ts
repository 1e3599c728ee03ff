/** Transport layer contract (RFC 3261 section 18) shared by UDP and TCP. */
import { type SipParseError } from '../message/errors.js';
import { type SipMessage, type SipRequest } from '../message/message.js';
import { hostToAddress } from '../message/uri.js';
import { formatVia, parseVia, type Via } from '../message/via.js';
import { Emitter } from '../util/emitter.js';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface Endpoint {
  address: string;
  port: number;
}

export interface MessageSource extends Endpoint {
  protocol: TransportProtocol;
}

export interface TransportEvents {
  [event: string]: (...args: never[]) => void;
  /** A parsed message. Requests already carry `received`/`rport` on the top Via. */
  message: (message: SipMessage, source: MessageSource) => void;
  /** Bytes that failed to parse; the UA may answer 400 from `error.partial`. */
  invalid: (error: SipParseError, source: MessageSource, raw: Buffer) => void;
  /** Socket-level failure that did not close the transport. */
  error: (error: Error) => void;
}

/** A bound transport. Everything that owns a socket has `close()`. */
export abstract class SipTransport extends Emitter<TransportEvents> {
  abstract readonly protocol: TransportProtocol;
  /** Reliable transports need no retransmissions (RFC 3261 section 17.1.1.2 and 17.1.2.2). */
  abstract readonly reliable: boolean;
  /** Where this transport is bound (address as bound, possibly 0.0.0.0). */
  abstract readonly local: Endpoint;
  abstract send(message: SipMessage, destination: Endpoint): Promise<void>;
  abstract close(): Promise<void>;

  /** Exposes `emit` to the concrete transports in this folder. */
  protected deliver<K extends keyof TransportEvents>(event: K, ...args: Parameters<TransportEvents[K]>): void {
    this.emit(event, ...args);
  }
}

/**
 * RFC 3261 section 18.2.1 and RFC 3581 section 4: stamp `received` when the top Via sent-by host
 * differs from the packet source (always, when `rport` is present) and fill `rport` with the
 * source port.
 */
export function stampReceived(request: SipRequest, source: Endpoint): void {
  const raw = request.headers.get('Via');
  if (raw === undefined) return;
  const via = parseVia(raw);
  const hasRport = via.params.has('rport');
  if (hasRport || hostToAddress(via.host) !== source.address) via.params.set('received', source.address);
  if (hasRport) via.params.set('rport', String(source.port));
  request.headers.replaceFirst('Via', formatVia(via));
}

/**
 * Where a UAS sends a response (RFC 3261 section 18.2.2, RFC 3581 section 4): back over the
 * connection on reliable transports; on UDP to `received` (and `rport`) when present, otherwise
 * to sent-by.
 */
export function responseDestination(topVia: Via, source: MessageSource): Endpoint {
  if (source.protocol !== 'udp') return { address: source.address, port: source.port };
  const maddr = topVia.params.get('maddr');
  const defaultPort = 5060;
  if (maddr) return { address: hostToAddress(maddr), port: topVia.port ?? defaultPort };
  const received = topVia.params.get('received');
  const rport = topVia.params.get('rport');
  if (received) {
    const port = rport ? Number(rport) : (topVia.port ?? defaultPort);
    return { address: hostToAddress(received), port };
  }
  return { address: hostToAddress(topVia.host), port: topVia.port ?? defaultPort };
}

/** Normalises IPv4-mapped IPv6 source addresses (`::ffff:1.2.3.4`). */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
