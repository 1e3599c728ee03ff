/** Shared machinery for the four RFC 3261 section 17 transaction state machines. */
import { type SipMessage } from '../message/message.js';
import { Emitter, type EventMap } from '../util/emitter.js';
import { TimerSet, type TimerConfig } from './timers.js';

/** Thrown when code asks a state machine for a move its diagram does not have. */
export class TransactionStateError extends Error {
  override readonly name = 'TransactionStateError';
  readonly code = 'illegal-transition' as const;
}

/** Sends one message toward the peer; rejects on transport failure. */
export type SendFunction = (message: SipMessage) => Promise<void>;

export interface TransactionContext {
  send: SendFunction;
  /** Reliable transports skip retransmission timers (sections 17.1.1.2, 17.1.2.2, 17.2.1, 17.2.2). */
  reliable: boolean;
  timers: TimerConfig;
}

export type TerminationCause = 'normal' | 'timeout' | 'transport-error';

export abstract class Transaction<State extends string, Events extends EventMap> extends Emitter<Events> {
  protected readonly timers = new TimerSet();
  private current: State;
  private cause: TerminationCause | undefined;
  private readonly terminatedListeners: Array<(cause: TerminationCause) => void> = [];

  protected constructor(
    initial: State,
    private readonly transitions: Readonly<Record<State, readonly State[]>>,
    protected readonly context: TransactionContext,
  ) {
    super();
    this.current = initial;
  }

  get state(): State {
    return this.current;
  }

  /** Why the transaction ended; undefined while alive. */
  get terminationCause(): TerminationCause | undefined {
    return this.cause;
  }

  /** Called once, when the transaction reaches Terminated. */
  onTerminated(listener: (cause: TerminationCause) => void): void {
    this.terminatedListeners.push(listener);
  }

  protected transition(to: State): void {
    if (!this.transitions[this.current].includes(to)) {
      throw new TransactionStateError(`illegal transition ${this.current} -> ${to}`);
    }
    this.current = to;
  }

  protected terminate(cause: TerminationCause): void {
    if (this.cause !== undefined) return;
    this.timers.clear();
    this.current = 'terminated' as State;
    this.cause = cause;
    for (const listener of this.terminatedListeners) listener(cause);
  }

  protected get isTerminated(): boolean {
    return this.cause !== undefined;
  }

  /** Sends and turns transport failure into termination (section 17.1.4 / 17.2.4). */
  protected transmit(message: SipMessage): void {
    this.context.send(message).catch((error: unknown) => {
      if (this.isTerminated) return;
      this.onTransportError(error instanceof Error ? error : new Error(String(error)));
    });
  }

  protected abstract onTransportError(error: Error): void;
}
