import { randomBytes } from 'node:crypto';
import type { JobAssignFrame } from '@unpod/protocol';
import type { BusMessage, ClusterBus } from '../cluster/bus.js';
import type { Logger } from '../logger.js';
import type { AssignOutcome, RunnerLink } from './registry.js';

/** Extra wait over the runner's ack deadline for the two bus hops, before giving up on a remote ack. */
const REMOTE_ACK_GRACE_MS = 1_000;

/** Bus channel of one node's job routing. */
export const nodeChannel = (nodeId: string) => `orchestrator.node.${nodeId}`;
/** Broadcast channel: a runner control link closed on its node. */
export const LINKS_CHANNEL = 'orchestrator.links';

type RoutedMessage =
  | { t: 'assign'; from: string; rid: string; conn: string; frame: JobAssignFrame; timeoutMs: number }
  | { t: 'assign.result'; rid: string; outcome: AssignOutcome }
  | { t: 'cancel'; conn: string; jobId: string; reason: string }
  | { t: 'close'; conn: string; code: number; reason: string };

/**
 * Job routing between nodes. A runner's control socket lives on one node (its owner); a call
 * dispatched on another node reaches the runner through a `RemoteRunnerLink`: `job.assign`,
 * `job.cancel` and close requests travel to the owner over the cluster bus (channel
 * `orchestrator.node.<owner>`), the owner forwards them on the socket, and the ack comes back on
 * the caller's channel. The runner then dials the bridge URL the caller put in the frame, so
 * the call's media stays on the node that owns the call.
 */
export class RunnerLinkRouter {
  private readonly local = new Map<string, RunnerLink>();
  private readonly remote = new Map<string, RemoteRunnerLink>();
  private readonly pending = new Map<string, { resolve: (o: AssignOutcome) => void; timer: NodeJS.Timeout; link: RemoteRunnerLink }>();
  private readonly unsubscribe: Array<() => void> = [];
  /** Nodes whose heartbeat expired: links through them are closed from the start. */
  private readonly down = new Set<string>();
  private seq = 0;
  private readonly ridPrefix = randomBytes(4).toString('hex');

  constructor(
    private readonly bus: ClusterBus,
    readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe.push(await this.bus.subscribe(nodeChannel(this.nodeId), (m) => this.onRouted(m as RoutedMessage)));
    this.unsubscribe.push(
      await this.bus.subscribe(LINKS_CHANNEL, (m) => {
        if (typeof m.conn === 'string') this.remote.get(m.conn)?.lost();
      }),
    );
  }

  /** A control link this node holds, known to other nodes by `conn`. */
  addLocal(conn: string, link: RunnerLink): void {
    this.local.set(conn, link);
    const onClosed = () => {
      if (this.local.get(conn) === link) this.local.delete(conn);
      this.bus.publish(LINKS_CHANNEL, { conn }).catch((err: unknown) => this.logger.debug({ err }, 'link-closed broadcast failed'));
    };
    if (link.closed.aborted) onClosed();
    else link.closed.addEventListener('abort', onClosed, { once: true });
  }

  /** The link to runner connection `conn` held by node `node` (a closed link when it is gone). */
  link(node: string, conn: string): RunnerLink {
    if (node === this.nodeId) return this.local.get(conn) ?? closedLink();
    if (this.down.has(node)) return closedLink();
    let link = this.remote.get(conn);
    if (!link || link.closed.aborted) {
      link = new RemoteRunnerLink(this, node, conn);
      this.remote.set(conn, link);
    }
    return link;
  }

  /** Node `node` stopped heartbeating: every link through it is lost, and new ones start closed. */
  nodeLost(node: string): void {
    this.down.add(node);
    for (const link of [...this.remote.values()]) if (link.node === node) link.lost();
  }

  /** Node `node` heartbeats again (restarted with the same id). */
  nodeBack(node: string): void {
    this.down.delete(node);
  }

  /** @internal used by RemoteRunnerLink. */
  send(node: string, message: BusMessage): Promise<void> {
    return this.bus.publish(nodeChannel(node), message);
  }

  /** @internal used by RemoteRunnerLink. */
  assignRemote(link: RemoteRunnerLink, frame: JobAssignFrame, timeoutMs: number): Promise<AssignOutcome> {
    const rid = `${this.ridPrefix}.${++this.seq}`;
    return new Promise<AssignOutcome>((resolve) => {
      const timer = setTimeout(() => this.settle(rid, { kind: 'timeout' }), timeoutMs + REMOTE_ACK_GRACE_MS);
      timer.unref();
      this.pending.set(rid, { resolve, timer, link });
      const message: RoutedMessage = { t: 'assign', from: this.nodeId, rid, conn: link.conn, frame, timeoutMs };
      this.send(link.node, message).catch((err: unknown) => {
        this.logger.warn({ err, node: link.node }, 'job routing to another node failed');
        this.settle(rid, { kind: 'closed' });
      });
    });
  }

  /** @internal a remote link was lost: its pending assigns end as `closed`. */
  forget(link: RemoteRunnerLink): void {
    if (this.remote.get(link.conn) === link) this.remote.delete(link.conn);
    for (const [rid, p] of [...this.pending]) if (p.link === link) this.settle(rid, { kind: 'closed' });
  }

  private settle(rid: string, outcome: AssignOutcome): void {
    const p = this.pending.get(rid);
    if (!p) return;
    this.pending.delete(rid);
    clearTimeout(p.timer);
    p.resolve(outcome);
  }

  private onRouted(m: RoutedMessage): void {
    switch (m.t) {
      case 'assign': {
        const link = this.local.get(m.conn);
        const reply = (outcome: AssignOutcome) =>
          this.send(m.from, { t: 'assign.result', rid: m.rid, outcome }).catch((err: unknown) => this.logger.warn({ err }, 'job ack routing failed'));
        if (!link) return void reply({ kind: 'closed' });
        void link.assign(m.frame, m.timeoutMs).then(reply);
        return;
      }
      case 'assign.result':
        return this.settle(m.rid, m.outcome);
      case 'cancel':
        return this.local.get(m.conn)?.cancel(m.jobId, m.reason);
      case 'close':
        return this.local.get(m.conn)?.close(m.code, m.reason);
      default:
        this.logger.debug({ type: (m as { t?: unknown }).t }, 'unknown routing message ignored');
    }
  }

  /** Fail every remote link and pending assign; stop listening. */
  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const link of [...this.remote.values()]) link.lost();
    for (const rid of [...this.pending.keys()]) this.settle(rid, { kind: 'closed' });
  }
}

/** A runner control link held by another node. */
export class RemoteRunnerLink implements RunnerLink {
  private readonly abort = new AbortController();
  readonly closed: AbortSignal = this.abort.signal;

  constructor(
    private readonly router: RunnerLinkRouter,
    readonly node: string,
    readonly conn: string,
  ) {}

  assign(frame: JobAssignFrame, timeoutMs: number): Promise<AssignOutcome> {
    if (this.closed.aborted) return Promise.resolve({ kind: 'closed' });
    return this.router.assignRemote(this, frame, timeoutMs);
  }

  cancel(jobId: string, reason: string): void {
    if (this.closed.aborted) return;
    void this.router.send(this.node, { t: 'cancel', conn: this.conn, jobId, reason }).catch(() => undefined);
  }

  close(code: number, reason: string): void {
    void this.router.send(this.node, { t: 'close', conn: this.conn, code, reason }).catch(() => undefined);
  }

  /** The owner reported the socket closed, or the owner itself is gone. */
  lost(): void {
    if (this.closed.aborted) return;
    this.abort.abort();
    this.router.forget(this);
  }
}

function closedLink(): RunnerLink {
  const abort = new AbortController();
  abort.abort();
  return {
    closed: abort.signal,
    assign: () => Promise.resolve({ kind: 'closed' }),
    cancel: () => undefined,
    close: () => undefined,
  };
}
