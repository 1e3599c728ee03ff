import { DEFAULT_BACKCHANNEL_WORDS, substantiveWords } from './backchannel.js';

/** Endpointing and barge-in settings (a pipe's `endpointing`, in milliseconds). */
export interface TurnTakingOptions {
  /** Caller silence that ends a user turn. */
  silenceMs: number;
  /** Whether caller speech may interrupt interruptible agent audio. */
  bargeIn: boolean;
  /** Speech needed (from its onset) before agent audio is held as a possible barge-in. */
  bargeInMinMs: number;
  /** Speech longer than this while agent audio is held is a barge-in whatever its words. */
  backchannelMaxMs?: number | undefined;
  backchannelWords?: ReadonlySet<string> | undefined;
}

/** What the turn-taking core asks its shell to do. */
export type TurnAction =
  /** The text of the turn so far changed (finals of this turn plus the current partial). */
  | { kind: 'partial'; text: string }
  /** The caller finished a turn. */
  | { kind: 'turn'; text: string; speechEndWallMs: number; finalWallMs: number }
  /** Stop agent audio now, keep it queued: the caller may be barging in. */
  | { kind: 'hold' }
  /** It is a barge-in: flush agent output. */
  | { kind: 'interrupt' }
  /** It was a backchannel or noise: continue agent audio. */
  | { kind: 'resume' }
  /** Speech that does not make a turn (too short over agent audio, a backchannel, over a non-interruptible prompt). */
  | { kind: 'discard'; reason: 'backchannel' | 'noise' | 'not_interruptible' | 'too_short' };

/**
 * - `normal`: a caller turn.
 * - `candidate`: speech that began over interruptible agent audio; it becomes `normal` once it is
 *   a barge-in (or the agent audio ends), else it is discarded.
 * - `ignored`: speech that began over audio that may not be interrupted.
 */
type TurnMode = 'normal' | 'candidate' | 'ignored';

interface OpenTurn {
  mode: TurnMode;
  /** Finals by speech segment id, in segment order; null until the final arrives. */
  finals: Map<number, string | null>;
  partial: string;
  lastEndMs: number | null;
  lastEndWallMs: number;
  lastFinalWallMs: number;
  /** The VAD cut the speech at the turn cap: end the turn as soon as its finals are in. */
  cut: boolean;
}

const DEFAULT_BACKCHANNEL_MAX_MS = 1000;
/**
 * Early partials are guesses (pocketsphinx reads a flite "okay" as "bell", then "but", then
 * "okay"), so a partial commits a barge-in only with this many non-backchannel words; a final
 * needs one.
 */
const PARTIAL_WORDS_TO_COMMIT = 2;

/**
 * The turn-taking core of one call: a synchronous state machine (no timers, no I/O) driven by
 * VAD segments, transcripts, agent playout state and the caller audio clock.
 *
 * Endpointing: a turn ends `silenceMs` of caller audio after its last speech segment ended, once
 * every segment's final transcript is in (finals are requested at each segment end, so they are
 * usually ready before the silence has elapsed). A segment the VAD cut at the turn cap ends the
 * turn at once.
 *
 * Barge-in: speech over interruptible agent audio lasting `bargeInMinMs` holds the audio (it stops
 * on the wire, still queued). A final with a word that is not a backchannel (a partial with two),
 * or speech longer than `backchannelMaxMs`, makes it an interruption (agent output flushed, the speech becomes the next
 * turn); a segment whose final holds only backchannel words (or nothing) resumes the audio and is
 * discarded.
 */
export class TurnTaker {
  private readonly backchannelMaxMs: number;
  private readonly backchannel: ReadonlySet<string>;
  private turn: OpenTurn | null = null;
  private speaking = false;
  private speechStartMs = 0;
  private agent: { utteranceId: number; interruptible: boolean } | null = null;
  private barge: 'none' | 'held' | 'committed' = 'none';

  constructor(private readonly options: TurnTakingOptions) {
    this.backchannelMaxMs = options.backchannelMaxMs ?? DEFAULT_BACKCHANNEL_MAX_MS;
    this.backchannel = options.backchannelWords ?? DEFAULT_BACKCHANNEL_WORDS;
  }

  /** True while agent audio is held for a possible barge-in. */
  get holding(): boolean {
    return this.barge === 'held';
  }

  /** True while a user turn is open (speech heard, not yet ended or discarded). */
  get turnOpen(): boolean {
    return this.turn !== null;
  }

  /** Caller speech began (segment `segmentId`, at `atMs` on the caller timeline). */
  speechStarted(segmentId: number, atMs: number): TurnAction[] {
    this.speaking = true;
    this.speechStartMs = atMs;
    if (this.turn === null) {
      this.turn = { mode: this.modeForNewSpeech(), finals: new Map(), partial: '', lastEndMs: null, lastEndWallMs: 0, lastFinalWallMs: 0, cut: false };
    }
    this.turn.finals.set(segmentId, null);
    this.turn.partial = '';
    return [];
  }

  /** Caller speech ended at `atMs` (where the silence began); `cut` when the VAD cut it at the turn cap. */
  speechStopped(atMs: number, wallMs: number, cut = false): TurnAction[] {
    this.speaking = false;
    const turn = this.turn;
    if (turn === null) return [];
    turn.lastEndMs = atMs;
    turn.lastEndWallMs = wallMs;
    if (cut) turn.cut = true;
    return this.settle(atMs);
  }

  partial(segmentId: number, text: string): TurnAction[] {
    const turn = this.turn;
    if (turn === null || !turn.finals.has(segmentId)) return [];
    turn.partial = text;
    const out: TurnAction[] = [];
    if (turn.mode === 'candidate' && this.barge === 'held' && substantiveWords(text, this.backchannel) >= PARTIAL_WORDS_TO_COMMIT) {
      out.push(...this.commitBargeIn());
    }
    if (turn.mode === 'normal') out.push({ kind: 'partial', text: this.textSoFar() });
    return out;
  }

  final(segmentId: number, text: string, wallMs: number, nowMs: number): TurnAction[] {
    const turn = this.turn;
    if (turn === null || !turn.finals.has(segmentId)) return [];
    turn.finals.set(segmentId, text);
    turn.partial = '';
    turn.lastFinalWallMs = wallMs;
    const out: TurnAction[] = [];
    if (turn.mode === 'candidate' && this.barge === 'held') {
      if (substantiveWords(text, this.backchannel) > 0) {
        out.push(...this.commitBargeIn());
      } else if (!this.speaking && this.allFinalsIn()) {
        this.turn = null;
        this.barge = 'none';
        return [{ kind: 'resume' }, { kind: 'discard', reason: text.trim() === '' ? 'noise' : 'backchannel' }];
      }
    }
    if (turn.mode === 'normal' && text !== '') out.push({ kind: 'partial', text: this.textSoFar() });
    out.push(...this.settle(nowMs));
    return out;
  }

  /** The caller audio clock reached `nowMs`. */
  tick(nowMs: number): TurnAction[] {
    const turn = this.turn;
    if (turn === null) return [];
    if (this.speaking) {
      if (turn.mode !== 'candidate') return [];
      const speechMs = nowMs - this.speechStartMs;
      if (this.barge === 'none' && speechMs >= this.options.bargeInMinMs) {
        this.barge = 'held';
        return [{ kind: 'hold' }];
      }
      if (this.barge === 'held' && speechMs >= this.backchannelMaxMs) return this.commitBargeIn();
      return [];
    }
    return this.settle(nowMs);
  }

  /** Agent audio of `utteranceId` started playing. */
  agentStarted(utteranceId: number, interruptible: boolean): TurnAction[] {
    this.agent = { utteranceId, interruptible };
    return [];
  }

  /** Agent audio of `utteranceId` stopped (played out or flushed). */
  agentStopped(utteranceId: number): TurnAction[] {
    if (this.agent?.utteranceId !== utteranceId) return [];
    this.agent = null;
    if (this.barge === 'held') this.barge = 'none';
    // Speech over the tail of the agent's audio is the caller's next turn once the agent is done.
    if (this.turn?.mode === 'candidate') this.turn.mode = 'normal';
    return [];
  }

  private modeForNewSpeech(): TurnMode {
    if (this.agent === null) return 'normal';
    if (!this.options.bargeIn || !this.agent.interruptible) return 'ignored';
    return 'candidate';
  }

  private commitBargeIn(): TurnAction[] {
    if (this.turn !== null) this.turn.mode = 'normal';
    if (this.barge !== 'held') return [];
    this.barge = 'committed';
    return [{ kind: 'interrupt' }, { kind: 'partial', text: this.textSoFar() }];
  }

  private allFinalsIn(): boolean {
    for (const text of this.turn!.finals.values()) if (text === null) return false;
    return true;
  }

  private textSoFar(): string {
    const parts = [...this.turn!.finals.values()].filter((t): t is string => t !== null && t !== '');
    if (this.turn!.partial !== '') parts.push(this.turn!.partial);
    return parts.join(' ');
  }

  /** Ends the turn when its silence has elapsed (or it was cut) and every final is in. */
  private settle(nowMs: number): TurnAction[] {
    const turn = this.turn;
    if (turn === null || this.speaking || turn.lastEndMs === null || !this.allFinalsIn()) return [];
    if (!turn.cut && nowMs - turn.lastEndMs < this.options.silenceMs) return [];
    this.turn = null;
    const text = [...turn.finals.values()].filter((t): t is string => t !== null && t !== '').join(' ');
    switch (turn.mode) {
      case 'normal':
        if (this.barge === 'committed') this.barge = 'none';
        if (text === '') return [{ kind: 'discard', reason: 'noise' }];
        return [{ kind: 'turn', text, speechEndWallMs: turn.lastEndWallMs, finalWallMs: turn.lastFinalWallMs }];
      case 'candidate':
        if (this.barge === 'held') {
          this.barge = 'none';
          return [{ kind: 'resume' }, { kind: 'discard', reason: text === '' ? 'noise' : 'backchannel' }];
        }
        return [{ kind: 'discard', reason: 'too_short' }];
      case 'ignored':
        return [{ kind: 'discard', reason: 'not_interruptible' }];
    }
  }
}
