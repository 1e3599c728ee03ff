import type { LlmCallInfo } from './adapters/types.js';

/** SDK-measured timing of one turn. */
export interface TurnTiming {
  turnId: number;
  /** `user.text` received -> first non-empty chunk from the adapter; null when none came. */
  ttftMs: number | null;
  /** `user.text` received -> `agent.text.end` sent. */
  totalMs: number;
  interrupted: boolean;
  llmCallCount: number;
  llmTotalMs: number;
}

/** The server's per-call `metric` frame, camelCased. */
export interface MetricEvent {
  ttfaMs: number | null;
  asrP95Ms: number | null;
  ttsP95Ms: number | null;
  turns: number;
  costUsdSoFar: number | null;
}

/** The server's per-turn `turn.metrics` frame, camelCased. */
export interface WorkerTurnMetrics {
  turnId: number;
  ttfaMs: number | null;
  asrMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  llmCallCount: number;
  llmTotalMs: number | null;
  fromNode: string | null;
  toNode: string | null;
}

/** Point-in-time view of a call's metrics (`session.metrics.live()`). */
export interface SessionMetricsSnapshot {
  durationS: number;
  turns: number;
  interruptions: number;
  llmCalls: number;
  /** 95th percentile over recent turns (index ceil(0.95 n) - 1 of the sorted values). */
  ttftP95Ms: number | null;
  totalP95Ms: number | null;
  /** From the server's `turn.metrics` (time to first audio). */
  ttfaP95Ms: number | null;
  lastTurn: TurnTiming | null;
  lastTurnMetrics: WorkerTurnMetrics | null;
  lastMetric: MetricEvent | null;
  tokens: { input: number; output: number; cached: number; cacheWrite: number };
  /** Model named by the most recent LLM call. */
  model: string | null;
  costUsdSoFar: number | null;
}

const SAMPLE_LIMIT = 1000;

/** p95 as index ceil(0.95 n) - 1 of the sorted values; null for no values. */
export function p95(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!;
}

function pushBounded(list: number[], value: number): void {
  list.push(value);
  if (list.length > SAMPLE_LIMIT) list.shift();
}

/** Live metrics of one call, fed by the session as turns, LLM calls and server metrics happen. */
export class SessionMetrics {
  private readonly startedAt: number;
  private turnCount = 0;
  private interruptionCount = 0;
  private llmCallCount = 0;
  private readonly ttfts: number[] = [];
  private readonly totals: number[] = [];
  private readonly ttfas: number[] = [];
  private lastTurnTiming: TurnTiming | null = null;
  private lastWorkerTurn: WorkerTurnMetrics | null = null;
  private lastMetricEvent: MetricEvent | null = null;
  private readonly tokens = { input: 0, output: 0, cached: 0, cacheWrite: 0 };
  private lastModel: string | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  /** Snapshot of everything measured so far. */
  live(): SessionMetricsSnapshot {
    return {
      durationS: (this.now() - this.startedAt) / 1000,
      turns: this.turnCount,
      interruptions: this.interruptionCount,
      llmCalls: this.llmCallCount,
      ttftP95Ms: p95(this.ttfts),
      totalP95Ms: p95(this.totals),
      ttfaP95Ms: p95(this.ttfas),
      lastTurn: this.lastTurnTiming ? { ...this.lastTurnTiming } : null,
      lastTurnMetrics: this.lastWorkerTurn ? { ...this.lastWorkerTurn } : null,
      lastMetric: this.lastMetricEvent ? { ...this.lastMetricEvent } : null,
      tokens: { ...this.tokens },
      model: this.lastModel,
      costUsdSoFar: this.lastMetricEvent?.costUsdSoFar ?? null,
    };
  }

  /** Turns started so far. */
  get turns(): number {
    return this.turnCount;
  }

  /** The server's most recent `metric` frame. */
  get lastMetric(): MetricEvent | null {
    return this.lastMetricEvent;
  }

  /** @internal A user turn began. */
  turnStarted(): void {
    this.turnCount += 1;
  }

  /** @internal A turn finished. */
  turnFinished(timing: TurnTiming): void {
    this.lastTurnTiming = timing;
    if (timing.ttftMs !== null) pushBounded(this.ttfts, timing.ttftMs);
    pushBounded(this.totals, timing.totalMs);
  }

  /** @internal The caller barged in. */
  interrupted(): void {
    this.interruptionCount += 1;
  }

  /** @internal An adapter reported an LLM call. */
  llmCall(info: LlmCallInfo): void {
    this.llmCallCount += 1;
    this.tokens.input += info.tokensIn ?? 0;
    this.tokens.output += info.tokensOut ?? 0;
    this.tokens.cached += info.cached ?? 0;
    this.tokens.cacheWrite += info.cacheWrite ?? 0;
    if (info.model) this.lastModel = info.model;
  }

  /** @internal The server sent `metric`. */
  metric(event: MetricEvent): void {
    this.lastMetricEvent = event;
  }

  /** @internal The server sent `turn.metrics`. */
  turnMetrics(metrics: WorkerTurnMetrics): void {
    this.lastWorkerTurn = metrics;
    if (metrics.ttfaMs !== null) pushBounded(this.ttfas, metrics.ttfaMs);
  }
}
