/** RFC 3261 section 17 state machines and timers, driven by vitest fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../message/builders.js';
import { parseMessage } from '../message/parser.js';
import { type SipMessage, type SipRequest } from '../message/message.js';
import { InviteClientTransaction, NonInviteClientTransaction } from './client-transactions.js';
import { InviteServerTransaction, NonInviteServerTransaction } from './server-transactions.js';
import { DEFAULT_TIMERS } from './timers.js';
import { TransactionStateError, type TransactionContext } from './transaction.js';

const request = (method: string, branch = 'z9hG4bKabc'): SipRequest =>
  parseMessage(
    Buffer.from(
      `${method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}\r\nMax-Forwards: 70\r\nRoute: <sip:proxy.example.com;lr>\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: call-1\r\nCSeq: 7 ${method}\r\nContent-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;

function harness(reliable = false): { context: TransactionContext; sent: SipMessage[]; times: number[] } {
  const sent: SipMessage[] = [];
  const times: number[] = [];
  const start = Date.now();
  return {
    sent,
    times,
    context: {
      reliable,
      timers: DEFAULT_TIMERS,
      send: (message) => {
        sent.push(message);
        times.push(Date.now() - start);
        return Promise.resolve();
      },
    },
  };
}

const describeSent = (m: SipMessage): string => (m.kind === 'request' ? m.method : String(m.status));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('INVITE client transaction (17.1.1)', () => {
  it('17.1.1.2: retransmits on timer A (T1, doubling) and times out on timer B = 64*T1', () => {
    const { context, times } = harness();
    const tx = new InviteClientTransaction(request('INVITE'), context);
    const timeout = vi.fn();
    tx.on('timeout', timeout);
    tx.start();
    vi.advanceTimersByTime(31_999);
    expect(times).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(timeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(timeout).toHaveBeenCalledOnce();
    expect(tx.state).toBe('terminated');
    expect(tx.terminationCause).toBe('timeout');
  });

  it('does not arm timer A on reliable transports', () => {
    const { context, sent } = harness(true);
    new InviteClientTransaction(request('INVITE'), context).start();
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(1);
  });

  it('17.1.1.2: a provisional stops retransmissions; a non-2xx final is ACKed, retransmits re-ACKed, timer D ends it', () => {
    const { context, sent } = harness();
    const invite = request('INVITE');
    const tx = new InviteClientTransaction(invite, context);
    const responses: number[] = [];
    tx.on('response', (r) => responses.push(r.status));
    tx.start();
    tx.receiveResponse(createResponse(invite, 180, { toTag: 'b1' }));
    vi.advanceTimersByTime(5000);
    expect(sent.map(describeSent)).toEqual(['INVITE']);
    const busy = createResponse(invite, 486, { toTag: 'b1' });
    tx.receiveResponse(busy);
    tx.receiveResponse(busy);
    expect(responses).toEqual([180, 486]);
    expect(sent.map(describeSent)).toEqual(['INVITE', 'ACK', 'ACK']);
    const ack = sent[1] as SipRequest;
    // 17.1.1.3: same Request-URI, top Via and Route as the INVITE, To from the response.
    expect(ack.uri).toEqual(invite.uri);
    expect(ack.headers.get('Via')).toBe(invite.headers.get('Via'));
    expect(ack.headers.get('Route')).toBe('<sip:proxy.example.com;lr>');
    expect(ack.headers.get('To')).toContain('tag=b1');
    expect(ack.headers.get('CSeq')).toBe('7 ACK');
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(DEFAULT_TIMERS.timerDMs);
    expect(tx.state).toBe('terminated');
  });

  it('RFC 6026 Accepted: 2xx and its retransmissions reach the TU until timer M', () => {
    const { context } = harness();
    const invite = request('INVITE');
    const tx = new InviteClientTransaction(invite, context);
    const responses: number[] = [];
    tx.on('response', (r) => responses.push(r.status));
    tx.start();
    const ok = createResponse(invite, 200, { toTag: 'b1' });
    tx.receiveResponse(ok);
    tx.receiveResponse(ok);
    expect(responses).toEqual([200, 200]);
    expect(tx.state).toBe('accepted');
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
  });

  it('terminates on transport error (17.1.4)', async () => {
    const { context } = harness();
    const tx = new InviteClientTransaction(request('INVITE'), { ...context, send: () => Promise.reject(new Error('ECONNREFUSED')) });
    const onError = vi.fn();
    tx.on('transportError', onError);
    tx.start();
    await vi.runOnlyPendingTimersAsync();
    expect(onError).toHaveBeenCalledOnce();
    expect(tx.terminationCause).toBe('transport-error');
  });
});

describe('non-INVITE client transaction (17.1.2)', () => {
  it('17.1.2.2: timer E doubles up to T2, timer F = 64*T1', () => {
    const { context, times } = harness();
    const tx = new NonInviteClientTransaction(request('OPTIONS'), context);
    const timeout = vi.fn();
    tx.on('timeout', timeout);
    tx.start();
    vi.advanceTimersByTime(32_000);
    expect(times).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(timeout).toHaveBeenCalledOnce();
  });

  it('in Proceeding retransmits every T2; a final response completes, timer K = T4', () => {
    const { context, times } = harness();
    const req = request('BYE');
    const tx = new NonInviteClientTransaction(req, context);
    tx.start();
    tx.receiveResponse(createResponse(req, 100));
    vi.advanceTimersByTime(4500);
    expect(times).toEqual([0, 500, 4500]);
    tx.receiveResponse(createResponse(req, 200));
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(DEFAULT_TIMERS.t4Ms - 1);
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
  });
});

describe('INVITE server transaction (17.2.1)', () => {
  it('sends 100 Trying at once and resends the last provisional on INVITE retransmission', () => {
    const { context, sent } = harness();
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(invite, context);
    tx.respond(createResponse(invite, 180, { toTag: 't' }));
    tx.receiveRequest(invite);
    expect(sent.map(describeSent)).toEqual(['100', '180', '180']);
  });

  it('timer G retransmits a non-2xx final (T1 doubling, capped at T2) until ACK; then timer I', () => {
    const { context, times } = harness();
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(invite, context, { sendTrying: false });
    tx.respond(createResponse(invite, 486, { toTag: 't' }));
    vi.advanceTimersByTime(12_000);
    expect(times).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    tx.receiveRequest({ ...request('ACK'), method: 'ACK' });
    expect(tx.state).toBe('confirmed');
    vi.advanceTimersByTime(20_000);
    expect(times).toHaveLength(6);
    expect(tx.state).toBe('terminated');
    expect(tx.terminationCause).toBe('normal');
  });

  it('timer H = 64*T1 gives up waiting for the ACK', () => {
    const { context } = harness();
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(invite, context, { sendTrying: false });
    const timeout = vi.fn();
    tx.on('timeout', timeout);
    tx.respond(createResponse(invite, 603, { toTag: 't' }));
    vi.advanceTimersByTime(64 * 500);
    expect(timeout).toHaveBeenCalledOnce();
    expect(tx.terminationCause).toBe('timeout');
  });

  it('RFC 6026: after 2xx, absorbs INVITE retransmissions and ends on timer L', () => {
    const { context, sent } = harness();
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(invite, context, { sendTrying: false });
    tx.respond(createResponse(invite, 200, { toTag: 't' }));
    tx.receiveRequest(invite);
    expect(sent).toHaveLength(1);
    expect(tx.state).toBe('accepted');
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
  });

  it('refuses a second final response (explicit state machine)', () => {
    const { context } = harness();
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(invite, context);
    tx.respond(createResponse(invite, 486, { toTag: 't' }));
    expect(() => tx.respond(createResponse(invite, 200, { toTag: 't' }))).toThrow(TransactionStateError);
  });
});

describe('non-INVITE server transaction (17.2.2)', () => {
  it('absorbs retransmissions in Trying, replays the final in Completed, timer J = 64*T1 (0 on reliable)', () => {
    const { context, sent } = harness();
    const bye = request('BYE');
    const tx = new NonInviteServerTransaction(bye, context);
    tx.receiveRequest(bye);
    expect(sent).toHaveLength(0);
    tx.respond(createResponse(bye, 200));
    tx.receiveRequest(bye);
    expect(sent.map(describeSent)).toEqual(['200', '200']);
    vi.advanceTimersByTime(64 * 500);
    expect(tx.state).toBe('terminated');
    const reliable = new NonInviteServerTransaction(bye, harness(true).context);
    reliable.respond(createResponse(bye, 200));
    vi.advanceTimersByTime(0);
    expect(reliable.state).toBe('terminated');
  });
});
