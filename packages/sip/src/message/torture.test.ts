/**
 * RFC 4475 "SIP Torture Test Messages", section 3.1 (parser tests) and the parser-visible parts
 * of 3.2/3.3. Messages are rebuilt here from the RFC text; `crlf()` turns the printed line breaks
 * into CRLF, which the RFC specifies for every message except where it says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { SipParseError, type SipParseErrorReason } from './errors.js';
import { parseMessage } from './parser.js';
import { callIdOf, contactOf, cseqOf, fromOf, maxForwardsOf, routesOf, toOf, viasOf, type SipMessage } from './message.js';
import { unescape, type SipUri } from './uri.js';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');

const SDP_150 = [
  'v=0', 'o=mhandley 29739 7272939 IN IP4 192.0.2.3', 's=-', 'c=IN IP4 192.0.2.4', 't=0 0',
  'm=audio 49217 RTP/AVP 0 12', 'm=video 3227 RTP/AVP 31', 'a=rtpmap:31 LPC', '',
].join('\n');
const SDP_150B = SDP_150.replace('192.0.2.3', '192.0.2.1').replace('192.0.2.4', '192.0.2.1');

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

describe('RFC 4475 3.1.1 valid messages parse', () => {
  it('3.1.1.1 wsinv: folding, compact forms, odd case and LWS everywhere', () => {
    const text = `INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0
TO :
 sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n
from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>
  ;
  tag = 98asjd8
MaX-fOrWaRdS: 0068
Call-ID: wsinv.ndaksdj@192.0.2.1
Content-Length   : 150
cseq: 0009
  INVITE
Via  : SIP  /   2.0
 /UDP
    192.0.2.2;branch=390skdjuw
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
Content-Type: application/sdp
Route:
 <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
v:  SIP  / 2.0  / TCP     spindle.example.com   ;
  branch  =   z9hG4bK9ikj8  ,
 SIP  /    2.0   / UDP  192.168.255.111   ; branch=
 z9hG4bK30239
m:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =
      newvalue ;
  secondparam ; q = 0.33

${SDP_150}`;
    expect(crlf(SDP_150).length).toBe(150);
    const msg = parse(text);
    expect(msg.kind).toBe('request');
    if (msg.kind !== 'request') return;
    expect(msg.method).toBe('INVITE');
    expect((msg.uri as SipUri).params.has('unknownparam')).toBe(true);
    expect(toOf(msg).params.get('tag')).toBe('1918181833n');
    expect(fromOf(msg).displayName).toBe('J Rosenberg \\"');
    expect(fromOf(msg).params.get('tag')).toBe('98asjd8');
    expect(maxForwardsOf(msg)).toBe(68);
    expect(cseqOf(msg)).toEqual({ seq: 9, method: 'INVITE' });
    const vias = viasOf(msg);
    expect(vias.map((v) => [v.transport, v.host, v.params.get('branch')])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(msg.headers.get('Subject')).toBe('');
    expect(msg.headers.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(msg.headers.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(routesOf(msg, 'Route')[0]?.uri).toMatchObject({ host: 'services.example.com' });
    const contact = contactOf(msg);
    expect(contact?.wildcard).toBe(false);
    if (contact && !contact.wildcard) {
      expect(contact.contacts[0]?.displayName).toBe('Quoted string ""');
      expect(contact.contacts[0]?.params.get('newparam')).toBe('newvalue');
      expect(contact.contacts[0]?.params.get('secondparam')).toBeNull();
      expect(contact.contacts[0]?.params.get('q')).toBe('0.33');
    }
    expect(msg.body.length).toBe(150);
  });

  it('3.1.1.2 intmeth: token characters in method, URI, branch, tag, Call-ID; quoted NUL', () => {
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    const text = `${method} sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0
Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+\`'~
To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>
From: token1~\` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439";tag=_token~1'+\`*%!-.
Call-ID: intmeth.word%ZK-!.*_+'@word\`~)(><:\\/"][?}{
CSeq: 139122385 ${method}
Max-Forwards: 255
extensionHeader-!.%*+_\`'~: \u5927\u505c\u96fb
Content-Length: 0

`;
    const msg = parse(text);
    if (msg.kind !== 'request') throw new Error('expected request');
    expect(msg.method).toBe(method);
    const uri = msg.uri as SipUri;
    expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(toOf(msg).displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(fromOf(msg).displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(fromOf(msg).params.get('tag')).toBe("_token~1'+`*%!-.");
    expect(callIdOf(msg)).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(msg.headers.get("extensionHeader-!.%*+_`'~")).toBe('\u5927\u505c\u96fb');
  });

  it('3.1.1.3 esc01: escaped characters compare equal once unescaped', () => {
    const msg = parse(`INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0
To: sip:%75se%72@example.com
From: <sip:I%20have%20spaces@example.net>;tag=938
Max-Forwards: 87
i: esc01.239409asdfakjkn23onasd0-3234
CSeq: 234234 INVITE
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw
C: application/sdp
Contact:
  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>
Content-Length: 150

${SDP_150B}`);
    if (msg.kind !== 'request') throw new Error('expected request');
    expect(unescape((msg.uri as SipUri).user ?? '')).toBe('sips:user@example.com');
    expect(unescape((toOf(msg).uri as SipUri).user ?? '')).toBe('user');
    expect(unescape((fromOf(msg).uri as SipUri).user ?? '')).toBe('I have spaces');
  });

  it('3.1.1.4 escnull: escaped NULs in URIs', () => {
    const msg = parse(`REGISTER sip:example.com SIP/2.0
To: sip:null-%00-null@example.com
From: sip:null-%00-null@example.com;tag=839923423
Max-Forwards: 70
Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd
CSeq: 14398234 REGISTER
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw
Contact: <sip:%00@host5.example.com>
Contact: <sip:%00%00@host5.example.com>
L:0

`);
    expect(unescape((toOf(msg).uri as SipUri).user ?? '')).toBe('null-\x00-null');
    const contact = contactOf(msg);
    expect(contact && !contact.wildcard && contact.contacts.length).toBe(2);
  });

  it('3.1.1.5 esc02: % is not an escape in method or header names', () => {
    const msg = parse(`RE%47IST%45R sip:registrar.example.com SIP/2.0
To: "%Z%45" <sip:resource@example.com>
From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23
Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf
Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234
CSeq: 29344 RE%47IST%45R
Max-Forwards: 70
Contact: <sip:alias1@host1.example.com>
C%6Fntact: <sip:alias2@host2.example.com>
Contact: <sip:alias3@host3.example.com>
l: 0

`);
    if (msg.kind !== 'request') throw new Error('expected request');
    expect(msg.method).toBe('RE%47IST%45R');
    expect(msg.headers.getAll('Contact')).toHaveLength(2);
    expect(msg.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
    expect(toOf(msg).displayName).toBe('%Z%45');
  });

  it('3.1.1.6 lwsdisp: no LWS between display name and <', () => {
    const msg = parse(`OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: caller<sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID: lwsdisp.1234abcd@funky.example.com
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw
l: 0

`);
    expect(fromOf(msg).displayName).toBe('caller');
  });

  it('3.1.1.7 longreq: long values and many Via headers in every spelling', () => {
    const long = (word: string, n: number): string => word.repeat(n);
    const vias = ['Via', 'v', 'V', 'Via', 'ViA', 'VIa', 'VIA', 'via', 'viA', 'vIa', 'vIA', 'V ', 'v ', 'V  ', 'v  ', 'Via ', 'Via  ']
      .map((name, i) => `${name}: SIP/2.0/TCP sip${33 - i}.example.com`)
      .concat(Array.from({ length: 16 }, (_, i) => `Via: SIP/2.0/TCP sip${16 - i}.example.com`));
    const text = `INVITE sip:user@example.com SIP/2.0
To: "I have a user name of ${long('extreme', 10)} proportion"<sip:user@example.com:6000;unknownparam1=very${long('long', 20)}value;${'longparam' + long('name', 25)}=shortvalue;very${long('long', 25)}ParameterNameWithNoValue>
F: sip:${long('amazinglylongcallername', 5)}@example.net;tag=${long('1298', 30)}424;unknownheaderparam${long('name', 20)}=unknowheaderparam${long('value', 15)};unknownValueless${long('paramname', 10)}
Call-ID: longreq.one${long('really', 20)}longcallid
CSeq: 3882340 INVITE
Unknown-${long('Long', 20)}-Name: unknown-${long('long', 20)}-value; unknown-${long('long', 20)}-parameter-name = unknown-${long('long', 20)}-parameter-value
${vias.join('\n')}
Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very${long('long', 50)}branchvalue
Max-Forwards: 70
Contact: <sip:${long('amazinglylongcallername', 5)}@host5.example.net>
Content-Type: application/sdp
l: 150

${SDP_150B}`;
    const msg = parse(text);
    expect(viasOf(msg)).toHaveLength(34);
    expect(viasOf(msg)[0]?.host).toBe('sip33.example.com');
    expect(viasOf(msg)[33]?.params.get('received')).toBe('192.0.2.5');
  });

  it('3.1.1.8 dblreq: compact I for Call-ID', () => {
    const msg = parse(`REGISTER sip:example.com SIP/2.0
To: sip:j.user@example.com
From: sip:j.user@example.com;tag=43251j3j324
Max-Forwards: 8
I: dblreq.0ha0isndaksdj99sdfafnl3lk233412
Contact: sip:j.user@host.example.com
CSeq: 8 REGISTER
Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492
Content-Length: 0

`);
    expect(callIdOf(msg)).toBe('dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  });

  it('3.1.1.9 semiuri: semicolon-separated user part; folded Accept with bare LF is tolerated', () => {
    const msg = parse(`OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0
To: sip:j_user@example.com
From: sip:caller@example.org;tag=33242
Max-Forwards: 3
Call-ID: semiuri.0ha0isndaksdj
CSeq: 8 OPTIONS
Accept: application/sdp, application/pkcs7-mime,
        multipart/mixed, multipart/signed,
        message/sip, message/sipfrag
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw
l: 0

`);
    if (msg.kind !== 'request') throw new Error('expected request');
    const uri = msg.uri as SipUri;
    expect(uri.user).toBe('user;par=u%40example.net');
    expect(uri.host).toBe('example.com');
    expect(uri.params.size).toBe(0);
    expect(msg.headers.getAll('Accept')).toHaveLength(6);
  });

  it('3.1.1.10 transports: unknown transports in Via are parsed', () => {
    const msg = parse(`OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: <sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID:  transports.kijh4akdnaqjkwendsasfdj
Accept: application/sdp
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw
Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf
Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj
Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en
Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee
l: 0

`);
    expect(viasOf(msg).map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('3.1.1.12 unreason: UTF-8 reason phrase', () => {
    const msg = parse(`SIP/2.0 200 = 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435
Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923
Call-ID: unreason.1234ksdfak3j2erwedfsASdf
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Length: 0
Contact: <sip:user@host198.example.com>

`);
    if (msg.kind !== 'response') throw new Error('expected response');
    expect(msg.status).toBe(200);
    expect(msg.reason.startsWith('= 2**3')).toBe(true);
  });

  it('3.1.1.13 noreason: empty reason phrase', () => {
    const msg = parse(`SIP/2.0 100 
Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe
Call-ID: noreason.asndj203insdf99223ndf
CSeq: 35 INVITE
From: <sip:user@example.com>;tag=39ansfi3
To: <sip:user@example.edu>;tag=902jndnke3
Content-Length: 0
Contact: <sip:user@host105.example.com>

`);
    expect(msg.kind === 'response' && msg.reason).toBe('');
  });
});

const INVITE_TAIL = `Contact: <sip:caller@host5.example.net>
Content-Type: application/sdp`;

describe('RFC 4475 3.1.2 invalid messages are rejected with a typed reason', () => {
  it('3.1.2.1 badinv01: empty Via and Contact parameters', () => {
    expect(rejectReason(`INVITE sip:user@example.com SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=134161461246
Max-Forwards: 7
Call-ID: badinv01.0ha0isndaksdjasdf3234nas
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.15;;,;,,
Contact: "Joe" <sip:joe@example.org>;;;;
Content-Length: 0

`)).toBe('bad-header-value');
  });

  it('3.1.2.2 clerr: Content-Length larger than the message (section 18.3: discard)', () => {
    expect(rejectReason(`INVITE sip:user@example.com SIP/2.0
Max-Forwards: 80
To: sip:j.user@example.com
From: sip:caller@example.net;tag=93942939o2
Call-ID: clerr.0ha0isndaksdjweiafasdk3
CSeq: 8 INVITE
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523
${INVITE_TAIL}
Content-Length: 9999

${SDP_150}`)).toBe('body-truncated');
  });

  it('3.1.2.3 ncl: negative Content-Length', () => {
    expect(rejectReason(`INVITE sip:user@example.com SIP/2.0
Max-Forwards: 254
To: sip:j.user@example.com
From: sip:caller@example.net;tag=32394234
Call-ID: ncl.0ha0isndaksdj2193423r542w35
CSeq: 0 INVITE
Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw
${INVITE_TAIL}
Content-Length: -999

${SDP_150}`)).toBe('bad-content-length');
  });

  it('3.1.2.4 scalar02: CSeq and Max-Forwards out of range', () => {
    expect(rejectReason(`REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3
To: <sip:user@example.com>
From: <sip:user@example.com>;tag=239232jh3
CSeq: 36893488147419103232 REGISTER
Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32
Max-Forwards: 300
Expires: 1${'0'.repeat(100)}
Contact: <sip:user@host129.example.com>
  ;expires=280297596632815
Content-Length: 0

`)).toBe('bad-cseq');
  });

  it('3.1.2.5 scalarlg: response with overlarge CSeq', () => {
    expect(rejectReason(`SIP/2.0 503 Service Unavailable
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129
To: <sip:user@example.com>
From: <sip:other@example.net>;tag=2easdjfejw
CSeq: 9292394834772304023312 OPTIONS
Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r
Retry-After: 949302838503028349304023988
Warning: 1812 overture "In Progress"
Content-Length: 0

`)).toBe('bad-cseq');
  });

  it('3.1.2.6 quotbal: unterminated quoted string in display name', () => {
    expect(rejectReason(`INVITE sip:user@example.com SIP/2.0
To: "Mr. J. User <sip:j.user@example.com>
From: sip:caller@example.net;tag=93334
Max-Forwards: 10
Call-ID: quotbal.aksdj
Contact: <sip:caller@host59.example.net>
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234
Content-Length: 0

`)).toBe('bad-name-addr');
  });

  it('3.1.2.7 ltgtruri: <> around the Request-URI', () => {
    expect(rejectReason(`INVITE <sip:user@example.com> SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=39291
Max-Forwards: 23
Call-ID: ltgtruri.1@192.0.2.5
CSeq: 1 INVITE
Via: SIP/2.0/UDP 192.0.2.5
Content-Length: 0

`)).toBe('bad-request-uri');
  });

  it('3.1.2.8 lwsruri: embedded LWS in the Request-URI', () => {
    expect(rejectReason(`INVITE sip:user@example.com; lr SIP/2.0
To: sip:user@example.com;tag=3xfe-9921883-z9f
From: sip:caller@example.net;tag=231413434
Max-Forwards: 5
Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423
CSeq: 2130706432 INVITE
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395
Content-Length: 0

`)).toBe('bad-start-line');
  });

  it('3.1.2.9 lwsstart: multiple SP separating request-line elements', () => {
    expect(rejectReason(`INVITE  sip:user@example.com  SIP/2.0
Max-Forwards: 8
To: sip:user@example.com
From: sip:caller@example.net;tag=8814
Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com
CSeq: 1893884 INVITE
Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923
Content-Length: 0

`)).toBe('bad-start-line');
  });

  it('3.1.2.10 trws: SP at the end of the request line', () => {
    expect(rejectReason(`OPTIONS sip:remote-target@example.com SIP/2.0  
Via: SIP/2.0/TCP host1.examle.com;branch=z9hG4bK299342093
To: <sip:remote-target@example.com>
From: <sip:local-resource@example.com>;tag=329429089
Call-ID: trws.oicu34958239neffasdhr2345r
Accept: application/sdp
CSeq: 238923 OPTIONS
Max-Forwards: 70
Content-Length: 0

`)).toBe('bad-start-line');
  });

  it('3.1.2.11 escruri: escaped headers in the Request-URI (rejecting is allowed)', () => {
    expect(rejectReason(`INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=341518
Max-Forwards: 7
Contact: <sip:caller@host39923.example.net>
Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5
CSeq: 149209342 INVITE
Via: SIP/2.0/UDP host-of-the-hour.example.com;branch=z9hG4bKkdjuw
Content-Length: 0

`)).toBe('bad-request-uri');
  });

  it('3.1.2.12 baddate: an element that ignores Date accepts the request', () => {
    const msg = parse(`INVITE sip:user@example.com SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=2234923
Max-Forwards: 70
Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234
CSeq: 1392934 INVITE
Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw
Date: Fri, 01 Jan 2010 16:00:00 EST
Contact: <sip:caller@host5.example.net>
Content-Length: 0

`);
    expect(msg.headers.get('Date')).toBe('Fri, 01 Jan 2010 16:00:00 EST');
  });

  it('3.1.2.13 regbadct: addr-spec Contact with "?" must have been bracketed', () => {
    expect(rejectReason(`REGISTER sip:example.com SIP/2.0
To: sip:user@example.com
From: sip:user@example.com;tag=998332
Max-Forwards: 70
Call-ID: regbadct.k345asrl3fdbv@10.0.0.1
CSeq: 1 REGISTER
Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw
Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E
l: 0

`)).toBe('bad-name-addr');
  });

  it('3.1.2.14 badaspec: whitespace inside <> of an addr-spec', () => {
    expect(rejectReason(`OPTIONS sip:user@example.org SIP/2.0
Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234
Max-Forwards: 70
From: "Bell, Alexander" <sip:a.g.bell@example.com>;tag=433423
To: "Watson, Thomas" < sip:t.watson@example.org >
Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3
Accept: application/sdp
CSeq: 3923239 OPTIONS
l: 0

`)).toBe('bad-name-addr');
  });

  it('3.1.2.15 baddn: unquoted display name with a comma', () => {
    expect(rejectReason(`OPTIONS sip:t.watson@example.org SIP/2.0
Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw
Max-Forwards:      70
From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43
To:      Watson, Thomas <sip:t.watson@example.org>
Call-ID: baddn.31415@c.example.com
Accept: application/sdp
CSeq:    3923239 OPTIONS
l: 0

`)).toBe('bad-name-addr');
  });

  it('3.1.2.16 badvers: SIP/7.0 is reported as unsupported (505 material) with the headers kept', () => {
    const text = `OPTIONS sip:t.watson@example.org SIP/7.0
Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw
Max-Forwards:     70
From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe
To:      T. Watson <sip:t.watson@example.org>
Call-ID: badvers.31417@c.example.com
CSeq:    1 OPTIONS
l: 0

`;
    expect(rejectReason(text)).toBe('unsupported-version');
    try {
      parse(text);
    } catch (error) {
      expect((error as SipParseError).partial?.headers.get('Call-ID')).toBe('badvers.31417@c.example.com');
    }
  });

  it('3.1.2.17 mismatch01: CSeq method differs from the request method', () => {
    expect(rejectReason(`OPTIONS sip:user@example.com SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch01.dj0234sxdfl3
CSeq: 8 INVITE
Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw
l: 0

`)).toBe('cseq-method-mismatch');
  });

  it('3.1.2.18 mismatch02: unknown method with mismatching CSeq', () => {
    expect(rejectReason(`NEWMETHOD sip:user@example.com SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch02.dj0234sxdfl3
CSeq: 8 INVITE
Contact: <sip:caller@host.example.net>
Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw
l: 0

`)).toBe('cseq-method-mismatch');
  });

  it('3.1.2.19 bigcode: status code with more than three digits', () => {
    expect(rejectReason(`SIP/2.0 4294967301 better not break the receiver
Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe
Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i
CSeq: 353494 INVITE
From: <sip:user@example.com>;tag=39ansfi3
To: <sip:user@example.edu>;tag=902jndnke3
Content-Length: 0
Contact: <sip:user@host105.example.com>

`)).toBe('bad-status-code');
  });
});
