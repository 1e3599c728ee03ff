/**
 * Splits a reliable byte stream (TCP/TLS) into SIP messages using Content-Length
 * (RFC 3261 section 18.3). CRLFs between messages are keepalives (RFC 5626 section 3.5.1) and are
 * reported, not treated as errors. Pure and synchronous: `push()` returns what the bytes completed.
 */
import { SipParseError } from './errors.js';
import { findHeaderEnd, parseMessage } from './parser.js';
import { type SipMessage } from './message.js';

export type FramerOutput =
  | { type: 'message'; message: SipMessage; raw: Buffer }
  /** A well-framed message that failed to parse; the stream remains usable. */
  | { type: 'invalid'; error: SipParseError; raw: Buffer }
  /** Framing is lost (no or bad Content-Length, oversize); the connection must be closed. */
  | { type: 'fatal'; error: SipParseError }
  /** A double-CRLF ping (RFC 5626); reply with a single CRLF. */
  | { type: 'keepalive' };

export interface StreamFramerOptions {
  /** Largest message accepted, header plus body. Default 256 KiB. */
  maxMessageBytes?: number;
}

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private failed = false;
  private readonly maxMessageBytes: number;

  constructor(options: StreamFramerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 256 * 1024;
  }

  /** Bytes held waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): FramerOutput[] {
    if (this.failed) return [];
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const out: FramerOutput[] = [];
    for (;;) {
      const crlfs = this.leadingCrlfCount();
      if (crlfs > 0) {
        if (crlfs >= 4 && this.buffer.subarray(0, 4).toString('latin1') === '\r\n\r\n') out.push({ type: 'keepalive' });
        // Keep a lone trailing CR: it may be the start of the next CRLF pair.
        const consumed = crlfs === this.buffer.length && this.buffer[crlfs - 1] === 13 ? crlfs - 1 : crlfs;
        this.buffer = this.buffer.subarray(consumed);
        if (consumed < crlfs) break;
      }
      if (this.buffer.length === 0) break;
      const end = findHeaderEnd(this.buffer);
      if (!end) {
        if (this.buffer.length > this.maxMessageBytes) return [...out, this.fail('message-too-large', 'header section too large')];
        break;
      }
      const headerText = this.buffer.subarray(0, end.headerEnd).toString('latin1');
      const match = /(?:^|\r?\n)(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(headerText);
      if (!match) return [...out, this.fail('bad-content-length', 'Content-Length is mandatory on streams')];
      const lengthText = (match[1] as string).trim();
      if (!/^[0-9]{1,9}$/.test(lengthText)) return [...out, this.fail('bad-content-length', 'bad Content-Length')];
      const total = end.bodyStart + Number(lengthText);
      if (total > this.maxMessageBytes) return [...out, this.fail('message-too-large', 'message too large')];
      if (this.buffer.length < total) break;
      const raw = Buffer.from(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
      try {
        out.push({ type: 'message', message: parseMessage(raw, { framing: 'stream', maxSizeBytes: this.maxMessageBytes }), raw });
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
        out.push({ type: 'invalid', error, raw });
      }
    }
    return out;
  }

  private leadingCrlfCount(): number {
    let i = 0;
    while (i < this.buffer.length && (this.buffer[i] === 13 || this.buffer[i] === 10)) i++;
    return i;
  }

  private fail(reason: 'bad-content-length' | 'message-too-large', detail: string): FramerOutput {
    this.failed = true;
    this.buffer = Buffer.alloc(0);
    return { type: 'fatal', error: new SipParseError(reason, detail, 'Content-Length') };
  }
}
