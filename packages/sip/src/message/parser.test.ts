import { describe, expect, it } from 'vitest';
import { createRequest, createResponse } from './builders.js';
import { SipParseError } from './errors.js';
import { SipHeaders } from './headers.js';
import { parseMessage } from './parser.js';
import { contactOf, cseqOf, topViaOf, viasOf, type SipRequest } from './message.js';
import { serializeMessage } from './serializer.js';
import { parseUri } from './uri.js';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'));

const BASE = `INVITE sip:bob@biloxi.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
To: Bob <sip:bob@biloxi.com>
From: Alice <sip:alice@atlanta.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.com
CSeq: 314159 INVITE
Contact: <sip:alice@pc33.atlanta.com>
`;

describe('parseMessage', () => {
  it('splits list headers on commas outside quotes and brackets (7.3.1)', () => {
    const msg = parseMessage(crlf(`${BASE}Route: <sip:p1.example.com;lr>, "a,b" <sip:p2.example.com;lr>
Allow: INVITE, ACK,BYE
WWW-Authenticate: Digest realm="a,b", nonce="x"
Content-Length: 0

`));
    expect(msg.headers.getAll('Route')).toEqual(['<sip:p1.example.com;lr>', '"a,b" <sip:p2.example.com;lr>']);
    expect(msg.headers.getAll('Allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(msg.headers.getAll('WWW-Authenticate')).toEqual(['Digest realm="a,b", nonce="x"']);
  });

  it('reads Via branch, rport without value, received; Contact *', () => {
    const msg = parseMessage(crlf(`REGISTER sip:registrar.biloxi.com SIP/2.0
Via: SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bKnashds7;rport;received=192.0.2.4
To: Bob <sip:bob@biloxi.com>
From: Bob <sip:bob@biloxi.com>;tag=456248
Call-ID: 843817637684230@998sdasdh09
CSeq: 1826 REGISTER
Contact: *
Expires: 0
Content-Length: 0

`));
    const via = topViaOf(msg);
    expect(via).toMatchObject({ transport: 'UDP', host: '[2001:db8::9]', port: 5062 });
    expect(via.params.get('rport')).toBeNull();
    expect(via.params.get('received')).toBe('192.0.2.4');
    expect(contactOf(msg)).toEqual({ wildcard: true });
  });

  it('UDP: discards octets beyond Content-Length and takes the rest when absent (18.3)', () => {
    const withLength = parseMessage(crlf(`${BASE}Content-Length: 4\n\nv=0\nextra`));
    expect(withLength.body.toString()).toBe('v=0\r');
    const without = parseMessage(crlf(`${BASE}\nv=0\n`));
    expect(without.body.toString()).toBe('v=0\r\n');
  });

  it('stream framing requires Content-Length', () => {
    expect(() => parseMessage(crlf(`${BASE}\n`), { framing: 'stream' })).toThrow(SipParseError);
  });

  it('ignores CRLFs before the start line (7.5) and rejects empty input', () => {
    expect(parseMessage(crlf(`\n\n${BASE}Content-Length: 0\n\n`)).kind).toBe('request');
    expect(() => parseMessage(Buffer.from('\r\n\r\n'))).toThrow(SipParseError);
    expect(() => parseMessage(Buffer.alloc(0))).toThrow(SipParseError);
  });

  it('rejects oversize input before reading it', () => {
    try {
      parseMessage(Buffer.alloc(70_000, 65));
      expect.unreachable();
    } catch (error) {
      expect((error as SipParseError).reason).toBe('message-too-large');
    }
  });

  it('attaches the readable headers of a rejected request so a UAS can answer 400', () => {
    try {
      parseMessage(crlf(`${BASE.replace('CSeq: 314159 INVITE', 'CSeq: 314159 BYE')}Content-Length: 0\n\n`));
      expect.unreachable();
    } catch (error) {
      const e = error as SipParseError;
      expect(e.reason).toBe('cseq-method-mismatch');
      expect(e.partial?.method).toBe('INVITE');
      expect(e.partial?.headers.get('Call-ID')).toBe('a84b4c76e66710@pc33.atlanta.com');
    }
  });

  it('round-trips through serializeMessage with a recomputed Content-Length', () => {
    const msg = parseMessage(crlf(`${BASE}Content-Type: application/sdp\nContent-Length: 5\n\nv=0\r\n`));
    const again = parseMessage(serializeMessage(msg));
    expect(again).toEqual(msg);
    msg.body = Buffer.from('v=0\r\ns=x\r\n');
    expect(parseMessage(serializeMessage(msg)).body.toString()).toBe('v=0\r\ns=x\r\n');
  });
});

describe('createResponse (8.2.6.2)', () => {
  const request = parseMessage(crlf(`${BASE}Timestamp: 54\nContent-Length: 0\n\n`)) as SipRequest;

  it('copies Via, From, Call-ID, CSeq and adds a To tag except on 100', () => {
    const ok = createResponse(request, 200, { toTag: 'abc' });
    expect(ok.headers.get('To')).toBe('"Bob" <sip:bob@biloxi.com>;tag=abc');
    expect(viasOf(ok)).toHaveLength(1);
    expect(cseqOf(ok)).toEqual({ seq: 314159, method: 'INVITE' });
    const trying = createResponse(request, 100, { toTag: 'abc' });
    expect(trying.headers.get('To')).toBe('Bob <sip:bob@biloxi.com>');
    expect(trying.headers.get('Timestamp')).toBe('54');
    expect(parseMessage(serializeMessage(ok)).kind).toBe('response');
  });

  it('createRequest produces a parseable request', () => {
    const req = createRequest({
      method: 'OPTIONS', uri: parseUri('sip:x@example.com'), via: 'SIP/2.0/UDP h;branch=z9hG4bKa',
      from: '<sip:a@h>;tag=1', to: '<sip:x@example.com>', callId: 'c1', cseq: 1,
      headers: new SipHeaders([['Accept', 'application/sdp']]),
    });
    const parsed = parseMessage(serializeMessage(req));
    expect([...parsed.headers].filter(([n]) => n !== 'Content-Length')).toEqual([...req.headers]);
    expect(parsed.kind === 'request' && parsed.method).toBe('OPTIONS');
  });
});
