import type { Pipe } from '@unpod/protocol';
import type { DigestServer } from '@unpod/sip';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { Store } from '../control/store/store.js';
import type { Logger } from '../logger.js';
import type { MediaTicker } from '../transports/sip/media-ticker.js';
import type { RtpMediaOptions } from '../transports/sip/rtp-media.js';
import type { TransferContext } from '../transports/sip/transfer.js';
import type { CallVoice, CallVoiceContext } from '../transports/sip/voice.js';
import type { CallTransport } from '../transports/transport.js';
import type { TelephonyTrunk } from './trunk-matcher.js';

/** Runs a call over a transport through the orchestrator (dispatch, bridge, persistence). */
export interface CallLauncher {
  /** True once a runner accepted the call; the call ends on its own otherwise. */
  run(call: CallRecord, transport: CallTransport, pipe: Pipe | undefined): Promise<boolean>;
}

/** Per-trunk call counting for `max_concurrent_calls`, on this node. */
export class TrunkSlots {
  private readonly inUse = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];

  /** Resolves once no call holds a slot (every SIP call of this node has hung up). */
  idle(): Promise<void> {
    if (this.inUse.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  count(trunkId: string): number {
    return this.inUse.get(trunkId) ?? 0;
  }

  hasRoom(trunk: Pick<TelephonyTrunk, 'id' | 'max_concurrent_calls'>): boolean {
    return trunk.max_concurrent_calls === null || this.count(trunk.id) < trunk.max_concurrent_calls;
  }

  /** Takes a slot; the returned function gives it back (once). */
  acquire(trunkId: string): () => void {
    this.inUse.set(trunkId, this.count(trunkId) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = this.count(trunkId) - 1;
      if (left <= 0) this.inUse.delete(trunkId);
      else this.inUse.set(trunkId, left);
      if (this.inUse.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }
}

/** What inbound and outbound call handling share. */
export interface TelephonyContext {
  store: Store;
  logger: Logger;
  nodeId: string;
  digest: DigestServer;
  ticker: MediaTicker;
  /** Address advertised in SDP. */
  mediaAddress: string;
  bindAddress: string;
  rtpPorts: { min: number; max: number };
  mediaOptions: RtpMediaOptions;
  trunkSlots: TrunkSlots;
  launcher: CallLauncher;
  createVoice(call: CallRecord, pipe: Pipe | undefined, context: CallVoiceContext): Promise<CallVoice>;
  holdingAnnouncement: string;
  transfersFor(trunk: TelephonyTrunk): TransferContext;
  /** Adds an event to a call's record; failures are logged, never thrown. */
  recordEvent(callId: string, type: string, data: Record<string, unknown>): void;
}
