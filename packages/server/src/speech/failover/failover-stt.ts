import type { SttAdapter } from '../contracts/stt-adapter.js';
import type { SttStream, SttStreamOptions } from '../contracts/stt.js';
import { ChainPlanner } from './chain.js';
import { FailoverSttStream } from './failover-stt-stream.js';
import type { ChainLink, FailoverContext } from './types.js';

/**
 * A call's speech-to-text over an ordered chain of adapters, with the surface the pipeline uses
 * (`provider`, `createStream`). A stream starts on the first step the chain planner offers; when
 * its provider errs, stalls (no result for `stallTimeoutMs` while audio flows), misses a final
 * (`finalTimeoutMs`) or returns malformed results, the next step takes over and the audio since
 * the last final is replayed into it, so nothing the caller said is lost. One instance per call:
 * it holds the call's stay-on-fallback preference, usage meter and failover listener; breakers
 * are shared per node through the context's board.
 */
export class FailoverStt {
  readonly planner: ChainPlanner;
  private readonly now: () => number;

  constructor(
    readonly chain: readonly ChainLink<SttAdapter>[],
    readonly context: FailoverContext,
  ) {
    if (chain.length === 0) throw new Error('a speech-to-text chain needs at least one step');
    this.now = context.now ?? Date.now;
    this.planner = new ChainPlanner('stt', chain.map((l) => l.step.provider), context.options, context.breakers, this.now);
  }

  /** The chain's first provider (the profile's primary). */
  get provider(): string {
    return this.chain[0]!.step.provider;
  }

  /** The provider that produced the latest final of this call, null before the first. */
  lastFinalProvider: string | null = null;

  /**
   * Opens a stream on the first step that opens; steps that fail to open are failed over at once.
   * Rejects with the last step's error when none opens.
   */
  async createStream(options: SttStreamOptions): Promise<SttStream> {
    const stream = new FailoverSttStream(this, options, this.now);
    await stream.start();
    return stream;
  }
}
