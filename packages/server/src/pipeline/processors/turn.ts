import type { Logger } from '../../logger.js';
import type { Direction, Frame } from '../frames.js';
import { FrameProcessor } from '../processor.js';
import { TurnTaker, type TurnAction, type TurnTakingOptions } from '../turn-taking.js';

/**
 * The shell of {@link TurnTaker}: feeds it VAD segments, transcripts, the caller audio clock
 * (each audio frame) and agent playout (upstream `bot.*` frames), and turns its actions into
 * frames: `user.turn` and turn-level `transcript.partial` downstream, `output.hold`,
 * `output.resume` and `interruption` toward the output. Caller audio stops here.
 */
export class TurnProcessor extends FrameProcessor {
  private readonly taker: TurnTaker;
  private clockMs = 0;

  constructor(
    options: TurnTakingOptions,
    private readonly logger: Logger,
  ) {
    super('turn');
    this.taker = new TurnTaker(options);
  }

  /** True while a user turn is open (for idle tracking). */
  get turnOpen(): boolean {
    return this.taker.turnOpen;
  }

  protected process(frame: Frame, direction: Direction): void {
    if (direction === 'upstream') {
      if (frame.type === 'bot.started_speaking') this.apply(this.taker.agentStarted(frame.utteranceId, frame.interruptible));
      else if (frame.type === 'bot.stopped_speaking') this.apply(this.taker.agentStopped(frame.utteranceId));
      return this.push(frame, direction);
    }
    switch (frame.type) {
      case 'audio.in':
        this.clockMs = frame.atMs + (frame.samples.length * 1000) / frame.sampleRateHz;
        return this.apply(this.taker.tick(this.clockMs));
      case 'user.started_speaking':
        this.push(frame);
        return this.apply(this.taker.speechStarted(frame.segmentId, frame.atMs));
      case 'user.stopped_speaking':
        this.push(frame);
        return this.apply(this.taker.speechStopped(frame.atMs, frame.wallMs, frame.cut));
      case 'transcript.partial':
        return this.apply(this.taker.partial(frame.segmentId, frame.text));
      case 'transcript.final':
        return this.apply(this.taker.final(frame.segmentId, frame.text, frame.wallMs, this.clockMs));
      default:
        return this.push(frame);
    }
  }

  private apply(actions: TurnAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'partial':
          this.push({ type: 'transcript.partial', text: a.text, segmentId: 0 });
          break;
        case 'turn':
          this.push({ type: 'user.turn', text: a.text, speechEndWallMs: a.speechEndWallMs, finalWallMs: a.finalWallMs });
          break;
        case 'hold':
          this.push({ type: 'output.hold', wallMs: performance.now() });
          break;
        case 'resume':
          this.push({ type: 'output.resume' });
          break;
        case 'interrupt':
          this.push({ type: 'interruption', wallMs: performance.now() });
          break;
        case 'discard':
          this.logger.debug({ reason: a.reason }, 'caller speech did not make a turn');
          break;
      }
    }
  }
}
