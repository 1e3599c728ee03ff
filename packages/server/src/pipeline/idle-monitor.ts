/** Caller silence limits (a pipe's `silence_timeout_s` and `idle_timeout_s`, in ms). */
export interface IdleOptions {
  /** One quiet stretch this long: tell the runner (`silence`) so it can prompt the caller. */
  silenceTimeoutMs: number;
  /** Quiet time this long since the caller last spoke: end the call (`idle_timeout`). */
  idleTimeoutMs: number;
}

export type IdleAction = { kind: 'silence'; durationMs: number } | { kind: 'idle_timeout' };

/**
 * Watches the line for a silent caller. The line is quiet while the caller is not speaking, no
 * agent audio plays and the runner is not working on a reply. Pure: the shell reports activity
 * with the time and calls {@link check} at {@link deadline}.
 *
 * - `silence` fires once per quiet stretch, `silenceTimeoutMs` into it; agent audio (a prompt)
 *   or caller speech ends the stretch, so it can fire again after a prompt.
 * - `idle_timeout` fires when the quiet time summed since the caller last spoke reaches
 *   `idleTimeoutMs`: prompts pause that count (the agent talking is not the caller idling) but
 *   do not reset it; only caller speech does.
 */
export class IdleMonitor {
  private callerSpeaking = false;
  private agentPlaying = false;
  private thinking = false;
  private stretchStartMs: number | null;
  private idleBeforeStretchMs = 0;
  private silenceSent = false;
  private timedOut = false;

  constructor(
    private readonly options: IdleOptions,
    startMs: number,
  ) {
    this.stretchStartMs = startMs;
  }

  caller(speaking: boolean, nowMs: number): void {
    this.callerSpeaking = speaking;
    this.idleBeforeStretchMs = 0;
    if (this.stretchStartMs !== null) this.stretchStartMs = nowMs;
    this.update(nowMs);
  }

  agent(playing: boolean, nowMs: number): void {
    this.agentPlaying = playing;
    this.update(nowMs);
  }

  /** The runner holds the turn (a user turn was sent and its reply has not finished). */
  runnerThinking(thinking: boolean, nowMs: number): void {
    this.thinking = thinking;
    this.update(nowMs);
  }

  /** When {@link check} should next run; null while the line is not quiet. */
  deadline(): number | null {
    if (this.stretchStartMs === null || this.timedOut) return null;
    const idleAt = this.stretchStartMs + this.options.idleTimeoutMs - this.idleBeforeStretchMs;
    if (this.silenceSent) return idleAt;
    return Math.min(idleAt, this.stretchStartMs + this.options.silenceTimeoutMs);
  }

  check(nowMs: number): IdleAction[] {
    if (this.stretchStartMs === null || this.timedOut) return [];
    const stretchMs = nowMs - this.stretchStartMs;
    if (this.idleBeforeStretchMs + stretchMs >= this.options.idleTimeoutMs) {
      this.timedOut = true;
      return [{ kind: 'idle_timeout' }];
    }
    if (!this.silenceSent && stretchMs >= this.options.silenceTimeoutMs) {
      this.silenceSent = true;
      return [{ kind: 'silence', durationMs: Math.round(stretchMs) }];
    }
    return [];
  }

  private update(nowMs: number): void {
    const quiet = !this.callerSpeaking && !this.agentPlaying && !this.thinking;
    if (!quiet && this.stretchStartMs !== null) {
      this.idleBeforeStretchMs += nowMs - this.stretchStartMs;
      this.stretchStartMs = null;
      this.silenceSent = false;
    } else if (quiet && this.stretchStartMs === null) {
      this.stretchStartMs = nowMs;
    }
  }
}
