/**
 * A minimal typed event emitter. Listeners that throw are isolated: the error is handed to the
 * `onListenerError` hook (default: rethrown asynchronously) so one faulty application handler
 * cannot break protocol state machines mid-transition.
 */
export type EventMap = Record<string, (...args: never[]) => void>;

export class Emitter<Events extends EventMap> {
  /** Type-level only: lets helpers such as `nextEvent` infer the event map. */
  declare readonly eventTypes?: Events;
  private readonly listeners = new Map<PropertyKey, Set<(...args: never[]) => void>>();

  /** Registers `listener` for `event`; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (...args: never[]) => void);
    return () => this.off(event, listener);
  }

  /** Registers `listener` for the next `event` only. */
  once<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    const wrapped = ((...args: Parameters<Events[K]>) => {
      this.off(event, wrapped);
      (listener as (...a: Parameters<Events[K]>) => void)(...args);
    }) as unknown as Events[K];
    return this.on(event, wrapped);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener as (...args: never[]) => void);
  }

  /** Number of listeners for `event`. */
  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}

/** Resolves with the arguments of the next `event`, or rejects after `timeoutMs`. */
export function nextEvent<Events extends EventMap, K extends keyof Events>(
  emitter: Emitter<Events>,
  event: K,
  timeoutMs: number,
): Promise<Parameters<Events[K]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${String(event)}"`));
    }, timeoutMs);
    const off = emitter.once(event, ((...args: Parameters<Events[K]>) => {
      clearTimeout(timer);
      resolve(args);
    }) as unknown as Events[K]);
  });
}
