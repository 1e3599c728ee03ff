import type { CallEndReason, CallState, CallTransport as CallTransportKind, TransferOutcome, TurnMetrics } from '@unpod/protocol';
import type { z } from 'zod';
import type { FailoverEvent, ProviderUsage, SpeechTurnInfo } from '../speech/index.js';

/**
 * The edge of one call: where the caller's input comes from and where the agent's output goes
 * (a text chat socket today; SIP/RTP, WebSocket audio and WebRTC later). `LiveCall` drives any
 * transport through this interface only, so the speech pipeline can replace text with audio
 * without touching dispatch, the bridge or persistence.
 *
 * Agent output is addressed by utterance id: one id per agent message (greeting, streamed reply,
 * `agent.say`), so a transport can stop exactly the utterance a barge-in cuts.
 */
export interface CallTransport {
  readonly kind: CallTransportKind;
  /** Bridge extension events this transport can produce (e.g. `dtmf`, `user.partial`, `silence`). */
  readonly extensionEvents: readonly string[];
  /**
   * True for audio transports: an agent message is heard after its text is complete, so it is
   * recorded in the transcript when the transport reports it played (`TransportSink.played`) or
   * barged in on (`TransportSink.bargeIn`).
   */
  readonly defersAgentRecord: boolean;

  /** Start delivering caller input to `sink`. Input that arrived earlier is replayed, in order. */
  bind(sink: TransportSink): void;
  /** The runner is paired and the call is live. */
  callStarted(): void;

  /** Stream part of an agent reply. */
  agentDelta(utteranceId: number, text: string): void;
  /** The agent reply is complete; `text` is everything streamed for it. */
  agentEnd(utteranceId: number, text: string): void;
  /**
   * A whole agent utterance outside the reply stream (greeting, `agent.say`, refusal phrase).
   * `interruptible: false` plays it to the end whatever the caller says (audio transports).
   */
  agentSay(utteranceId: number, text: string, options?: { interruptible: boolean }): void;
  /** A line bridging a slow brain; never part of the transcript. */
  filler(text: string): void;
  /**
   * Barge-in: stop the utterance now (flush queued output) and report what the caller actually
   * received of it (text transports: everything delivered; audio: what was played out).
   */
  interruptOutput(utteranceId: number, generatedText: string): { heardText: string };
  /** The caller was interrupted-on; tell the client which utterance was cut. */
  userInterrupted(utteranceId: number, heardText: string): void;
  state(state: CallState): void;

  /** Hand the caller to another party. Resolves with the outcome; `answered` ends the agent's part. */
  transfer(request: TransferRequest): Promise<{ outcome: z.infer<typeof TransferOutcome>; reason: string | null }>;
  /** Send DTMF to the caller's side; false when the transport cannot. */
  sendDtmf(digits: string): boolean;
  /** Phrases likely in the caller's next turn (STT biasing); no-op without STT. */
  setHints(phrases: readonly string[]): void;
  /** Pause or resume recording. */
  setRecording(active: boolean): void;
  /** Resolves once queued agent output has reached the caller (audio: finished playing). */
  drained(): Promise<void>;
  /**
   * Audio transports: the stage latencies of the turn whose reply is `utteranceId`, once its first
   * audio went out (or it ended without audio). Text transports return null.
   */
  turnMetrics(utteranceId: number): Promise<VoiceTurnStages | null>;
  /** The call is ending: stop media and finish the recording (before the call's end is stored). */
  release(): Promise<void>;

  /** The call ended: tell the caller (`error` first when `error` is given), then disconnect. */
  end(reason: CallEndReason, error: { code: string; message: string } | null, closeCode: number): void;
}

/** What an audio transport adds to a turn's metrics: stage latencies and, optionally, its speech providers. */
export type VoiceTurnStages = Pick<TurnMetrics, 'stt_ms' | 'tts_ttfb_ms' | 'ttfa_ms'> & { speech?: SpeechTurnInfo | undefined };

/** A transfer the runner asked for, after the destination policy allowed it. */
export interface TransferRequest {
  transferType: 'number' | 'agent' | 'human';
  target: string;
  mode: 'cold' | 'warm';
  announcement: string;
}

/** What a transport reports to its call. */
export interface TransportSink {
  /** A final user turn (chat message, or an endpointed final transcript). */
  userText(text: string, extra?: { language?: string | null }): void;
  /** Audio: the caller's current turn as recognised so far (`user.partial` to the runner). */
  partial(text: string): void;
  /**
   * Audio: the caller spoke over the agent message and its audio was flushed
   * (`interruptOutput` then reports what was heard of it).
   */
  bargeIn(utteranceId: number): void;
  /** Audio: the agent message played to its end. */
  played(utteranceId: number): void;
  /** Audio: the line has been quiet for `durationMs` (the pipe's silence timeout). */
  silence(durationMs: number): void;
  /** Audio: the caller stayed silent for the pipe's idle timeout. */
  idle(): void;
  /** DTMF digits from the caller. */
  dtmf(digits: string): void;
  /** The caller ended the call deliberately. */
  hangup(): void;
  /** Audio: a speech provider failed and the next step of the voice profile's chain took over. */
  speechFailover?(event: FailoverEvent): void;
  /** Audio: the call's speech usage per provider, reported once while the media stops. */
  speechUsage?(usage: ProviderUsage[]): void;
  /** The caller side is gone: disconnected (`user_hangup`) or never connected (`transport_lost`). */
  lost(reason: Extract<CallEndReason, 'user_hangup' | 'transport_lost'>, detail: string): void;
}
