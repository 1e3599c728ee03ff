import { TrunkMatcher, type TelephonyTrunk, type TrunkCandidates } from './trunk-matcher.js';

export interface TrunkDirectoryOptions {
  /** Loads every trunk of every space. */
  load(): Promise<TelephonyTrunk[]>;
  /** How long a loaded set serves requests that find a trunk. Default 2000 ms. */
  maxAgeMs?: number;
  nowMs?: () => number;
}

/**
 * The trunks INVITEs are matched against, cached. A request that matches no trunk reloads once
 * (a trunk created a moment ago must work at once), and concurrent reloads are shared, so a flood
 * from an unknown source costs at most one query in flight.
 */
export class TrunkDirectory {
  private matcher: TrunkMatcher | null = null;
  private loadedAtMs = -Infinity;
  private loading: { startedAtMs: number; done: Promise<TrunkMatcher> } | null = null;
  private queued: Promise<TrunkMatcher> | null = null;
  private readonly maxAgeMs: number;
  private readonly nowMs: () => number;

  constructor(private readonly options: TrunkDirectoryOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 2000;
    this.nowMs = options.nowMs ?? (() => performance.now());
  }

  /**
   * Trunks that may have sent a request from `sourceAddress` that arrived at `arrivedAtMs`.
   * `fresh` (or no match in the cache) waits for a load that started after the request arrived:
   * only such a load can have seen a trunk created just before it.
   */
  async candidates(sourceAddress: string, options: { arrivedAtMs?: number; fresh?: boolean } = {}): Promise<TrunkCandidates> {
    const arrivedAtMs = options.arrivedAtMs ?? this.nowMs();
    let matcher =
      !options.fresh && this.matcher !== null && this.nowMs() - this.loadedAtMs <= this.maxAgeMs ? this.matcher : await this.reload(options.fresh ? arrivedAtMs : -Infinity);
    let found = matcher.candidates(sourceAddress);
    if (found.bySource.length === 0 && found.byDigest.length === 0 && !options.fresh) {
      matcher = await this.reload(arrivedAtMs);
      found = matcher.candidates(sourceAddress);
    }
    return found;
  }

  /** Drop the cache (tests, and after a trunk change made on this node). */
  invalidate(): void {
    this.matcher = null;
  }

  /**
   * A load that starts at or after `notBeforeMs`. One load runs at a time: a caller that needs a
   * fresher one than the load in flight shares the single load queued behind it.
   */
  private reload(notBeforeMs: number): Promise<TrunkMatcher> {
    const current = this.loading;
    if (current && current.startedAtMs >= notBeforeMs) return current.done;
    if (current) {
      this.queued ??= current.done.catch(() => undefined).then(() => {
        this.queued = null;
        return this.startLoad();
      });
      return this.queued;
    }
    return this.startLoad();
  }

  private startLoad(): Promise<TrunkMatcher> {
    const startedAtMs = this.nowMs();
    const entry: { startedAtMs: number; done: Promise<TrunkMatcher> } = { startedAtMs, done: Promise.resolve(new TrunkMatcher([])) };
    entry.done = (async () => {
      try {
        const matcher = new TrunkMatcher(await this.options.load());
        if (startedAtMs >= this.loadedAtMs) {
          this.matcher = matcher;
          this.loadedAtMs = startedAtMs;
        }
        return matcher;
      } finally {
        if (this.loading === entry) this.loading = null;
      }
    })();
    this.loading = entry;
    return entry.done;
  }
}
