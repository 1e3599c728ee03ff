import { randomBytes } from 'node:crypto';
import type { ClusterBus } from '../cluster/bus.js';
import type { Logger } from '../logger.js';

/** Bus channel of call control aimed at one node. */
export const callsChannel = (nodeId: string) => `orchestrator.calls.${nodeId}`;

type CallMessage = { t: 'hangup'; from: string; rid: string; callId: string } | { t: 'hangup.done'; rid: string; live: boolean };

/**
 * Call control across nodes: `POST /v1/calls/{id}/hangup` may reach any node, but only the node
 * that owns the call (its row's `node_id`) holds its media and runner bridge. The receiving node
 * asks the owner over the bus and waits for its answer.
 */
export class RemoteCalls {
  private readonly pending = new Map<string, { resolve: (live: boolean | null) => void; timer: NodeJS.Timeout }>();
  private unsubscribe: (() => void) | null = null;
  private seq = 0;
  private readonly ridPrefix = randomBytes(4).toString('hex');

  constructor(
    private readonly bus: ClusterBus,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  /** Serve hangup requests for calls live here; `hangup` resolves true when the call was live. */
  async start(hangup: (callId: string) => Promise<boolean>): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(callsChannel(this.nodeId), (raw) => {
      const m = raw as CallMessage;
      if (m.t === 'hangup.done') {
        const p = this.pending.get(m.rid);
        if (!p) return;
        this.pending.delete(m.rid);
        clearTimeout(p.timer);
        p.resolve(m.live);
        return;
      }
      if (m.t !== 'hangup') return;
      void hangup(m.callId)
        .catch((err: unknown) => {
          this.logger.error({ err, call_id: m.callId }, 'remote hangup failed');
          return false;
        })
        .then((live) => this.bus.publish(callsChannel(m.from), { t: 'hangup.done', rid: m.rid, live }))
        .catch((err: unknown) => this.logger.warn({ err }, 'hangup answer not sent'));
    });
  }

  /**
   * Ask `owner` to hang up `callId`: true once it did, false when the call is not live there,
   * null when the owner did not answer within `timeoutMs` (it may be dead).
   */
  hangup(owner: string, callId: string, timeoutMs: number): Promise<boolean | null> {
    const rid = `${this.ridPrefix}.${++this.seq}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        resolve(null);
      }, timeoutMs);
      timer.unref();
      this.pending.set(rid, { resolve, timer });
      this.bus.publish(callsChannel(owner), { t: 'hangup', from: this.nodeId, rid, callId }).catch(() => {
        this.pending.delete(rid);
        clearTimeout(timer);
        resolve(null);
      });
    });
  }

  close(): void {
    this.unsubscribe?.();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve(null);
    }
    this.pending.clear();
  }
}
