/**
 * Server transactions: INVITE (RFC 3261 section 17.2.1, with the RFC 6026 Accepted state) and
 * non-INVITE (section 17.2.2).
 */
import { createResponse } from '../message/builders.js';
import { type SipRequest, type SipResponse } from '../message/message.js';
import { transactionTimeoutMs } from './timers.js';
import { Transaction, TransactionStateError, type TransactionContext } from './transaction.js';

export interface ServerTransactionEvents {
  [event: string]: (...args: never[]) => void;
  /** Timer H fired: no ACK for a non-2xx final (section 17.2.1). */
  timeout: () => void;
  transportError: (error: Error) => void;
  /** ACK that matched this INVITE transaction in Accepted (ACK for 2xx sharing the branch). */
  ack: (ack: SipRequest) => void;
}

export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

const INVITE_SERVER_TRANSITIONS: Record<InviteServerState, readonly InviteServerState[]> = {
  proceeding: ['proceeding', 'accepted', 'completed', 'terminated'],
  accepted: ['accepted', 'terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

export interface InviteServerOptions {
  /** Send 100 Trying immediately (section 17.2.1 requires it within 200 ms). Default true. */
  sendTrying?: boolean;
}

export class InviteServerTransaction extends Transaction<InviteServerState, ServerTransactionEvents> {
  private lastResponse: SipResponse | undefined;
  private timerGIntervalMs: number;

  constructor(
    readonly request: SipRequest,
    context: TransactionContext,
    options: InviteServerOptions = {},
  ) {
    super('proceeding', INVITE_SERVER_TRANSITIONS, context);
    this.timerGIntervalMs = context.timers.t1Ms;
    if (options.sendTrying ?? true) {
      this.lastResponse = createResponse(request, 100);
      this.transmit(this.lastResponse);
    }
  }

  /** The TU's response. 2xx moves to Accepted; 300-699 to Completed with timers G and H. */
  respond(response: SipResponse): void {
    const status = response.status;
    if (this.state === 'accepted' && status >= 200 && status < 300) {
      // RFC 6026 section 7.1: the TU's own 2xx retransmissions pass through.
      this.transmit(response);
      return;
    }
    if (this.state !== 'proceeding') {
      throw new TransactionStateError(`cannot send ${status} in state ${this.state}`);
    }
    this.lastResponse = response;
    this.transmit(response);
    if (status < 200) return;
    if (status < 300) {
      this.transition('accepted');
      this.timers.start('L', transactionTimeoutMs(this.context.timers), () => this.terminate('normal'));
      return;
    }
    this.transition('completed');
    if (!this.context.reliable) this.armTimerG();
    this.timers.start('H', transactionTimeoutMs(this.context.timers), () => {
      if (this.state !== 'completed') return;
      this.emit('timeout');
      this.terminate('timeout');
    });
  }

  /** A request matching this transaction: INVITE retransmission or ACK. */
  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.state === 'completed') {
        this.transition('confirmed');
        this.timers.stop('G');
        this.timers.stop('H');
        const timerIMs = this.context.reliable ? 0 : this.context.timers.t4Ms;
        this.timers.start('I', timerIMs, () => this.terminate('normal'));
      } else if (this.state === 'accepted') {
        this.emit('ack', request);
      }
      return;
    }
    // INVITE retransmission: resend the last response in Proceeding and Completed; absorb otherwise.
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) {
      this.transmit(this.lastResponse);
    }
  }

  private armTimerG(): void {
    this.timers.start('G', this.timerGIntervalMs, () => {
      if (this.state !== 'completed' || !this.lastResponse) return;
      this.transmit(this.lastResponse);
      this.timerGIntervalMs = Math.min(2 * this.timerGIntervalMs, this.context.timers.t2Ms);
      this.armTimerG();
    });
  }

  protected onTransportError(error: Error): void {
    this.emit('transportError', error);
    this.terminate('transport-error');
  }
}

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const NON_INVITE_SERVER_TRANSITIONS: Record<NonInviteServerState, readonly NonInviteServerState[]> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['proceeding', 'completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class NonInviteServerTransaction extends Transaction<NonInviteServerState, ServerTransactionEvents> {
  private lastResponse: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    context: TransactionContext,
  ) {
    super('trying', NON_INVITE_SERVER_TRANSITIONS, context);
  }

  respond(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') {
      throw new TransactionStateError(`cannot send ${response.status} in state ${this.state}`);
    }
    this.lastResponse = response;
    this.transmit(response);
    if (response.status < 200) {
      this.transition('proceeding');
      return;
    }
    this.transition('completed');
    const timerJMs = this.context.reliable ? 0 : transactionTimeoutMs(this.context.timers);
    this.timers.start('J', timerJMs, () => this.terminate('normal'));
  }

  /** Retransmissions: absorbed in Trying, answered with the last response afterwards. */
  receiveRequest(_request: SipRequest): void {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) {
      this.transmit(this.lastResponse);
    }
  }

  protected onTransportError(error: Error): void {
    this.emit('transportError', error);
    this.terminate('transport-error');
  }
}

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
