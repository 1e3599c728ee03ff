/**
 * A cluster-wide publish/subscribe bus for JSON messages on named channels. Delivery is
 * at-most-once and unordered across publishers (Redis pub/sub semantics): a node that is down or
 * not yet subscribed misses a message, so users pair it with timeouts or durable state.
 * `InProcessClusterBus` serves a single node; `RedisClusterBus` spans every node sharing a Redis.
 */

/** JSON-serialisable message body. */
export type BusMessage = Record<string, unknown>;

/** Receives one message published on a subscribed channel. */
export type BusHandler = (message: BusMessage, channel: string) => void;

export interface ClusterBus {
  /** Deliver `message` to every subscriber of `channel` on every node (this one included). */
  publish(channel: string, message: BusMessage): Promise<void>;
  /**
   * Receive messages of `channel`; resolves once the subscription is active (messages published
   * after that are delivered). Returns the unsubscribe function.
   */
  subscribe(channel: string, handler: BusHandler): Promise<() => void>;
  /** Drop every subscription and the connections behind them. Idempotent. */
  close(): Promise<void>;
}

/** Valid channel names: letters, digits and `_ . : -`, 1-200 characters. */
const CHANNEL = /^[A-Za-z0-9_.:-]{1,200}$/;

/** Throws a `TypeError` naming the problem when `channel` is not a valid channel name. */
export function assertChannel(channel: string): void {
  if (typeof channel !== 'string' || !CHANNEL.test(channel)) {
    throw new TypeError(`invalid bus channel "${String(channel)}": use 1-200 letters, digits or _ . : -`);
  }
}

/** Handlers per channel, shared by both implementations. */
export class HandlerTable {
  private readonly byChannel = new Map<string, Set<BusHandler>>();

  /** Add a handler; true when it is the channel's first. */
  add(channel: string, handler: BusHandler): boolean {
    let set = this.byChannel.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.byChannel.set(channel, set);
    }
    set.add(handler);
    return first;
  }

  /** Remove a handler; true when the channel has none left. */
  remove(channel: string, handler: BusHandler): boolean {
    const set = this.byChannel.get(channel);
    if (!set) return false;
    set.delete(handler);
    if (set.size > 0) return false;
    this.byChannel.delete(channel);
    return true;
  }

  /** Call each handler of `channel`; a throwing handler does not stop the others. */
  deliver(channel: string, message: BusMessage, onError: (err: unknown) => void): void {
    const set = this.byChannel.get(channel);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(message, channel);
      } catch (err) {
        onError(err);
      }
    }
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  clear(): void {
    this.byChannel.clear();
  }
}

/**
 * The single-node bus: delivery on a later microtask (never inside `publish`, like the Redis
 * bus), messages cloned through JSON so subscribers never share objects with the publisher.
 */
export class InProcessClusterBus implements ClusterBus {
  private readonly handlers = new HandlerTable();
  private closed = false;

  constructor(private readonly onHandlerError: (err: unknown) => void = () => undefined) {}

  async publish(channel: string, message: BusMessage): Promise<void> {
    assertChannel(channel);
    if (this.closed) throw new Error('cluster bus is closed');
    const text = JSON.stringify(message);
    queueMicrotask(() => this.handlers.deliver(channel, JSON.parse(text) as BusMessage, this.onHandlerError));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    assertChannel(channel);
    if (this.closed) throw new Error('cluster bus is closed');
    this.handlers.add(channel, handler);
    return () => void this.handlers.remove(channel, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
