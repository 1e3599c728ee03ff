import type { FailoverSettings, ProviderStep } from '@unpod/protocol';
import type { SttAdapter } from '../contracts/stt-adapter.js';
import { metrics } from '../../ops/metrics.js';
import type { TtsAdapter } from '../contracts/tts-adapter.js';
import { nodeBreakers, type BreakerBoard } from './breaker.js';
import { FailoverStt } from './failover-stt.js';
import { FailoverTts } from './failover-tts.js';
import { failoverOptions, type FailoverEvent } from './types.js';
import { UsageMeter, type ProviderUsage } from './usage.js';

/** What a call's turn metrics carry about its speech providers. */
export interface SpeechTurnInfo {
  /** Provider that produced the turn's latest final transcript (null: none yet). */
  stt_provider: string | null;
  /** Provider that produced the latest agent audio (null: none yet). */
  tts_provider: string | null;
  /** Failovers since the previous turn's metrics. */
  failovers: number;
}

/**
 * One call's speech chains: the failover wrappers the pipeline uses, the usage meter and the
 * failover events. Events that happen before a listener subscribes are kept and delivered on
 * subscription, so nothing is lost while the call is still being set up.
 */
export class CallSpeech {
  readonly stt: FailoverStt;
  readonly tts: FailoverTts;
  readonly meter = new UsageMeter();
  private readonly early: FailoverEvent[] = [];
  private listener: ((event: FailoverEvent) => void) | null = null;
  private failoversSinceTurn = 0;

  constructor(
    chains: { stt: readonly { step: ProviderStep; adapter: SttAdapter }[]; tts: readonly { step: ProviderStep; adapter: TtsAdapter }[] },
    settings: FailoverSettings,
    breakers: BreakerBoard = nodeBreakers,
  ) {
    const context = { options: failoverOptions(settings), breakers, meter: this.meter, onFailover: (e: FailoverEvent) => this.onFailover(e) };
    this.stt = new FailoverStt(chains.stt, context);
    this.tts = new FailoverTts(chains.tts, context);
  }

  /** Hears every failover of the call, including those before subscribing. One listener. */
  subscribe(listener: (event: FailoverEvent) => void): void {
    this.listener = listener;
    for (const e of this.early.splice(0)) listener(e);
  }

  /** Providers and failover count for a turn's metrics; resets the count. */
  takeTurnInfo(): SpeechTurnInfo {
    const failovers = this.failoversSinceTurn;
    this.failoversSinceTurn = 0;
    return { stt_provider: this.stt.lastFinalProvider, tts_provider: this.tts.lastAudioProvider, failovers };
  }

  /** Usage per provider so far. */
  usage(): ProviderUsage[] {
    return this.meter.snapshot();
  }

  private onFailover(event: FailoverEvent): void {
    this.failoversSinceTurn++;
    metrics.providerFailover(event.kind, event.from);
    if (this.listener !== null) this.listener(event);
    else if (this.early.length < 100) this.early.push(event);
  }
}
