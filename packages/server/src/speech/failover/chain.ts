import type { BreakerBoard, CircuitBreaker } from './breaker.js';
import type { FailoverOptions } from './types.js';

/** A provider of a chain chosen for one attempt. */
export interface ChainPick {
  index: number;
  breaker: CircuitBreaker;
}

/**
 * Which step of a call's chain serves the next attempt. Steps are tried in chain order, starting
 * at the fallback the call moved to while "stay on fallback" lasts, skipping providers whose
 * breaker refuses. When every untried provider's breaker refuses, the first untried one is tried
 * anyway: a call is better served by a doubtful provider than by none.
 */
export class ChainPlanner {
  private preferred = 0;
  private stickyUntil = 0;

  constructor(
    private readonly kind: 'stt' | 'tts',
    private readonly providers: readonly string[],
    private readonly options: FailoverOptions,
    private readonly breakers: BreakerBoard,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.providers.length;
  }

  provider(index: number): string {
    return this.providers[index]!;
  }

  /** The next step to try, never one in `tried`; null when every step was tried. */
  pick(tried: ReadonlySet<number>): ChainPick | null {
    const order = this.order().filter((i) => !tried.has(i));
    for (const index of order) {
      const breaker = this.breakers.get(this.kind, this.providers[index]!);
      if (breaker.tryAcquire(this.options.breaker)) return { index, breaker };
    }
    const index = order[0];
    return index === undefined ? null : { index, breaker: this.breakers.get(this.kind, this.providers[index]!) };
  }

  /** True when a step outside `tried` remains (something to fail over to). */
  hasFallback(tried: ReadonlySet<number>): boolean {
    return tried.size < this.providers.length;
  }

  /** The call moved to `index`: later attempts start there until stay-on-fallback lapses. */
  movedTo(index: number): void {
    this.preferred = index;
    this.stickyUntil = this.now() + this.options.stayOnFallbackMs;
  }

  private order(): number[] {
    const start = this.now() < this.stickyUntil ? this.preferred : 0;
    const n = this.providers.length;
    return Array.from({ length: n }, (_, i) => (start + i) % n);
  }
}
