import type { JobAssignFrame, WorkerView } from '@unpod/protocol';
import type { Logger } from '../logger.js';

/**
 * The runner registry: which runners are live, what they serve and how loaded they are.
 * `RunnerRegistry` is the seam for scale-out: `RedisRunnerRegistry` (redis-registry.ts) shares it
 * across nodes; `InMemoryRunnerRegistry` serves one node.
 *
 * Routing rules (spec 3.2-3.4, plus our decisions):
 * - Entries are keyed by (space, worker_id): a runner only ever serves calls of its key's space,
 *   and a reconnect with the same worker_id replaces its entry (the old socket is closed).
 * - An entry lives `ttlMs` after its register or last heartbeat; expiry evicts it.
 * - Pools: a runner registers pool `<agent_id>` or, in dev mode, `<agent_id>@dev`. Calls for an
 *   agent go to the ordinary pool; the dev pool is used only while the space has no live,
 *   non-draining ordinary runner for that agent. So a developer's laptop runner answers when it
 *   is alone and never steals traffic from (or absorbs overflow of) production runners.
 * - Pick: among eligible runners with a free slot, the lowest utilisation (in-flight / capacity),
 *   then the fewest in-flight, then the one assigned least recently.
 * - Load is counted by reservations this node holds (assign in progress, dialing, live call), so
 *   a reservation is synchronous and two calls can never overbook a runner. The runner's own
 *   heartbeat `active_jobs` is shown, not routed on (it lags by up to one heartbeat interval).
 * - Draining runners (heartbeat `draining: true`) and legacy `serve` runners get no jobs.
 */

/** Result of one `job.assign` on a runner's control connection. */
export type AssignOutcome =
  | { kind: 'accepted' }
  | { kind: 'rejected'; reason: string | null }
  | { kind: 'timeout' }
  | { kind: 'closed' };

/** The orchestrator's handle on one runner's control connection (local socket or, later, a remote node). */
export interface RunnerLink {
  /** Aborted once the control connection is gone. */
  readonly closed: AbortSignal;
  /** Send `job.assign` and wait for the matching `job.ack` (by `assign_id`). */
  assign(frame: JobAssignFrame, timeoutMs: number): Promise<AssignOutcome>;
  /** Send `job.cancel` (best effort). */
  cancel(jobId: string, reason: string): void;
  close(code: number, reason: string): void;
}

export interface RunnerPlacement {
  hostname: string | null;
  address: string | null;
  region: string | null;
  deployment: string | null;
}

export interface RunnerRegistration {
  spaceId: string;
  workerId: string;
  agentId: string;
  pool: string;
  /** Registered in the `<agent_id>@dev` pool. */
  dev: boolean;
  maxConcurrent: number;
  /** False for legacy `serve` runners: registered and visible, never sent jobs. */
  dispatchable: boolean;
  placement: RunnerPlacement;
  link: RunnerLink;
}

/** A slot held on one runner; release exactly once when the job or call is over. */
export interface Reservation {
  readonly spaceId: string;
  readonly workerId: string;
  readonly link: RunnerLink;
  release(): void;
}

/** A value now (in-process) or later (shared store). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Methods may answer synchronously (in-process) or asynchronously (Redis); callers always
 * `await`, which costs the in-process registry one microtask.
 */
export interface RunnerRegistry {
  /** Add a runner, replacing (and closing) an entry with the same (space, worker_id). */
  register(registration: RunnerRegistration): MaybePromise<void>;
  /** Refresh the TTL; false when `link` no longer owns the entry. */
  heartbeat(spaceId: string, workerId: string, link: RunnerLink, beat: { activeJobs: number; draining: boolean }): MaybePromise<boolean>;
  /** Remove the entry if `link` still owns it. */
  unregister(spaceId: string, workerId: string, link: RunnerLink): void;
  /** Reserve a slot on the best eligible runner, excluding `exclude` worker ids; null when none. */
  reserve(spaceId: string, agentId: string, exclude: ReadonlySet<string>): MaybePromise<Reservation | null>;
  /** Live runners of a space, for `GET /v1/workers`. */
  list(spaceId: string, filter: { agent_id?: string | undefined }): MaybePromise<WorkerView[]>;
  /** Close every runner link with `code` and forget all entries. */
  close(code: number, reason: string): MaybePromise<void>;
}

interface Entry extends RunnerRegistration {
  key: string;
  connectedAtMs: number;
  lastSeenMs: number;
  activeJobs: number;
  draining: boolean;
  lastAssignedMs: number;
  ttlTimer: NodeJS.Timeout;
}

export interface InMemoryRegistryOptions {
  ttlMs: number;
  nodeId: string;
  logger: Logger;
  now?: () => number;
}

const keyOf = (spaceId: string, workerId: string) => `${spaceId}\u0000${workerId}`;

export class InMemoryRunnerRegistry implements RunnerRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Reservations per (space, worker_id); kept across reconnects so live calls keep counting. */
  private readonly loads = new Map<string, number>();
  private readonly now: () => number;
  private assignClock = 0;

  constructor(private readonly options: InMemoryRegistryOptions) {
    this.now = options.now ?? Date.now;
  }

  register(reg: RunnerRegistration): void {
    const key = keyOf(reg.spaceId, reg.workerId);
    const previous = this.entries.get(key);
    if (previous) {
      clearTimeout(previous.ttlTimer);
      this.entries.delete(key);
      if (previous.link !== reg.link) previous.link.close(1000, 'replaced by a newer connection with the same worker_id');
      this.options.logger.info({ worker_id: reg.workerId, space_id: reg.spaceId }, 'runner re-registered; previous connection replaced');
    }
    const now = this.now();
    const entry: Entry = {
      ...reg,
      key,
      connectedAtMs: now,
      lastSeenMs: now,
      activeJobs: 0,
      draining: false,
      lastAssignedMs: 0,
      ttlTimer: setTimeout(() => this.expire(key, entry), this.options.ttlMs),
    };
    entry.ttlTimer.unref();
    this.entries.set(key, entry);
  }

  heartbeat(spaceId: string, workerId: string, link: RunnerLink, beat: { activeJobs: number; draining: boolean }): boolean {
    const entry = this.entries.get(keyOf(spaceId, workerId));
    if (!entry || entry.link !== link) return false;
    entry.lastSeenMs = this.now();
    entry.activeJobs = beat.activeJobs;
    entry.draining = beat.draining;
    entry.ttlTimer.refresh();
    return true;
  }

  unregister(spaceId: string, workerId: string, link: RunnerLink): void {
    const key = keyOf(spaceId, workerId);
    const entry = this.entries.get(key);
    if (!entry || entry.link !== link) return;
    clearTimeout(entry.ttlTimer);
    this.entries.delete(key);
  }

  reserve(spaceId: string, agentId: string, exclude: ReadonlySet<string>): Reservation | null {
    const now = this.now();
    const live = [...this.entries.values()].filter(
      (e) => e.spaceId === spaceId && e.agentId === agentId && e.dispatchable && !e.draining && now - e.lastSeenMs <= this.options.ttlMs,
    );
    const ordinary = live.filter((e) => !e.dev);
    const pool = ordinary.length > 0 ? ordinary : live;
    let best: Entry | null = null;
    let bestLoad = 0;
    for (const e of pool) {
      if (exclude.has(e.workerId)) continue;
      const load = this.loads.get(e.key) ?? 0;
      if (load >= e.maxConcurrent) continue;
      if (!best || this.better(e, load, best, bestLoad)) {
        best = e;
        bestLoad = load;
      }
    }
    if (!best) return null;
    const key = best.key;
    this.loads.set(key, bestLoad + 1);
    best.lastAssignedMs = ++this.assignClock;
    let released = false;
    return {
      spaceId,
      workerId: best.workerId,
      link: best.link,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.loads.get(key) ?? 1) - 1;
        if (left > 0) this.loads.set(key, left);
        else this.loads.delete(key);
      },
    };
  }

  private better(a: Entry, loadA: number, b: Entry, loadB: number): boolean {
    const ua = loadA / a.maxConcurrent;
    const ub = loadB / b.maxConcurrent;
    if (ua !== ub) return ua < ub;
    if (loadA !== loadB) return loadA < loadB;
    return a.lastAssignedMs < b.lastAssignedMs;
  }

  list(spaceId: string, filter: { agent_id?: string | undefined }): WorkerView[] {
    const now = this.now();
    const out: WorkerView[] = [];
    for (const e of this.entries.values()) {
      if (e.spaceId !== spaceId) continue;
      if (filter.agent_id !== undefined && e.agentId !== filter.agent_id) continue;
      const inFlight = this.loads.get(e.key) ?? 0;
      out.push({
        worker_id: e.workerId,
        agent_id: e.agentId,
        pool: e.pool,
        max_concurrent: e.maxConcurrent,
        in_flight: inFlight,
        active_jobs: e.activeJobs,
        has_capacity: e.dispatchable && !e.draining && inFlight < e.maxConcurrent,
        draining: e.draining,
        last_heartbeat_age_s: Math.max(0, Math.round((now - e.lastSeenMs) / 100) / 10),
        connected_at: new Date(e.connectedAtMs).toISOString(),
        hostname: e.placement.hostname,
        address: e.placement.address,
        region: e.placement.region,
        deployment: e.placement.deployment,
        node_id: this.options.nodeId,
      });
    }
    return out;
  }

  close(code: number, reason: string): void {
    for (const e of this.entries.values()) {
      clearTimeout(e.ttlTimer);
      e.link.close(code, reason);
    }
    this.entries.clear();
  }

  private expire(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.options.logger.warn({ worker_id: entry.workerId, space_id: entry.spaceId }, 'runner registration expired (no heartbeat); evicted');
    entry.link.close(1000, 'registration expired: no heartbeat within the TTL');
  }
}
