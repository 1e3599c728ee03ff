import type { MetricEvent, WorkerTurnMetrics } from './session-metrics.js';
import type { TurnCompleteInfo } from './session-events.js';

/** What the session knows about one turn while and after it runs. */
export interface TurnRecord {
  turnId: number;
  serverTurnId: number | null;
  userText: string;
  agentText: string;
  interrupted: boolean;
  ttftMs: number | null;
  totalMs: number;
  llmCallCount: number;
  llmTotalMs: number;
  worker: WorkerTurnMetrics | null;
  fromNode: string | null;
  toNode: string | null;
}

/** Inputs of {@link TurnTracker}. */
export interface TurnTrackerOptions {
  /** Fires the `turn_complete` hook (isolated by the caller). */
  emit: (info: TurnCompleteInfo) => Promise<void>;
  /** True when the server negotiated `turn.metrics`, so a finished turn waits for them. */
  expectServerMetrics: boolean;
  /** Longest wait for `turn.metrics` after a turn ends. */
  waitMs: number;
  /** The server's latest `metric` frame (its `ttfaMs` is the fallback). */
  lastMetric: () => MetricEvent | null;
}

function matches(record: TurnRecord, metrics: WorkerTurnMetrics): boolean {
  return record.serverTurnId === null || record.serverTurnId === metrics.turnId;
}

/**
 * Fires `turn_complete` exactly once per turn. When the server sends `turn.metrics`, they are
 * merged in: during the turn they are kept for its end; after it, the finished turn waits up to
 * `waitMs` (or until the next turn starts, or the call ends) for them.
 */
export class TurnTracker {
  private current: TurnRecord | null = null;
  private pending: { record: TurnRecord; timer: NodeJS.Timeout | null } | null = null;

  constructor(private readonly options: TurnTrackerOptions) {}

  /** The turn in progress, if any. */
  get active(): TurnRecord | null {
    return this.current;
  }

  /** A turn begins; a previous turn still waiting for metrics completes first. */
  async begin(record: TurnRecord): Promise<void> {
    await this.flush();
    this.current = record;
  }

  /** The server's `turn.metrics` arrived. */
  async serverMetrics(metrics: WorkerTurnMetrics): Promise<void> {
    if (this.current && matches(this.current, metrics)) {
      this.current.worker = metrics;
      return;
    }
    if (this.pending && matches(this.pending.record, metrics)) {
      this.pending.record.worker = metrics;
      await this.flush();
    }
  }

  /** The turn ended (its `agent.text.end` was sent). */
  async finish(record: TurnRecord): Promise<void> {
    if (this.current === record) this.current = null;
    if (record.worker || !this.options.expectServerMetrics || this.options.waitMs <= 0) {
      await this.options.emit(this.toInfo(record));
      return;
    }
    const entry: { record: TurnRecord; timer: NodeJS.Timeout | null } = { record, timer: null };
    entry.timer = setTimeout(() => {
      if (this.pending === entry) void this.flush();
    }, this.options.waitMs);
    entry.timer.unref?.();
    this.pending = entry;
  }

  /** Fire the waiting turn now, with whatever metrics it has. */
  async flush(): Promise<void> {
    const entry = this.pending;
    if (!entry) return;
    this.pending = null;
    if (entry.timer) clearTimeout(entry.timer);
    await this.options.emit(this.toInfo(entry.record));
  }

  private toInfo(record: TurnRecord): TurnCompleteInfo {
    const w = record.worker;
    const ttfaMs = w?.ttfaMs ?? this.options.lastMetric()?.ttfaMs ?? null;
    return {
      turnId: record.turnId,
      userText: record.userText,
      agentText: record.agentText,
      interrupted: record.interrupted,
      ttftMs: record.ttftMs,
      totalMs: record.totalMs,
      ttfaMs,
      asrMs: w?.asrMs ?? null,
      llmTtftMs: w?.llmTtftMs ?? null,
      ttsTtfbMs: w?.ttsTtfbMs ?? null,
      sttMs: w?.asrMs ?? null,
      ttsMs: w?.ttsTtfbMs ?? null,
      fromNode: w?.fromNode ?? record.fromNode,
      toNode: w?.toNode ?? record.toNode,
      llmCallCount: w && w.llmCallCount > 0 ? w.llmCallCount : record.llmCallCount,
      llmTotalMs: w?.llmTotalMs ?? (record.llmCallCount > 0 ? record.llmTotalMs : null),
      measuredBy: w ? 'server' : 'sdk',
    };
  }
}
