/**
 * RFC 4475 "SIP Torture Test Messages", section 3.2 (transaction layer) and 3.3 (application
 * layer): the parser-visible parts; status codes are the user agent's business. Messages are rebuilt from the RFC
 * text; `crlf()` turns the printed line breaks into CRLF, which the RFC specifies for every message except where it says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { SipParseError, type SipParseErrorReason } from './errors.js';
import { parseMessage } from './parser.js';
import { contactOf, maxForwardsOf, toOf, viasOf, type SipMessage } from './message.js';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');


function parse(text: string | Buffer): SipMessage {
  return parseMessage(typeof text === 'string' ? crlf(text) : text);
}

function rejectReason(text: string | Buffer): SipParseErrorReason {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    return (error as SipParseError).reason;
  }
  throw new Error('message was accepted');
}

describe('RFC 4475 3.2 and 3.3: messages that parse, for upper layers to judge', () => {
  it('3.2.1 badbranch: a branch that is only the magic cookie still parses', () => {
    const msg = parse(`OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: sip:caller@example.org;tag=33242
Max-Forwards: 3
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK
Accept: application/sdp
Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n
CSeq: 8 OPTIONS
l: 0

`);
    expect(viasOf(msg)[0]?.params.get('branch')).toBe('z9hG4bK');
  });

  it('3.3.1 insuf: missing Call-ID/From/To is rejected (400 material)', () => {
    expect(rejectReason(`INVITE sip:user@example.com SIP/2.0
CSeq: 193942 INVITE
Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf
Content-Type: application/sdp
l: 0

`)).toBe('missing-header');
  });

  it('3.3.2 unkscm / 3.3.3 novelsc / 3.3.4 unksm2: unknown schemes parse as opaque URIs (416 is the UA\'s call)', () => {
    const msg = parse(`OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=384
Max-Forwards: 3
Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34
CSeq: 3923423 OPTIONS
Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234
Content-Length: 0

`);
    expect(msg.kind === 'request' && msg.uri.kind).toBe('absolute');
    const novel = parse(`OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=384
Max-Forwards: 3
Call-ID: novelsc.asdfasser0q239nwsdfasdkl34
CSeq: 3923423 OPTIONS
Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234
Content-Length: 0

`);
    expect(novel.kind === 'request' && novel.uri.scheme).toBe('soap.beep');
    const unksm2 = parse(`REGISTER sip:example.com SIP/2.0
To: isbn:2983792873
From: <http://www.example.com>;tag=3234233
Call-ID: unksm2.daksdj@hyphenated-host.example.com
CSeq: 234902 REGISTER
Max-Forwards: 70
Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw
Contact: <name:John_Smith>
l: 0

`);
    expect(toOf(unksm2).uri.scheme).toBe('isbn');
  });

  it('3.3.9 multi01 and 3.3.10 mcl01: repeated single-value headers are rejected', () => {
    expect(rejectReason(`INVITE sip:user@company.com SIP/2.0
Contact: <sip:caller@host25.example.net>
Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw
Max-Forwards: 70
CSeq: 5 INVITE
Call-ID: multi01.98asdh@192.0.2.1
CSeq: 59 INVITE
Call-ID: multi01.98asdh@192.0.2.2
From: sip:caller@example.com;tag=3413415
To: sip:user@example.com
To: sip:other@example.net
From: sip:caller@example.net;tag=2923420123
l: 0

`)).toBe('duplicate-header');
    expect(rejectReason(`OPTIONS sip:user@example.com SIP/2.0
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423
To: sip:user@example.com
From: sip:other@example.net;tag=3923942
Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf
CSeq: 15932 OPTIONS
Content-Length: 13
Max-Forwards: 60
Content-Length: 5
Content-Type: text/plain

There's no way to know how many octets are supposed to be here.
`)).toBe('duplicate-header');
  });

  it('3.3.11 bcast / 3.3.12 zeromf / 3.3.14 cparam01/02 / 3.3.15 regescrt parse', () => {
    expect(parse(`OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=3ghsd41
Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas
CSeq: 39234321 OPTIONS
Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i
Max-Forwards: 0
Content-Length: 0

`).kind).toBe('request');
    const cparam = parse(`REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe
To: sip:watson@example.com
Call-ID: cparam01.70710@saturn.example.com
CSeq: 2 REGISTER
Contact: sip:+19725552222@gw1.example.net;unknownparam
l: 0

`);
    const contact = contactOf(cparam);
    // In addr-spec form the parameter belongs to the header, not the URI.
    expect(contact && !contact.wildcard && contact.contacts[0]?.params.has('unknownparam')).toBe(true);
    const regescrt = parse(`REGISTER sip:example.com SIP/2.0
To: sip:user@example.com
From: sip:user@example.com;tag=8
Max-Forwards: 70
Call-ID: regescrt.k345asrl3fdbv@192.0.2.1
CSeq: 14398234 REGISTER
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw
M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>
L:0

`);
    const c2 = contactOf(regescrt);
    expect(c2 && !c2.wildcard && c2.contacts[0]?.uri.kind === 'sip' && c2.contacts[0].uri.headers).toEqual([
      ['Route', '%3Csip:sip.example.com%3E'],
    ]);
  });

  it('3.3.16 inv2543: an RFC 2543 request without branch or Max-Forwards parses', () => {
    const msg = parse(`INVITE sip:UserB@example.com SIP/2.0
Via: SIP/2.0/UDP iftgw.example.com
From: <sip:+13035551111@ift.client.example.net;user=phone>
Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>
To: sip:+16505552222@ss1.example.net;user=phone
Call-ID: inv2543.1717@ift.client.example.com
CSeq: 56 INVITE
Content-Type: application/sdp

v=0
`);
    expect(viasOf(msg)[0]?.params.has('branch')).toBe(false);
    expect(maxForwardsOf(msg)).toBeUndefined();
    expect(msg.body.toString()).toBe('v=0\r\n');
  });
});
