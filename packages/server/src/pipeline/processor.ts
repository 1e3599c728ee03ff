import { flushedByInterruption, frameClass, type Direction, type ErrorFrame, type Frame } from './frames.js';

/**
 * One stage of a pipeline. Frames arrive through {@link queueFrame}; data and control frames are
 * processed one at a time in arrival order (a processor whose `process` returns a promise holds
 * its queue until it settles), system frames at once, ahead of the queue. `interruption` drops
 * the queued agent output (text and audio of interruptible utterances); `cancel` drops
 * everything. A processor calls {@link push} to hand frames to its neighbour.
 *
 * `process` gets every frame, including the ones it does not care about: it must push those on
 * (the default branch of its `switch`). A throwing `process` becomes an `error` frame sent
 * upstream, and the processor keeps going.
 */
export abstract class FrameProcessor {
  private downstream: ((frame: Frame) => void) | null = null;
  private upstream: ((frame: Frame) => void) | null = null;
  /** One queue per direction, so frames going back (playout reports) never wait behind work going forward. */
  private readonly frameQueues: Record<Direction, { items: Frame[]; running: boolean }> = {
    downstream: { items: [], running: false },
    upstream: { items: [], running: false },
  };
  private cancelled = false;

  constructor(readonly name: string) {}

  /** Handle one frame. Sync processors return nothing; async ones return a promise. */
  protected abstract process(frame: Frame, direction: Direction): void | Promise<void>;

  /** Connects `next` downstream of this processor. */
  link(next: FrameProcessor): FrameProcessor {
    this.downstream = (f) => next.queueFrame(f, 'downstream');
    next.upstream = (f) => this.queueFrame(f, 'upstream');
    return next;
  }

  /** Where frames leaving this processor at either end go when it has no neighbour there. */
  setExits(exits: { downstream?: (frame: Frame) => void; upstream?: (frame: Frame) => void }): void {
    if (exits.downstream) this.downstream = exits.downstream;
    if (exits.upstream) this.upstream = exits.upstream;
  }

  /** Frames waiting in this processor's queues (for tests and diagnostics). */
  get queuedFrames(): number {
    return this.frameQueues.downstream.items.length + this.frameQueues.upstream.items.length;
  }

  queueFrame(frame: Frame, direction: Direction = 'downstream'): void {
    if (this.cancelled) return;
    if (frameClass(frame) === 'system') {
      if (frame.type === 'cancel') {
        this.frameQueues.downstream.items = [];
        this.frameQueues.upstream.items = [];
        this.cancelled = true;
      } else if (frame.type === 'interruption') {
        this.frameQueues.downstream.items = this.frameQueues.downstream.items.filter((f) => !flushedByInterruption(f));
      }
      this.dispatch(frame, direction);
      return;
    }
    this.frameQueues[direction].items.push(frame);
    this.drainQueue(direction);
  }

  /** Sends a frame to the neighbour in `direction`. */
  protected push(frame: Frame, direction: Direction = 'downstream'): void {
    const exit = direction === 'downstream' ? this.downstream : this.upstream;
    exit?.(frame);
  }

  /** Reports a failure upstream (toward the call), keeping the processor alive. */
  protected pushError(source: ErrorFrame['source'], code: string, message: string, fatal = false): void {
    this.push({ type: 'error', source, code, message, fatal }, 'upstream');
  }

  private drainQueue(direction: Direction): void {
    const queue = this.frameQueues[direction];
    if (queue.running) return;
    queue.running = true;
    while (queue.items.length > 0) {
      const frame = queue.items.shift()!;
      const result = this.dispatch(frame, direction);
      if (result !== undefined) {
        void result.finally(() => {
          queue.running = false;
          this.drainQueue(direction);
        });
        return;
      }
    }
    queue.running = false;
  }

  private dispatch(frame: Frame, direction: Direction): Promise<void> | undefined {
    try {
      const result = this.process(frame, direction);
      if (result === undefined) return undefined;
      return result.catch((err: unknown) => this.reportFailure(err));
    } catch (err) {
      this.reportFailure(err);
      return undefined;
    }
  }

  private reportFailure(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.pushError('internal', 'processor_failed', `${this.name}: ${message}`);
  }
}

/**
 * Processors in series, itself a processor: frames entering downstream go to the first stage,
 * frames entering upstream to the last; what leaves the ends leaves the pipeline.
 */
export class Pipeline extends FrameProcessor {
  private readonly first: FrameProcessor;
  private readonly last: FrameProcessor;

  constructor(
    name: string,
    readonly stages: readonly FrameProcessor[],
  ) {
    super(name);
    if (stages.length === 0) throw new RangeError('a pipeline needs at least one processor');
    this.first = stages[0]!;
    this.last = stages[stages.length - 1]!;
    for (let i = 0; i + 1 < stages.length; i++) stages[i]!.link(stages[i + 1]!);
    this.first.setExits({ upstream: (f) => this.push(f, 'upstream') });
    this.last.setExits({ downstream: (f) => this.push(f, 'downstream') });
  }

  override queueFrame(frame: Frame, direction: Direction = 'downstream'): void {
    // The stages queue for themselves; the pipeline only routes.
    if (direction === 'downstream') this.first.queueFrame(frame, direction);
    else this.last.queueFrame(frame, direction);
  }

  protected process(): void {
    // Unused: queueFrame routes frames to the stages directly.
  }
}

/** A processor from a function, for tests and small glue stages. */
export class FunctionProcessor extends FrameProcessor {
  constructor(
    name: string,
    private readonly fn: (frame: Frame, direction: Direction, push: (frame: Frame, direction?: Direction) => void) => void | Promise<void>,
  ) {
    super(name);
  }

  protected process(frame: Frame, direction: Direction): void | Promise<void> {
    return this.fn(frame, direction, (f, d = 'downstream') => this.push(f, d));
  }
}
