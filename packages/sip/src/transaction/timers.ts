/** RFC 3261 section 17 timer values (Table 4 in appendix A), configurable for tests and networks. */

export interface TimerConfig {
  /** RTT estimate. Default 500 ms. */
  t1Ms: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. Default 4 s. */
  t2Ms: number;
  /** Maximum time a message remains in the network. Default 5 s. */
  t4Ms: number;
  /** Wait time for response retransmits after a non-2xx INVITE final (timer D, unreliable). Default 32 s. */
  timerDMs: number;
}

export const DEFAULT_TIMERS: Readonly<TimerConfig> = Object.freeze({ t1Ms: 500, t2Ms: 4000, t4Ms: 5000, timerDMs: 32_000 });

export function resolveTimers(partial: Partial<TimerConfig> = {}): TimerConfig {
  return { ...DEFAULT_TIMERS, ...partial };
}

/** Timers B, F, H, J (and RFC 6026 L, M) all equal 64*T1. */
export function transactionTimeoutMs(timers: TimerConfig): number {
  return 64 * timers.t1Ms;
}

/** Named one-shot timers owned by one state machine; all cleared together on termination. */
export class TimerSet {
  private readonly handles = new Map<string, ReturnType<typeof setTimeout>>();

  start(name: string, delayMs: number, callback: () => void): void {
    this.stop(name);
    const handle = setTimeout(() => {
      this.handles.delete(name);
      callback();
    }, delayMs);
    this.handles.set(name, handle);
  }

  stop(name: string): void {
    const handle = this.handles.get(name);
    if (handle !== undefined) clearTimeout(handle);
    this.handles.delete(name);
  }

  has(name: string): boolean {
    return this.handles.has(name);
  }

  clear(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
  }
}
