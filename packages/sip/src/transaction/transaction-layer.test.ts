import { describe, expect, it, vi } from 'vitest';
import { createResponse } from '../message/builders.js';
import { parseMessage } from '../message/parser.js';
import { type SipMessage, type SipRequest } from '../message/message.js';
import { SipTransport, type Endpoint, type MessageSource } from '../transport/transport.js';
import { InviteServerTransaction } from './server-transactions.js';
import { TransactionLayer, serverTransactionKey } from './transaction-layer.js';

class FakeTransport extends SipTransport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local = { address: '127.0.0.1', port: 5060 };
  readonly sent: Array<{ message: SipMessage; destination: Endpoint }> = [];
  send(message: SipMessage, destination: Endpoint): Promise<void> {
    this.sent.push({ message, destination });
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const source: MessageSource = { address: '192.0.2.1', port: 5060, protocol: 'udp' };
const msg = (method: string, via: string, extra = '', cseqMethod = method): SipRequest =>
  parseMessage(
    Buffer.from(
      `${method} sip:bob@example.com SIP/2.0\r\nVia: ${via}\r\nFrom: <sip:a@example.com>;tag=f1\r\nTo: <sip:bob@example.com>${extra}\r\nCall-ID: c1\r\nCSeq: 1 ${cseqMethod}\r\nContent-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;

describe('TransactionLayer matching', () => {
  it('17.2.3: retransmissions with the same branch and sent-by reach the existing transaction', () => {
    const layer = new TransactionLayer();
    const transport = new FakeTransport();
    const onRequest = vi.fn();
    layer.on('request', onRequest);
    const invite = msg('INVITE', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1');
    layer.receive(invite, source, transport);
    layer.receive(invite, source, transport);
    expect(onRequest).toHaveBeenCalledOnce();
    // Same branch from a different sent-by is a different transaction.
    layer.receive(msg('INVITE', 'SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1'), source, transport);
    expect(onRequest).toHaveBeenCalledTimes(2);
    expect(transport.sent.map((s) => (s.message.kind === 'response' ? s.message.status : 0))).toEqual([100, 100, 100]);
  });

  it('RFC 2543 fallback: an ACK without magic cookie matches its INVITE despite the new To tag', () => {
    const invite = msg('INVITE', 'SIP/2.0/UDP 192.0.2.1;branch=old1');
    const ack = msg('ACK', 'SIP/2.0/UDP 192.0.2.1;branch=old1', ';tag=t9');
    expect(serverTransactionKey(ack)).toBe(serverTransactionKey(invite));
    const noBranch = msg('INVITE', 'SIP/2.0/UDP 192.0.2.1');
    expect(serverTransactionKey(noBranch)).toContain('2543|');
  });

  it('section 9.2: CANCEL is its own transaction and finds the INVITE it cancels', () => {
    const layer = new TransactionLayer();
    const transport = new FakeTransport();
    let inviteTx: unknown;
    layer.on('request', (_r, tx) => (inviteTx = tx));
    const onCancel = vi.fn();
    layer.on('cancel', onCancel);
    layer.receive(msg('INVITE', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2'), source, transport);
    layer.receive(msg('CANCEL', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2'), source, transport);
    expect(onCancel).toHaveBeenCalledOnce();
    expect(onCancel.mock.calls[0]?.[2]).toBe(inviteTx);
    expect(inviteTx).toBeInstanceOf(InviteServerTransaction);
  });

  it('17.1.3: responses match client transactions by branch and CSeq method; others are stray', () => {
    vi.useFakeTimers();
    const layer = new TransactionLayer();
    const transport = new FakeTransport();
    const options = msg('OPTIONS', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK3');
    const tx = layer.sendRequest(options, { address: '192.0.2.9', port: 5060 }, transport);
    const onResponse = vi.fn();
    tx.on('response', onResponse);
    const stray = vi.fn();
    layer.on('strayResponse', stray);
    layer.receive(createResponse(options, 200), source, transport);
    expect(onResponse).toHaveBeenCalledOnce();
    const other = msg('OPTIONS', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK4');
    layer.receive(createResponse(other, 200), source, transport);
    expect(stray).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(5000);
    expect(layer.size.clients).toBe(0);
    vi.useRealTimers();
  });
});
