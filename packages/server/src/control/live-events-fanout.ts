import type { LiveEvent } from '@unpod/protocol';
import type { ClusterBus } from '../cluster/bus.js';
import type { LiveEventFilter, LiveEventHub, LiveEventListener } from './live-events.js';

/** The bus channel live events cross nodes on (job routing owns `orchestrator.*`). */
export const LIVE_EVENTS_CHANNEL = 'live-events';

/**
 * A {@link LiveEventHub} for a node of a cluster: events published here go out on the cluster bus
 * and every node (this one included) hands them to its local subscribers, so a dashboard on
 * node A sees a call that runs on node B. Until `attach` is called (the bus exists only once the
 * orchestrator does) and after `detach`, events stay on this node.
 *
 * Ordering: the Redis bus publishes over one connection per node, so the events of one call,
 * which are all published by the node that runs it, arrive in order everywhere.
 */
export class FanOutLiveEventHub implements LiveEventHub {
  private bus: ClusterBus | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly local: LiveEventHub,
    private readonly onPublishError: (err: unknown) => void,
  ) {}

  /** Starts crossing nodes: resolves once this node receives other nodes' events. */
  async attach(bus: ClusterBus): Promise<void> {
    this.unsubscribe = await bus.subscribe(LIVE_EVENTS_CHANNEL, (message) => {
      const spaceId = message['space_id'];
      const event = message['event'];
      if (typeof spaceId !== 'string' || event === null || typeof event !== 'object') return;
      this.local.publish(spaceId, event as LiveEvent);
    });
    this.bus = bus;
  }

  /** Back to this node only (shutdown). */
  detach(): void {
    this.bus = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  publish(spaceId: string, event: LiveEvent): void {
    if (this.bus === null) return this.local.publish(spaceId, event);
    this.bus.publish(LIVE_EVENTS_CHANNEL, { space_id: spaceId, event: event as unknown as Record<string, unknown> }).catch((err: unknown) => {
      // The bus is down: this node's own subscribers still get the event.
      this.onPublishError(err);
      this.local.publish(spaceId, event);
    });
  }

  subscribe(spaceId: string, filter: LiveEventFilter, listener: LiveEventListener): () => void {
    return this.local.subscribe(spaceId, filter, listener);
  }
}
