/**
 * Client transactions: INVITE (RFC 3261 section 17.1.1, with the RFC 6026 Accepted state) and
 * non-INVITE (section 17.1.2).
 */
import { SipHeaders } from '../message/headers.js';
import { cseqOf, type SipRequest, type SipResponse } from '../message/message.js';
import { transactionTimeoutMs } from './timers.js';
import { Transaction, type TransactionContext } from './transaction.js';

export interface ClientTransactionEvents {
  [event: string]: (...args: never[]) => void;
  /** A response the TU must see (retransmissions are absorbed, 2xx in Accepted are not). */
  response: (response: SipResponse) => void;
  /** Timer B or F fired: no final response (TU treats it as 408, section 8.1.3.1). */
  timeout: () => void;
  transportError: (error: Error) => void;
}

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

const INVITE_CLIENT_TRANSITIONS: Record<InviteClientState, readonly InviteClientState[]> = {
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['proceeding', 'accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
  terminated: [],
};

/**
 * Builds the ACK for a non-2xx final response (section 17.1.1.3): same Request-URI, Call-ID,
 * From, CSeq number and Route as the INVITE, only the INVITE's top Via, To from the response.
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  const topVia = invite.headers.get('Via');
  if (topVia !== undefined) headers.append('Via', topVia);
  headers.append('Max-Forwards', '70');
  for (const route of invite.headers.getAll('Route')) headers.append('Route', route);
  headers.append('From', invite.headers.get('From') ?? '');
  headers.append('To', response.headers.get('To') ?? '');
  headers.append('Call-ID', invite.headers.get('Call-ID') ?? '');
  headers.append('CSeq', `${cseqOf(invite).seq} ACK`);
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: Buffer.alloc(0) };
}

export class InviteClientTransaction extends Transaction<InviteClientState, ClientTransactionEvents> {
  private ack: SipRequest | undefined;
  private timerAIntervalMs: number;

  constructor(
    readonly request: SipRequest,
    context: TransactionContext,
  ) {
    super('calling', INVITE_CLIENT_TRANSITIONS, context);
    this.timerAIntervalMs = context.timers.t1Ms;
  }

  /** Sends the INVITE and arms timers A (unreliable only) and B. */
  start(): void {
    this.transmit(this.request);
    if (!this.context.reliable) this.armTimerA();
    this.timers.start('B', transactionTimeoutMs(this.context.timers), () => {
      if (this.state !== 'calling') return;
      this.emit('timeout');
      this.terminate('timeout');
    });
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        this.timers.stop('A');
        if (status < 200) {
          this.transition('proceeding');
          this.emit('response', response);
        } else if (status < 300) {
          this.enterAccepted();
          this.emit('response', response);
        } else {
          this.transition('completed');
          this.timers.stop('B');
          this.ack = createNon2xxAck(this.request, response);
          this.transmit(this.ack);
          this.emit('response', response);
          const timerDMs = this.context.reliable ? 0 : this.context.timers.timerDMs;
          this.timers.start('D', timerDMs, () => this.terminate('normal'));
        }
        return;
      case 'accepted':
        // RFC 6026 section 7.2: 2xx retransmissions go to the TU, which re-sends its ACK.
        if (status >= 200 && status < 300) this.emit('response', response);
        return;
      case 'completed':
        // Section 17.1.1.2: retransmitted finals are answered with the same ACK, not passed up.
        if (status >= 300 && this.ack) this.transmit(this.ack);
        return;
      case 'terminated':
        return;
    }
  }

  private enterAccepted(): void {
    this.transition('accepted');
    this.timers.stop('B');
    this.timers.start('M', transactionTimeoutMs(this.context.timers), () => this.terminate('normal'));
  }

  private armTimerA(): void {
    this.timers.start('A', this.timerAIntervalMs, () => {
      if (this.state !== 'calling') return;
      this.transmit(this.request);
      this.timerAIntervalMs *= 2;
      this.armTimerA();
    });
  }

  protected onTransportError(error: Error): void {
    this.emit('transportError', error);
    this.terminate('transport-error');
  }
}

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const NON_INVITE_CLIENT_TRANSITIONS: Record<NonInviteClientState, readonly NonInviteClientState[]> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['proceeding', 'completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class NonInviteClientTransaction extends Transaction<NonInviteClientState, ClientTransactionEvents> {
  private timerEIntervalMs: number;

  constructor(
    readonly request: SipRequest,
    context: TransactionContext,
  ) {
    super('trying', NON_INVITE_CLIENT_TRANSITIONS, context);
    this.timerEIntervalMs = context.timers.t1Ms;
  }

  /** Sends the request and arms timers E (unreliable only) and F. */
  start(): void {
    this.transmit(this.request);
    if (!this.context.reliable) this.armTimerE();
    this.timers.start('F', transactionTimeoutMs(this.context.timers), () => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.emit('timeout');
      this.terminate('timeout');
    });
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (response.status < 200) {
      this.transition('proceeding');
      this.emit('response', response);
      return;
    }
    this.transition('completed');
    this.timers.stop('E');
    this.timers.stop('F');
    this.emit('response', response);
    const timerKMs = this.context.reliable ? 0 : this.context.timers.t4Ms;
    this.timers.start('K', timerKMs, () => this.terminate('normal'));
  }

  /**
   * Section 17.1.2.2: in Trying, E doubles up to T2; in Proceeding it fires every T2.
   */
  private armTimerE(): void {
    this.timers.start('E', this.timerEIntervalMs, () => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.transmit(this.request);
      this.timerEIntervalMs =
        this.state === 'proceeding' ? this.context.timers.t2Ms : Math.min(2 * this.timerEIntervalMs, this.context.timers.t2Ms);
      this.armTimerE();
    });
  }

  protected onTransportError(error: Error): void {
    this.emit('transportError', error);
    this.terminate('transport-error');
  }
}
