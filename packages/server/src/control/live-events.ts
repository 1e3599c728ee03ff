import type { LiveEvent } from '@unpod/protocol';

/** Which events a subscriber wants: all of the space's, or one call's. */
export interface LiveEventFilter {
  /** Only events of this call. */
  callId?: string;
  /** Only these event types. */
  types?: ReadonlySet<LiveEvent['type']>;
}

export type LiveEventListener = (event: LiveEvent) => void;

/**
 * Publish/subscribe of live call and worker events, per space. The in-process implementation
 * below serves one node; a Redis-backed one (PUBLISH on `unpod:events:<space>`, one SUBSCRIBE per
 * node fanning out locally) can replace it for multi-node fan-out without touching publishers or
 * the SSE routes, which see only this interface.
 *
 * Delivery is best effort and at most once: a listener that throws is reported and never stops
 * the publisher or other listeners. Events of one call are delivered in publication order.
 */
export interface LiveEventHub {
  publish(spaceId: string, event: LiveEvent): void;
  /** Returns the function that unsubscribes (idempotent). */
  subscribe(spaceId: string, filter: LiveEventFilter, listener: LiveEventListener): () => void;
}

interface Subscription {
  filter: LiveEventFilter;
  listener: LiveEventListener;
}

/** A {@link LiveEventHub} inside one process. */
export class InMemoryLiveEventHub implements LiveEventHub {
  private readonly bySpace = new Map<string, Set<Subscription>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  publish(spaceId: string, event: LiveEvent): void {
    const subs = this.bySpace.get(spaceId);
    if (!subs) return;
    const callId = 'call_id' in event ? event.call_id : undefined;
    for (const sub of [...subs]) {
      if (sub.filter.callId !== undefined && sub.filter.callId !== callId) continue;
      if (sub.filter.types && !sub.filter.types.has(event.type)) continue;
      try {
        sub.listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  subscribe(spaceId: string, filter: LiveEventFilter, listener: LiveEventListener): () => void {
    let subs = this.bySpace.get(spaceId);
    if (!subs) this.bySpace.set(spaceId, (subs = new Set()));
    const sub: Subscription = { filter, listener };
    subs.add(sub);
    return () => {
      const current = this.bySpace.get(spaceId);
      if (!current?.delete(sub)) return;
      if (current.size === 0) this.bySpace.delete(spaceId);
    };
  }

  /** Subscriptions open across all spaces (tests, diagnostics). */
  get subscriberCount(): number {
    let n = 0;
    for (const subs of this.bySpace.values()) n += subs.size;
    return n;
  }
}
