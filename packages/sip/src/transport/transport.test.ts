import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { parseMessage } from '../message/parser.js';
import { topViaOf, type SipMessage } from '../message/message.js';
import { parseVia } from '../message/via.js';
import { nextEvent } from '../util/emitter.js';
import { TcpTransport } from './tcp-transport.js';
import { responseDestination, type SipTransport } from './transport.js';
import { UdpTransport } from './udp-transport.js';

const options = (via: string): Buffer =>
  Buffer.from(
    `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: ${via}\r\nFrom: <sip:b@h>;tag=1\r\nTo: <sip:a@h>\r\nCall-ID: c@h\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );

const open: SipTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('UdpTransport', () => {
  it('binds port 0, receives, stamps received/rport (RFC 3581 section 4) and sends', async () => {
    const a = await UdpTransport.open({ address: '127.0.0.1', port: 0 });
    const b = await UdpTransport.open({ address: '127.0.0.1', port: 0 });
    open.push(a, b);
    expect(a.local.port).toBeGreaterThan(0);
    const received = nextEvent(a, 'message', 2000);
    const raw = createSocket('udp4');
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', () => resolve()));
    raw.send(options('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport'), a.local.port, '127.0.0.1');
    const [message, source] = await received;
    const via = topViaOf(message);
    expect(via.params.get('received')).toBe('127.0.0.1');
    expect(via.params.get('rport')).toBe(String(raw.address().port));
    expect(responseDestination(via, source)).toEqual({ address: '127.0.0.1', port: raw.address().port });
    raw.close();
    const echoed = nextEvent(b, 'message', 2000);
    await a.send(message, b.local);
    expect((await echoed)[0].headers.get('Call-ID')).toBe('c@h');
  });

  it('reports unparseable datagrams as typed "invalid" events and ignores keepalives', async () => {
    const a = await UdpTransport.open({ address: '127.0.0.1', port: 0 });
    open.push(a);
    const seen: string[] = [];
    a.on('message', () => seen.push('message'));
    const invalid = nextEvent(a, 'invalid', 2000);
    const raw = createSocket('udp4');
    raw.send(Buffer.from('\r\n\r\n'), a.local.port, '127.0.0.1');
    raw.send(Buffer.from('garbage\r\n\r\n'), a.local.port, '127.0.0.1');
    const [error] = await invalid;
    expect(error.reason).toBe('bad-start-line');
    expect(seen).toEqual([]);
    raw.close();
  });
});

describe('responseDestination (RFC 3261 section 18.2.2)', () => {
  it('uses sent-by without received, the connection on TCP', () => {
    expect(responseDestination(parseVia('SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bK1'), { address: '10.0.0.1', port: 1, protocol: 'udp' })).toEqual({ address: '192.0.2.9', port: 5070 });
    expect(responseDestination(parseVia('SIP/2.0/UDP host;branch=z9hG4bK1;received=10.0.0.1'), { address: '10.0.0.1', port: 7, protocol: 'udp' })).toEqual({ address: '10.0.0.1', port: 5060 });
    expect(responseDestination(parseVia('SIP/2.0/TCP host:5080;branch=z9hG4bK1'), { address: '10.0.0.1', port: 40000, protocol: 'tcp' })).toEqual({ address: '10.0.0.1', port: 40000 });
  });
});

describe('TcpTransport', () => {
  it('frames messages from a stream, answers keepalives and reuses the inbound connection', async () => {
    const server = await TcpTransport.listen({ address: '127.0.0.1', port: 0 });
    open.push(server);
    const client = connect({ host: '127.0.0.1', port: server.local.port });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const got = nextEvent(server, 'message', 2000);
    const bytes = options('SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKt');
    client.write(Buffer.concat([Buffer.from('\r\n\r\n'), bytes.subarray(0, 30)]));
    const pong = new Promise<Buffer>((resolve) => client.once('data', resolve));
    expect((await pong).toString()).toBe('\r\n');
    client.write(bytes.subarray(30));
    const [message, source] = await got;
    expect(source.protocol).toBe('tcp');
    expect(server.connectionCount).toBe(1);
    const reply = new Promise<SipMessage>((resolve) => client.once('data', (d) => resolve(parseMessage(d, { framing: 'stream' }))));
    await server.send(message, source);
    expect((await reply).headers.get('Call-ID')).toBe('c@h');
    expect(server.connectionCount).toBe(1);
    client.destroy();
  });

  it('opens outbound connections on demand', async () => {
    const a = await TcpTransport.listen({ address: '127.0.0.1', port: 0 });
    const b = await TcpTransport.listen({ address: '127.0.0.1', port: 0 });
    open.push(a, b);
    const got = nextEvent(b, 'message', 2000);
    await a.send(parseMessage(options('SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKo')), b.local);
    expect((await got)[0].kind).toBe('request');
  });
});
