/** When a provider's breaker opens and how long it stays open. */
export interface BreakerPolicy {
  /** Failures within `windowMs` that open the breaker. */
  failureThreshold: number;
  windowMs: number;
  /** Open time before one half-open probe is let through. */
  cooldownMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * A per-provider circuit breaker: `closed` lets everything through and counts failures; K
 * failures within the window open it; `open` refuses until the cool-down passed, then becomes
 * `half_open`, where exactly one attempt (the probe) is let through: its success closes the
 * breaker, its failure opens it for another cool-down. The policy is passed per call because
 * profiles sharing a provider may set different thresholds; the state is shared.
 */
export class CircuitBreaker {
  private failures: number[] = [];
  private openedAt: number | null = null;
  private probing = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** The state as of now (`open` turns `half_open` once its cool-down has passed). */
  state(policy: BreakerPolicy): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= policy.cooldownMs ? 'half_open' : 'open';
  }

  /**
   * Whether an attempt may use the provider now. In `half_open` the first caller gets the probe
   * and later callers are refused until the probe reports (`success`, `failure` or `release`).
   */
  tryAcquire(policy: BreakerPolicy): boolean {
    switch (this.state(policy)) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half_open':
        if (this.probing) return false;
        this.probing = true;
        return true;
    }
  }

  /** True when `tryAcquire` would let an attempt through, without taking the probe. */
  wouldAllow(policy: BreakerPolicy): boolean {
    const state = this.state(policy);
    return state === 'closed' || (state === 'half_open' && !this.probing);
  }

  /** The provider worked: the breaker closes and its failure count resets. */
  success(): void {
    this.openedAt = null;
    this.probing = false;
    this.failures = [];
  }

  /** The provider failed: counted, and the breaker opens at the threshold (a failed probe reopens it). */
  failure(policy: BreakerPolicy): void {
    const now = this.now();
    if (this.openedAt !== null) {
      // A failed probe, or a failure of an attempt that started before the breaker opened.
      this.openedAt = now;
      this.probing = false;
      return;
    }
    this.failures = this.failures.filter((at) => now - at < policy.windowMs);
    this.failures.push(now);
    if (this.failures.length >= policy.failureThreshold) {
      this.openedAt = now;
      this.failures = [];
    }
  }

  /** An attempt ended with no verdict (cancelled): a held probe is given back. */
  release(): void {
    this.probing = false;
  }
}

/**
 * The breakers of one node, one per capability and provider, shared by every call. A process
 * has one default board ({@link nodeBreakers}); tests and benchmarks make their own.
 */
export class BreakerBoard {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly now: () => number = Date.now) {}

  get(kind: 'stt' | 'tts', provider: string): CircuitBreaker {
    const key = `${kind}:${provider}`;
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.now);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }
}

/** The breakers of this process (one node). */
export const nodeBreakers = new BreakerBoard();
