import { pingDb, type Db } from '../control/store/db.js';
import { pingRedis } from './redis-ping.js';

/** SIP as readiness sees it: off by configuration, starting, listening, or stopped. */
export type SipReadiness = { state: 'disabled' } | { state: 'starting' } | { state: 'listening'; udpPort: number; tcpPort: number } | { state: 'stopped' };

export interface DependencyCheck {
  ok: boolean;
  latency_ms: number;
  error?: string;
}

/** The `GET /readyz` body. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  node_id: string;
  checks: {
    database: DependencyCheck & { kind: 'sqlite' | 'postgres' };
    redis: (DependencyCheck & { configured: true }) | { configured: false; ok: true };
    sip: SipReadiness & { ok: boolean };
  };
}

export interface ReadinessDeps {
  nodeId: string;
  db: Db;
  redisUrl: string | null;
  /** Bound for each dependency probe. */
  timeoutMs?: number;
}

/**
 * Readiness of one node: a real query on the database, `PING` on Redis when the cluster uses it,
 * and the SIP listener (ready when listening or off by configuration). Probes run in parallel,
 * each bounded, so a dead dependency makes the answer 503 within about `timeoutMs`. With SIP
 * enabled the node is not ready until telephony reports `listening` (`unpod serve` does; code
 * that embeds the server without telephony should start it with SIP off).
 */
export class Readiness {
  private sip: SipReadiness;

  constructor(private readonly deps: ReadinessDeps, sipEnabled: boolean) {
    this.sip = sipEnabled ? { state: 'starting' } : { state: 'disabled' };
  }

  /** Telephony reports its listener here as it starts and stops. */
  setSip(state: SipReadiness): void {
    this.sip = state;
  }

  async check(): Promise<ReadinessReport> {
    const timeoutMs = this.deps.timeoutMs ?? 2000;
    const [database, redis] = await Promise.all([this.checkDb(timeoutMs), this.deps.redisUrl ? pingRedis(this.deps.redisUrl, timeoutMs) : null]);
    const sipOk = this.sip.state === 'listening' || this.sip.state === 'disabled';
    const checks: ReadinessReport['checks'] = {
      database: { kind: this.deps.db.kind, ...database },
      redis: redis ? { configured: true, ok: redis.ok, latency_ms: redis.latencyMs, ...(redis.error ? { error: redis.error } : {}) } : { configured: false, ok: true },
      sip: { ...this.sip, ok: sipOk },
    };
    const ready = checks.database.ok && checks.redis.ok && sipOk;
    return { status: ready ? 'ready' : 'not_ready', node_id: this.deps.nodeId, checks };
  }

  private async checkDb(timeoutMs: number): Promise<DependencyCheck> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([pingDb(this.deps.db), timeout]);
    clearTimeout(timer);
    const latency_ms = Math.round((performance.now() - started) * 100) / 100;
    if (result === true) return { ok: true, latency_ms };
    return { ok: false, latency_ms, error: result === 'timeout' ? `no answer within ${timeoutMs} ms` : 'query failed' };
  }
}
