/** SipUserAgent against another SipUserAgent (and raw sockets) on loopback. */
import { createSocket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigestServer } from '../auth/digest-server.js';
import { createResponse } from '../message/builders.js';
import { parseMessage } from '../message/parser.js';
import { serializeMessage } from '../message/serializer.js';
import { type SipRequest } from '../message/message.js';
import { createOffer } from '../sdp/offer-answer.js';
import { serializeSdp } from '../sdp/session-description.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { nextEvent } from '../util/emitter.js';
import { type IncomingCall } from './incoming-call.js';
import { SipUserAgent } from './user-agent.js';

const offer = (port: number): string => serializeSdp(createOffer({ address: '127.0.0.1', port }));

let alice: SipUserAgent;
let bob: SipUserAgent;
beforeEach(async () => {
  alice = await SipUserAgent.create({ host: '127.0.0.1', bindAddress: '127.0.0.1', udpPort: 0, user: 'alice' });
  bob = await SipUserAgent.create({ host: '127.0.0.1', bindAddress: '127.0.0.1', udpPort: 0, user: 'bob' });
});
afterEach(async () => {
  await Promise.all([alice.close(), bob.close()]);
});

const bobUri = (): string => `sip:bob@127.0.0.1:${bob.localEndpoint().port}`;

async function establish(): Promise<{ caller: ReturnType<SipUserAgent['invite']>; callee: IncomingCall }> {
  const incoming = nextEvent(bob, 'incomingCall', 5000);
  const caller = alice.invite(bobUri(), { sdp: offer(20000) });
  const [callee] = await incoming;
  const negotiated = callee.negotiate({ address: '127.0.0.1', port: 30000 });
  if (!negotiated.ok) throw new Error(negotiated.reason);
  const statuses: number[] = [];
  caller.on('progress', (status) => statuses.push(status));
  callee.ringing();
  const answered = nextEvent(caller, 'answered', 5000);
  const acked = nextEvent(callee, 'answered', 5000);
  callee.answer(negotiated.answer);
  expect((await answered)[0]).toContain('m=audio 30000');
  await acked;
  expect(statuses).toContain(180);
  return { caller, callee };
}

describe('SipUserAgent calls', () => {
  it('establishes a call (INVITE/180/200/ACK) and tears it down with BYE from either side', async () => {
    const { caller, callee } = await establish();
    expect(caller.negotiated?.codec.name).toBe('PCMU');
    expect(callee.state).toBe('confirmed');
    const ended = nextEvent(callee, 'terminated', 5000);
    await caller.bye();
    expect((await ended)[0].cause).toBe('remote-bye');
    expect(caller.endInfo?.cause).toBe('local-bye');
  });

  it('section 9: caller CANCEL before answer gives 487 to the caller and `cancelled` to the callee', async () => {
    const incoming = nextEvent(bob, 'incomingCall', 5000);
    const caller = alice.invite(bobUri(), { sdp: offer(20000) });
    const [callee] = await incoming;
    const cancelled = nextEvent(callee, 'cancelled', 5000);
    const progress = nextEvent(caller, 'progress', 5000);
    callee.ringing();
    await progress;
    const ended = nextEvent(caller, 'terminated', 5000);
    caller.cancel();
    await cancelled;
    expect((await ended)[0]).toMatchObject({ cause: 'cancelled', status: 487 });
  });

  it('rejects with the chosen status and reports it to the caller', async () => {
    bob.on('incomingCall', (call) => call.reject(486));
    const caller = alice.invite(bobUri(), { sdp: offer(20000) });
    const [end] = await nextEvent(caller, 'terminated', 5000);
    expect(end).toMatchObject({ cause: 'rejected', status: 486 });
  });

  it('re-INVITE with a=sendonly is answered recvonly and raises `hold` (RFC 3264 section 8.4)', async () => {
    const { caller, callee } = await establish();
    const hold = nextEvent(callee, 'hold', 5000);
    const answer = await caller.reinvite(offer(20000).replace('a=sendrecv', 'a=sendonly'));
    expect((await hold)[0]).toBe(true);
    expect(answer).toContain('a=recvonly');
  });

  it('INFO application/dtmf-relay raises `dtmf`', async () => {
    const { caller, callee } = await establish();
    const dtmf = nextEvent(callee, 'dtmf', 5000);
    const response = await caller.sendDtmfInfo('#', 250);
    expect(response.status).toBe(200);
    expect((await dtmf)[0]).toEqual({ digit: '#', durationMs: 250 });
  });

  it('REFER is accepted with 202 and progress arrives as NOTIFY sipfrag (RFC 3515)', async () => {
    const { caller, callee } = await establish();
    const refer = nextEvent(callee, 'refer', 5000);
    const progress: number[] = [];
    const done = new Promise<void>((resolve) =>
      caller.on('referProgress', (p) => {
        progress.push(p.status);
        if (p.final) resolve();
      }),
    );
    const response = await caller.refer('sip:carol@example.com');
    expect(response.status).toBe(202);
    const [incomingRefer] = await refer;
    expect(incomingRefer.referTo).toBe('<sip:carol@example.com>');
    await incomingRefer.notify(200, 'OK');
    await done;
    expect(progress).toEqual([100, 200]);
  });

  it('digest: the caller answers a 401 from the callee and retries with CSeq + 1', async () => {
    const digest = new DigestServer({ realm: 'bob' });
    const seen: SipRequest[] = [];
    bob.on('incomingCall', (call) => {
      seen.push(call.request);
      const verdict = digest.verify(call.request, (u) => (u === 'alice' ? 'pw' : undefined));
      if (!verdict.ok) {
        call.reject(401, { headers: digest.challengeValues().map((v) => ['WWW-Authenticate', v] as const) });
        return;
      }
      const result = call.negotiate({ address: '127.0.0.1', port: 30000 });
      if (result.ok) call.answer(result.answer);
    });
    const caller = alice.invite(bobUri(), { sdp: offer(20000), credentials: { username: 'alice', password: 'pw' } });
    await nextEvent(caller, 'answered', 5000);
    expect(seen.map((r) => r.headers.get('CSeq'))).toEqual(['1 INVITE', '2 INVITE']);
    await caller.bye();
  });
});

describe('SipUserAgent out-of-dialog handling', () => {
  async function rawExchange(text: string): Promise<string> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const reply = new Promise<string>((resolve) => socket.once('message', (m) => resolve(m.toString())));
    socket.send(Buffer.from(text.replace(/\n/g, '\r\n')), bob.localEndpoint().port, '127.0.0.1');
    try {
      return await reply;
    } finally {
      socket.close();
    }
  }
  const base = (method: string, extra = '', cseqMethod = method): string =>
    `${method} sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${method}${Math.random().toString(36).slice(2)};rport\nFrom: <sip:x@h>;tag=1\nTo: <sip:bob@h>${extra}\nCall-ID: c-${method}\nCSeq: 1 ${cseqMethod}\nMax-Forwards: 70\nContent-Length: 0\n\n`;

  it('answers OPTIONS with 200 and Allow (keepalive)', async () => {
    expect(await rawExchange(base('OPTIONS'))).toMatch(/^SIP\/2\.0 200 OK[\s\S]*Allow: INVITE/);
    const response = await alice.ping(bobUri());
    expect(response.status).toBe(200);
  });

  it('answers 481 to requests for unknown dialogs (section 12.2.2)', async () => {
    expect(await rawExchange(base('BYE', ';tag=nope'))).toMatch(/^SIP\/2\.0 481 /);
  });

  it('answers 400 to a malformed but readable request (RFC 4475 mismatch01) and keeps running', async () => {
    expect(await rawExchange(base('OPTIONS', '', 'INVITE'))).toMatch(/^SIP\/2\.0 400 Bad Request \(cseq-method-mismatch\)/);
    expect(await rawExchange(base('OPTIONS'))).toMatch(/^SIP\/2\.0 200/);
  });

  it('answers 416 for unknown URI schemes, 420 for unsupported Require, 501 for unknown methods', async () => {
    expect(await rawExchange(base('OPTIONS').replace('OPTIONS sip:bob@127.0.0.1', 'OPTIONS nobody:opaque'))).toMatch(/^SIP\/2\.0 416 /);
    expect(await rawExchange(base('OPTIONS', '').replace('Max-Forwards', 'Require: nothingSupportsThis\nMax-Forwards'))).toMatch(/^SIP\/2\.0 420 [\s\S]*Unsupported: nothingSupportsThis/);
    expect(await rawExchange(base('FOO'))).toMatch(/^SIP\/2\.0 501 /);
  });
});

describe('Registration (RFC 3261 section 10.2)', () => {
  it('registers through a digest challenge and unregisters', async () => {
    const registrar = await UdpTransport.open({ address: '127.0.0.1', port: 0 });
    const digest = new DigestServer({ realm: 'pbx' });
    const seen: string[] = [];
    registrar.on('message', (message, source) => {
      if (message.kind !== 'request') return;
      seen.push(`${message.headers.get('CSeq')} ${message.headers.get('Expires')} ${message.headers.has('Authorization') ? 'auth' : 'none'}`);
      const verdict = digest.verify(message, (u) => (u === '1000' ? 'pw' : undefined));
      const response = verdict.ok
        ? createResponse(message, 200, { toTag: 'r1', headers: [['Contact', `${message.headers.get('Contact')};expires=${message.headers.get('Expires')}`]] })
        : digest.challenge(message, { toTag: 'r1' });
      void registrar.send(parseMessage(serializeMessage(response)), source);
    });
    const registration = alice.registration({ registrar: `sip:127.0.0.1:${registrar.local.port}`, aor: 'sip:1000@pbx', credentials: { username: '1000', password: 'pw' }, expiresS: 120 });
    const registered = nextEvent(registration, 'registered', 5000);
    expect((await registration.register()).status).toBe(200);
    expect((await registered)[0]).toBe(120);
    expect(registration.isRegistered).toBe(true);
    expect((await registration.unregister()).status).toBe(200);
    expect(seen).toEqual(['1 REGISTER 120 none', '2 REGISTER 120 auth', '3 REGISTER 0 none', '4 REGISTER 0 auth']);
    registration.close();
    await registrar.close();
  });
});
