/**
 * Transaction layer (RFC 3261 section 17): owns every live transaction, matches incoming messages
 * to them (sections 17.1.3 and 17.2.3, with the RFC 2543 fallback) and hands the rest to the TU.
 */
import { formatUri } from '../message/uri.js';
import { callIdOf, cseqOf, fromOf, topViaOf, type SipMessage, type SipRequest, type SipResponse } from '../message/message.js';
import { tagOf } from '../message/name-addr.js';
import { BRANCH_MAGIC_COOKIE, branchOf, formatVia, sentByKey } from '../message/via.js';
import { responseDestination, type Endpoint, type MessageSource, type SipTransport } from '../transport/transport.js';
import { Emitter } from '../util/emitter.js';
import { InviteClientTransaction, NonInviteClientTransaction } from './client-transactions.js';
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransaction } from './server-transactions.js';
import { resolveTimers, type TimerConfig } from './timers.js';
import { type TransactionContext } from './transaction.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

export interface TransactionLayerEvents {
  [event: string]: (...args: never[]) => void;
  /** A new request with its server transaction (none for ACK, which never gets one). */
  request: (request: SipRequest, transaction: ServerTransaction | undefined, source: MessageSource) => void;
  /**
   * A CANCEL (section 9.2) with its own transaction and the INVITE transaction it matches, if any.
   */
  cancel: (cancel: SipRequest, transaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined) => void;
  /** A response matching no client transaction (e.g. a 2xx retransmitted after Timer M). */
  strayResponse: (response: SipResponse, source: MessageSource) => void;
}

/** Server transaction key (section 17.2.3); ACK maps onto its INVITE. */
export function serverTransactionKey(request: SipRequest): string {
  const via = topViaOf(request);
  const method = request.method === 'ACK' ? 'INVITE' : request.method;
  const branch = branchOf(via);
  if (branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE)) {
    return `${branch}|${sentByKey(via)}|${method}`;
  }
  // RFC 2543 fallback: Request-URI, From tag, Call-ID, CSeq number and top Via identify the
  // transaction. The To tag is left out so the ACK (which carries it) finds its INVITE.
  const cseq = cseqOf(request);
  return ['2543', formatUri(request.uri), tagOf(fromOf(request)) ?? '', callIdOf(request), cseq.seq, formatVia(stripReceived(via)), method].join('|');
}

function stripReceived(via: ReturnType<typeof topViaOf>): ReturnType<typeof topViaOf> {
  const params = new Map(via.params);
  params.delete('received');
  params.delete('rport');
  return { ...via, params };
}

/** Client transaction key (section 17.1.3): branch plus CSeq method. */
export function clientTransactionKey(message: SipMessage): string | undefined {
  const branch = branchOf(topViaOf(message));
  if (branch === undefined) return undefined;
  return `${branch}|${cseqOf(message).method}`;
}

export interface TransactionLayerOptions {
  timers?: Partial<TimerConfig>;
  /** Passed to INVITE server transactions. Default true. */
  sendTrying?: boolean;
}

export class TransactionLayer extends Emitter<TransactionLayerEvents> {
  readonly timers: TimerConfig;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();

  constructor(private readonly options: TransactionLayerOptions = {}) {
    super();
    this.timers = resolveTimers(options.timers);
  }

  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /** Feeds a message that arrived on `transport`. */
  receive(message: SipMessage, source: MessageSource, transport: SipTransport): void {
    if (message.kind === 'response') {
      const key = clientTransactionKey(message);
      const transaction = key === undefined ? undefined : this.clients.get(key);
      if (transaction) transaction.receiveResponse(message);
      else this.emit('strayResponse', message, source);
      return;
    }
    const key = serverTransactionKey(message);
    const existing = this.servers.get(key);
    if (message.method === 'ACK') {
      if (existing instanceof InviteServerTransaction) existing.receiveRequest(message);
      if (!existing || existing.state === 'accepted' || existing.state === 'terminated') this.emit('request', message, undefined, source);
      return;
    }
    if (existing) {
      existing.receiveRequest(message);
      return;
    }
    const context = this.serverContext(message, source, transport);
    if (message.method === 'INVITE') {
      const transaction = new InviteServerTransaction(message, context, { sendTrying: this.options.sendTrying ?? true });
      this.track(this.servers, key, transaction);
      this.emit('request', message, transaction, source);
      return;
    }
    const transaction = new NonInviteServerTransaction(message, context);
    this.track(this.servers, key, transaction);
    if (message.method === 'CANCEL') {
      const invite = this.servers.get(serverTransactionKey({ ...message, method: 'INVITE' }));
      this.emit('cancel', message, transaction, invite instanceof InviteServerTransaction ? invite : undefined);
      return;
    }
    this.emit('request', message, transaction, source);
  }

  /** Starts a client transaction for `request` (which must already carry its top Via branch). */
  sendRequest(request: SipRequest, destination: Endpoint, transport: SipTransport): ClientTransaction {
    const context: TransactionContext = {
      send: (message) => transport.send(message, destination),
      reliable: transport.reliable,
      timers: this.timers,
    };
    const transaction =
      request.method === 'INVITE' ? new InviteClientTransaction(request, context) : new NonInviteClientTransaction(request, context);
    const key = clientTransactionKey(request);
    if (key === undefined) throw new Error('request has no Via branch');
    this.track(this.clients, key, transaction);
    transaction.start();
    return transaction;
  }

  /** Terminates nothing; transactions end by their own timers. Clears bookkeeping for close(). */
  clear(): void {
    this.clients.clear();
    this.servers.clear();
  }

  private serverContext(request: SipRequest, source: MessageSource, transport: SipTransport): TransactionContext {
    const destination = responseDestination(topViaOf(request), source);
    return { send: (message) => transport.send(message, destination), reliable: transport.reliable, timers: this.timers };
  }

  private track<T extends ClientTransaction | ServerTransaction>(map: Map<string, T>, key: string, transaction: T): void {
    map.set(key, transaction);
    transaction.onTerminated(() => {
      if (map.get(key) === transaction) map.delete(key);
    });
  }
}
