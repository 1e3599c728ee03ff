import { describe, expect, it } from 'vitest';
import { StreamFramer } from './stream-framer.js';

const message = (callId: string, body = ''): string =>
  `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK${callId}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('StreamFramer (RFC 3261 section 18.3 stream framing)', () => {
  it('splits back-to-back messages and reassembles byte-by-byte input', () => {
    const framer = new StreamFramer();
    const bytes = Buffer.from(message('one', 'hello') + message('two'));
    const outputs = [...bytes].flatMap((b) => framer.push(Buffer.from([b])));
    expect(outputs.map((o) => (o.type === 'message' ? o.message.headers.get('Call-ID') : o.type))).toEqual(['one', 'two']);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('reports double-CRLF keepalives (RFC 5626) between messages and ignores single CRLFs', () => {
    const framer = new StreamFramer();
    const out = framer.push(Buffer.from(`\r\n\r\n${message('a')}\r\n${message('b')}`));
    expect(out.map((o) => o.type)).toEqual(['keepalive', 'message', 'message']);
  });

  it('keeps the stream usable after a well-framed but invalid message', () => {
    const framer = new StreamFramer();
    const bad = message('x').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE');
    expect(framer.push(Buffer.from(bad + message('ok'))).map((o) => o.type)).toEqual(['invalid', 'message']);
  });

  it('fails fatally without Content-Length or when oversize', () => {
    const framer = new StreamFramer();
    const noLength = message('x').replace(/Content-Length: 0\r\n/, '');
    expect(framer.push(Buffer.from(noLength)).map((o) => o.type)).toEqual(['fatal']);
    expect(framer.push(Buffer.from(message('y')))).toEqual([]);
    const small = new StreamFramer({ maxMessageBytes: 100 });
    expect(small.push(Buffer.from(message('z', 'x'.repeat(200)))).map((o) => o.type)).toEqual(['fatal']);
  });
});
