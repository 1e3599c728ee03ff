/** Metrics of one recognised utterance (one `final`). */
export interface SttUtteranceMetrics {
  kind: 'stt.utterance';
  provider: string;
  model: string | null;
  /** Caller audio in this utterance, in seconds at the input rate. */
  audioSecondsIn: number;
  /** From the utterance's first audio to its first partial; `null` when no partial came. */
  timeToFirstPartialMs: number | null;
  /** From `flush()` (end of utterance) to the final. */
  timeToFinalMs: number;
  /** Time spent inside the engine's calls divided by the audio duration; `null` with no audio. */
  realTimeFactor: number | null;
  /** Which search produced the final: the hint grammar or the open vocabulary. */
  source: 'grammar' | 'open';
}

/** Metrics of one `synthesize()` call. */
export interface TtsSynthesisMetrics {
  kind: 'tts.synthesis';
  provider: string;
  voice: string;
  /** Characters sent to the engine (the unit most vendors bill). */
  charactersIn: number;
  /** Audio produced, in seconds. */
  audioSecondsOut: number;
  /** From the call to the first audio chunk; `null` when no audio came. */
  timeToFirstByteMs: number | null;
  /** Wall time of the whole synthesis divided by the audio duration; `null` with no audio. */
  realTimeFactor: number | null;
  /** Transient engine errors retried during this call. */
  retries: number;
  /** False when the call ended in an error or abort. */
  completed: boolean;
}

/** Metrics of one VAD stream, reported when it closes. */
export interface VadStreamMetrics {
  kind: 'vad.stream';
  provider: string;
  audioSecondsIn: number;
  frames: number;
  /** Average engine time per frame, in microseconds. */
  averageFrameCostUs: number | null;
}

export type SpeechMetrics = SttUtteranceMetrics | TtsSynthesisMetrics | VadStreamMetrics;

/** Receives metrics as they complete. Must not throw; it runs inside audio paths. */
export type SpeechMetricsSink = (metrics: SpeechMetrics) => void;
