/** Serialises SIP messages; Content-Length always reflects the actual body (RFC 3261 section 20.14). */
import { formatUri } from './uri.js';
import { type SipMessage } from './message.js';

export function startLineOf(message: SipMessage): string {
  return message.kind === 'request'
    ? `${message.method} ${formatUri(message.uri)} SIP/2.0`
    : `SIP/2.0 ${message.status} ${message.reason}`;
}

export function serializeMessage(message: SipMessage): Buffer {
  let head = `${startLineOf(message)}\r\n`;
  for (const [name, value] of message.headers) {
    if (name === 'Content-Length') continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${message.body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), message.body]);
}
