import type {
  BotStartedSpeakingFrame,
  BotStoppedSpeakingFrame,
  Direction,
  Frame,
  MetricsFrame,
  TextDeltaFrame,
  TextEndFrame,
  UserTurnFrame,
} from '../frames.js';
import { FrameProcessor } from '../processor.js';

/** What the pipeline tells its call, from the middle of the pipeline. */
export interface CallEdgeEvents {
  userTurn(frame: UserTurnFrame): void;
  /** The caller's current turn as recognised so far. */
  partial(text: string): void;
  userSpeaking(speaking: boolean, wallMs: number): void;
  botStarted(frame: BotStartedSpeakingFrame): void;
  botStopped(frame: BotStoppedSpeakingFrame): void;
  metrics(frame: MetricsFrame): void;
}

/**
 * Where the pipeline meets the call (in place of pipecat's LLM stage): finished user turns and
 * partials leave here for the runner; the agent's text enters here and flows on to the sentence
 * chunker, TTS and the output. Playout and metrics frames coming back upstream are reported and
 * passed on (the turn logic upstream needs them too).
 */
export class CallEdgeProcessor extends FrameProcessor {
  constructor(private readonly events: CallEdgeEvents) {
    super('call-edge');
  }

  /** Agent text from the call, into the output half of the pipeline. */
  agentText(frame: TextDeltaFrame | TextEndFrame): void {
    this.push(frame);
  }

  /** Flush interruptible agent output now (a barge-in decided outside the pipeline). */
  interrupt(): void {
    this.push({ type: 'interruption', wallMs: performance.now() });
  }

  protected process(frame: Frame, direction: Direction): void {
    if (direction === 'upstream') {
      switch (frame.type) {
        case 'bot.started_speaking':
          this.events.botStarted(frame);
          break;
        case 'bot.stopped_speaking':
          this.events.botStopped(frame);
          break;
        case 'metrics':
          this.events.metrics(frame);
          break;
        default:
          break;
      }
      return this.push(frame, direction);
    }
    switch (frame.type) {
      case 'user.turn':
        return this.events.userTurn(frame);
      case 'transcript.partial':
        return this.events.partial(frame.text);
      case 'user.started_speaking':
        return this.events.userSpeaking(true, frame.wallMs);
      case 'user.stopped_speaking':
        return this.events.userSpeaking(false, frame.wallMs);
      default:
        return this.push(frame);
    }
  }
}
