/**
 * The frames that flow through a call's voice pipeline, as one discriminated union on `type`.
 *
 * Three priority classes, as in pipecat:
 * - `system` frames (`interruption`, `cancel`, `error`, `metrics`, `output.hold`, `output.resume`)
 *   are handled at once, ahead of anything queued; `interruption` and `cancel` also drop every
 *   queued data frame of the processors they pass.
 * - `control` frames (`end`, speaking and turn markers, `text.end`, `tts.end`) keep their place in
 *   the queue; `end` drains the pipeline gracefully.
 * - `data` frames (audio, transcripts, text) are what an interruption flushes.
 *
 * Times: `atMs` on the caller audio timeline is milliseconds of caller audio processed since the
 * call started (deterministic, independent of the wall clock); `wallMs` is `performance.now()`.
 */

/** Why a pipeline stopped without draining. */
export type CancelReason = 'call_ended' | 'error';

/** Where an agent utterance came from; decides what may interrupt it and what is recorded. */
export type UtteranceKind = 'reply' | 'say' | 'filler';

/** Caller audio (mono PCM16). */
export interface AudioInFrame {
  type: 'audio.in';
  samples: Int16Array;
  sampleRateHz: number;
  /** Position of the first sample on the caller audio timeline. */
  atMs: number;
  /** Wall time the audio arrived. */
  wallMs: number;
}

/** Voice activity on the caller side, confirmed by the VAD. */
export interface UserStartedSpeakingFrame {
  type: 'user.started_speaking';
  /** Where the speech began on the caller audio timeline. */
  atMs: number;
  wallMs: number;
  /** The speech segment's id, numbered by the STT stage (0 before it). */
  segmentId: number;
}

export interface UserStoppedSpeakingFrame {
  type: 'user.stopped_speaking';
  /** Where the trailing silence began on the caller audio timeline. */
  atMs: number;
  /** Wall time of that point (arrival time of the audio there). */
  wallMs: number;
  speechMs: number;
  /** True when the VAD cut the segment at the turn cap (the speech goes on). */
  cut: boolean;
}

/** An interim hypothesis of the caller's current speech. */
export interface TranscriptPartialFrame {
  type: 'transcript.partial';
  text: string;
  /** Id of the STT utterance (one VAD speech segment). */
  segmentId: number;
}

/** The settled text of one speech segment (may be empty: noise). */
export interface TranscriptFinalFrame {
  type: 'transcript.final';
  text: string;
  segmentId: number;
  wallMs: number;
  source: 'grammar' | 'open';
}

/** A finished user turn, endpointed: what goes to the runner as `user.text`. */
export interface UserTurnFrame {
  type: 'user.turn';
  text: string;
  /** Wall time the caller stopped speaking (end of the last speech segment). */
  speechEndWallMs: number;
  /** Wall time the last final transcript of the turn arrived. */
  finalWallMs: number;
}

/** Part of an agent utterance's text, as the runner streams it. */
export interface TextDeltaFrame {
  type: 'text.delta';
  utteranceId: number;
  kind: UtteranceKind;
  interruptible: boolean;
  text: string;
  wallMs: number;
}

/** The utterance's text is complete. */
export interface TextEndFrame {
  type: 'text.end';
  utteranceId: number;
  kind: UtteranceKind;
  interruptible: boolean;
}

/** One sentence to synthesise. */
export interface TtsSpeakFrame {
  type: 'tts.speak';
  utteranceId: number;
  kind: UtteranceKind;
  interruptible: boolean;
  text: string;
}

/** Every sentence of the utterance has been handed to TTS (and rendered, when it passes TTS). */
export interface TtsEndFrame {
  type: 'tts.end';
  utteranceId: number;
  kind: UtteranceKind;
  interruptible: boolean;
}

/** Synthesised agent audio at the output rate, tagged with the sentence it renders. */
export interface TtsAudioFrame {
  type: 'tts.audio';
  utteranceId: number;
  kind: UtteranceKind;
  interruptible: boolean;
  samples: Int16Array;
  sampleRateHz: number;
  /** The sentence this audio renders (for working out what the caller heard). */
  segmentText: string;
  /** Index of that sentence within the utterance. */
  segmentIndex: number;
  /** True on the first audio of the utterance (TTS first byte). */
  first: boolean;
  wallMs: number;
}

/** Agent audio started / stopped on the wire (pushed upstream by the output). */
export interface BotStartedSpeakingFrame {
  type: 'bot.started_speaking';
  utteranceId: number;
  kind: UtteranceKind;
  interruptible: boolean;
  wallMs: number;
}

export interface BotStoppedSpeakingFrame {
  type: 'bot.stopped_speaking';
  utteranceId: number;
  /** False when the utterance played to its end; true when it was flushed. */
  interrupted: boolean;
  heardText: string;
  wallMs: number;
}

/** Stop sending agent audio now (a possible barge-in); queued audio is kept. */
export interface OutputHoldFrame {
  type: 'output.hold';
  wallMs: number;
}

/** The possible barge-in was a backchannel or noise: continue where playout stopped. */
export interface OutputResumeFrame {
  type: 'output.resume';
}

/** Barge-in: drop queued agent audio and text everywhere downstream, stop synthesis. */
export interface InterruptionFrame {
  type: 'interruption';
  wallMs: number;
}

/** Graceful end: everything queued is processed, then processors close. */
export interface EndFrame {
  type: 'end';
}

/** Hard stop: queued frames are dropped and work in flight is aborted. */
export interface CancelFrame {
  type: 'cancel';
  reason: CancelReason;
}

/** A processor failed; `fatal` errors end the call. */
export interface ErrorFrame {
  type: 'error';
  source: 'stt' | 'tts' | 'vad' | 'transport' | 'internal';
  code: string;
  message: string;
  fatal: boolean;
}

/** A measurement from a processor (aggregated into the turn's metrics by the call). */
export interface MetricsFrame {
  type: 'metrics';
  name: 'tts_first_byte' | 'first_audio_out';
  utteranceId: number;
  wallMs: number;
}

export type SystemFrame = InterruptionFrame | CancelFrame | ErrorFrame | MetricsFrame | OutputHoldFrame | OutputResumeFrame;
export type ControlFrame =
  | EndFrame
  | UserStartedSpeakingFrame
  | UserStoppedSpeakingFrame
  | UserTurnFrame
  | TextEndFrame
  | TtsEndFrame
  | BotStartedSpeakingFrame
  | BotStoppedSpeakingFrame;
export type DataFrame = AudioInFrame | TranscriptPartialFrame | TranscriptFinalFrame | TextDeltaFrame | TtsSpeakFrame | TtsAudioFrame;

export type Frame = SystemFrame | ControlFrame | DataFrame;
export type FrameType = Frame['type'];

/** Which way a frame travels: downstream from caller to agent output, upstream back. */
export type Direction = 'downstream' | 'upstream';

/** Priority class of a frame. */
export function frameClass(frame: Frame): 'system' | 'control' | 'data' {
  switch (frame.type) {
    case 'interruption':
    case 'cancel':
    case 'error':
    case 'metrics':
    case 'output.hold':
    case 'output.resume':
      return 'system';
    case 'end':
    case 'user.started_speaking':
    case 'user.stopped_speaking':
    case 'user.turn':
    case 'text.end':
    case 'tts.end':
    case 'bot.started_speaking':
    case 'bot.stopped_speaking':
      return 'control';
    case 'audio.in':
    case 'transcript.partial':
    case 'transcript.final':
    case 'text.delta':
    case 'tts.speak':
    case 'tts.audio':
      return 'data';
  }
}

/** Frames an interruption removes from queues: interruptible agent output on its way to the caller. */
export function flushedByInterruption(frame: Frame): boolean {
  switch (frame.type) {
    case 'text.delta':
    case 'text.end':
    case 'tts.speak':
    case 'tts.end':
    case 'tts.audio':
      return frame.interruptible;
    default:
      return false;
  }
}
