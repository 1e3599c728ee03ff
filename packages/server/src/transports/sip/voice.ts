import type { CallTransport, TransportSink } from '../transport.js';
import type { MediaTicker } from './media-ticker.js';

/**
 * The conversation side of a SIP call, as the media edge sees it: caller audio in (PCM16 at
 * 8 kHz, one 20 ms frame at a time), agent audio out through the `sendAudio` it was created with,
 * and the agent-output half of `CallTransport` (text to speak, barge-in, hints, recording, turn
 * metrics). The speech pipeline implements it (`PipelineVoice`); so does the media-only voice the
 * benchmark uses.
 */
export interface CallVoice
  extends Pick<
    CallTransport,
    | 'agentDelta'
    | 'agentEnd'
    | 'agentSay'
    | 'filler'
    | 'interruptOutput'
    | 'userInterrupted'
    | 'state'
    | 'setHints'
    | 'setRecording'
    | 'drained'
    | 'turnMetrics'
    | 'release'
  > {
  /** Bridge extension events this voice produces (`user.partial`, `silence`...). */
  readonly extensionEvents: readonly string[];
  /** Where caller turns and playout reports go. */
  bind(sink: TransportSink): void;
  /** Media is flowing: start the line's clocks (idle and silence timers). */
  start(): void;
  pushCallerAudio(samples: Int16Array): void;
  /**
   * Renders `text` in the call's voice as PCM16 at 8 kHz, outside the conversation (holding and
   * transfer announcements). Works after `release()`: it uses the shared engine, not the pipeline.
   */
  synthesize(text: string, signal: AbortSignal): Promise<Int16Array>;
}

export interface CallVoiceContext {
  callId: string;
  /** Puts one frame of agent audio (PCM16, 8 kHz) on the wire. */
  sendAudio(samples: Int16Array): void;
  /** The node's media clock, for voices that pace their own audio. */
  ticker: MediaTicker;
}
