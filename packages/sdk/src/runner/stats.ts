/** Final state of one call, as reported to runner `call_end` hooks. */
export type CallFinalState = 'ended' | 'failed';

/** Snapshot returned by `AgentRunner.stats()`. */
export interface RunnerStats {
  /** Live calls (bridge handshake done, entrypoint running). */
  inFlight: number;
  /** Accepted jobs still dialing the bridge. */
  dialing: number;
  /** Calls whose entrypoint returned normally within the last hour. */
  completedLastHour: number;
  /** Calls (or accepted jobs whose dial failed) that failed within the last hour. */
  failedLastHour: number;
  /** `maxConcurrentCalls`. */
  capacity: number;
  /** Mean duration of the calls completed within the last hour, in seconds; `null` when none. */
  meanCallDurationS: number | null;
  /** True once `shutdown()` has begun. */
  draining: boolean;
}

interface Outcome {
  atMs: number;
  state: CallFinalState;
  durationS: number | null;
}

/** Rolling window of call outcomes (default one hour). Old entries are pruned on every access. */
export class RollingOutcomes {
  private readonly outcomes: Outcome[] = [];

  constructor(
    private readonly windowMs = 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Record one outcome now. `durationS` is ignored for failures (they never skew the mean). */
  record(state: CallFinalState, durationS: number | null): void {
    this.outcomes.push({ atMs: this.now(), state, durationS: state === 'ended' ? durationS : null });
    this.prune();
  }

  /** Counts and mean duration over the window. */
  summary(): { completed: number; failed: number; meanDurationS: number | null } {
    this.prune();
    let completed = 0;
    let failed = 0;
    let durationSum = 0;
    let durationCount = 0;
    for (const o of this.outcomes) {
      if (o.state === 'ended') {
        completed += 1;
        if (o.durationS !== null) {
          durationSum += o.durationS;
          durationCount += 1;
        }
      } else {
        failed += 1;
      }
    }
    return { completed, failed, meanDurationS: durationCount > 0 ? durationSum / durationCount : null };
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    let drop = 0;
    while (drop < this.outcomes.length && this.outcomes[drop]!.atMs <= cutoff) drop += 1;
    if (drop > 0) this.outcomes.splice(0, drop);
  }
}
