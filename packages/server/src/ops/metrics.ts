import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of this process, scraped at `GET /metrics`. One registry per process:
 * counters are process-wide (several servers in one test process add up, so tests compare
 * before/after values). Code elsewhere records through the named helpers below, never through
 * prom-client directly, so metric names and labels stay in this one file.
 */

/** Live runner totals as one node sees them; summed over every registered source. */
export interface RunnerTotals {
  connected: number;
  capacity: number;
  inFlight: number;
}

/** Where runner totals come from (an orchestrator); may query the store. */
export type RunnerSource = () => RunnerTotals | Promise<RunnerTotals>;

/** Buckets in seconds for dispatch (call routed -> `call.started`; budget p50 10 ms, p99 50 ms). */
const DISPATCH_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets in seconds for HTTP request handling. */
const HTTP_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

class UnpodMetrics {
  readonly registry = new Registry();
  private readonly runnerSources = new Set<RunnerSource>();
  /** One sum shared by the three runner gauges of a scrape. */
  private pendingTotals: Promise<RunnerTotals> | null = null;

  private readonly callsStarted = new Counter({
    name: 'unpod_calls_started_total',
    help: 'Calls handed to the orchestrator on this node, by transport.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  private readonly callsEnded = new Counter({
    name: 'unpod_calls_ended_total',
    help: 'Calls that ended on this node, by transport and end reason.',
    labelNames: ['transport', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly callsLive = new Gauge({
    name: 'unpod_calls_live',
    help: 'Calls live on this node now, by transport.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  private readonly dispatchSeconds = new Histogram({
    name: 'unpod_dispatch_duration_seconds',
    help: 'Dispatch time: call routed until the runner has it (call.started), by result.',
    labelNames: ['result'] as const,
    buckets: DISPATCH_BUCKETS_S,
    registers: [this.registry],
  });

  private readonly rtpPackets = new Counter({
    name: 'unpod_rtp_packets_received_total',
    help: 'RTP packets received on SIP calls (counted when each call ends).',
    registers: [this.registry],
  });

  private readonly rtpLate = new Counter({
    name: 'unpod_rtp_late_packets_total',
    help: 'RTP packets that arrived after their playout slot (counted when each call ends).',
    registers: [this.registry],
  });

  private readonly failovers = new Counter({
    name: 'unpod_provider_failovers_total',
    help: 'Speech provider failovers, by kind (stt, tts, llm...) and the provider failed away from.',
    labelNames: ['kind', 'from'] as const,
    registers: [this.registry],
  });

  private readonly httpSeconds = new Histogram({
    name: 'unpod_http_request_duration_seconds',
    help: 'REST request handling time, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS_S,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'unpod_' });
    const total = async (pick: (t: RunnerTotals) => number) => pick(await this.runnerTotals());
    new Gauge({
      name: 'unpod_runners_connected',
      help: 'Runners connected to this node.',
      registers: [this.registry],
      async collect() {
        this.set(await total((t) => t.connected));
      },
    });
    new Gauge({
      name: 'unpod_runner_capacity',
      help: 'Call slots offered by the runners connected to this node.',
      registers: [this.registry],
      async collect() {
        this.set(await total((t) => t.capacity));
      },
    });
    new Gauge({
      name: 'unpod_runner_jobs_in_flight',
      help: 'Calls the runners connected to this node are handling.',
      registers: [this.registry],
      async collect() {
        this.set(await total((t) => t.inFlight));
      },
    });
  }

  /** A call was handed to the orchestrator. */
  callStarted(transport: string): void {
    this.callsStarted.inc({ transport });
    this.callsLive.inc({ transport });
  }

  /** A call that {@link callStarted} ended with `outcome` (its end reason). */
  callEnded(transport: string, outcome: string): void {
    this.callsEnded.inc({ transport, outcome });
    this.callsLive.dec({ transport });
  }

  /** One dispatch finished: `result` is `ok` or the failure reason. */
  dispatchObserved(seconds: number, result: string): void {
    this.dispatchSeconds.observe({ result }, seconds);
  }

  /** RTP totals of one finished SIP leg. */
  rtpLegFinished(stats: { packets_received: number; late_packets: number }): void {
    this.rtpPackets.inc(stats.packets_received);
    this.rtpLate.inc(stats.late_packets);
  }

  /** A speech (or LLM) provider failed and the next one in its chain took over. */
  providerFailover(kind: string, from: string): void {
    this.failovers.inc({ kind, from });
  }

  /** One REST request; `route` is the route pattern (`/v1/calls/:id`), never the raw path. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpSeconds.observe({ method, route, status: String(status) }, seconds);
  }

  /** Report runner totals at every scrape; returns the function that stops reporting. */
  addRunnerSource(source: RunnerSource): () => void {
    this.runnerSources.add(source);
    return () => void this.runnerSources.delete(source);
  }

  private runnerTotals(): Promise<RunnerTotals> {
    if (this.pendingTotals) return this.pendingTotals;
    const pending = this.sumRunnerSources();
    this.pendingTotals = pending;
    const clear = () => {
      if (this.pendingTotals === pending) this.pendingTotals = null;
    };
    pending.then(clear, clear);
    return pending;
  }

  private async sumRunnerSources(): Promise<RunnerTotals> {
    const sum: RunnerTotals = { connected: 0, capacity: 0, inFlight: 0 };
    for (const source of this.runnerSources) {
      const t = await source();
      sum.connected += t.connected;
      sum.capacity += t.capacity;
      sum.inFlight += t.inFlight;
    }
    return sum;
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

export type { UnpodMetrics };

/** This process's metrics. */
export const metrics = new UnpodMetrics();
