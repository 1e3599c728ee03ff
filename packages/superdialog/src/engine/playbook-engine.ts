import type { Playbook } from '../playbook/playbook.js';
import type { Brain } from './brain.js';
import type { DialogEvent, EventLog } from './events.js';
import { speechHints } from './hints.js';
import { PlaybookRuntime } from './runtime.js';
import type { CodeTool, HttpFn } from './tools.js';
import type { ChatMessage, DialogEngine, TurnOptions, TurnResult } from './types.js';
import { errorMessage } from '../errors.js';

export interface PlaybookEngineOptions {
  brain: Brain;
  code?: Readonly<Record<string, CodeTool>>;
  http: HttpFn;
  clock?: () => Date;
  log?: EventLog;
}

/** One utterance spoken in the current turn, with its offset in the turn's text. */
interface Segment {
  start: number;
  text: string;
  /** Log version once recorded; null while the Talker is still speaking it. */
  version: number | null;
}

type Settled<T> = { done: true; value: T } | { done: false };

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/**
 * The playbook engine's turn loop. Per caller turn: log the utterance; start the Director (it
 * always completes, even after barge-in); wait up to `barrier_ms` for it so the Talker speaks
 * from fresh state; if it is late, a soft checkpoint speaks from the snapshot at once while a
 * gated one says the filler line, then the hold line after `hold_ms`. Lines the runtime spoke
 * while moving (verbatim, terminal, intents) are streamed too. Everything streamed is logged
 * once, and a barge-in trims the log to what the caller heard.
 */
export class PlaybookEngine implements DialogEngine {
  readonly kind = 'playbook' as const;
  readonly runtime: PlaybookRuntime;
  private brain: Brain;
  private assists: string[] = [];
  private pending: Promise<unknown> = Promise.resolve();
  private segments: Segment[] = [];
  private turnText = '';
  private heardPending: string | null | undefined = undefined;
  lastTurn: TurnResult | null = null;

  constructor(
    readonly playbook: Playbook,
    options: PlaybookEngineOptions,
  ) {
    this.brain = options.brain;
    this.runtime = new PlaybookRuntime(playbook, { code: options.code, http: options.http, clock: options.clock ?? (() => new Date()), log: options.log });
  }

  /** Swap the brain (e.g. a new model) without losing the conversation. */
  setBrain(brain: Brain): void {
    this.brain = brain;
  }

  get log(): EventLog {
    return this.runtime.log;
  }

  get events(): readonly DialogEvent[] {
    return this.runtime.log.events;
  }

  get isComplete(): boolean {
    return this.runtime.state.ended;
  }

  get state(): Readonly<Record<string, unknown>> {
    const s = this.runtime.state;
    return { engine: 'playbook', node_id: s.checkpoint, checkpoint: s.checkpoint, version: s.version, ended: s.ended, outcome: s.outcome, slots: Object.keys(s.slots) };
  }

  hints(): string[] {
    if (this.runtime.state.ended) return [];
    return speechHints(this.playbook, this.runtime.state, this.runtime.checkpoint);
  }

  /** Silence, webhook or timer event, serialised after any turn still being judged. */
  async external(kind: 'silence' | 'webhook' | 'timer', name: string, payload: unknown): Promise<string[]> {
    await this.pending;
    const run = this.runtime.onExternal(kind, name, payload);
    this.pending = run.catch(() => undefined);
    return run;
  }

  assist(instruction: string): void {
    this.assists.push(instruction);
  }

  chatContext(): ChatMessage[] {
    return this.runtime.state.transcript.map((t) => ({ role: t.role, content: t.text }));
  }

  /** Restore a transcript (utterances only; use the event log for full state). */
  loadChatContext(messages: readonly ChatMessage[]): void {
    for (const m of messages) {
      if (m.role === 'tool') continue;
      this.runtime.append({ type: 'utterance', role: m.role, text: m.content, spoke_from_version: null, language: null });
    }
  }

  markInterrupted(heardText: string | null): void {
    if (this.segments.some((s) => s.version === null)) {
      // The Talker's text is not logged yet: apply when it is.
      this.heardPending = heardText;
      return;
    }
    this.applyHeard(heardText);
  }

  private applyHeard(heard: string | null): void {
    const segments = this.segments;
    this.segments = [];
    if (segments.length === 0) return this.runtime.markInterrupted(heard);
    const heardLen = heard === null ? Number.POSITIVE_INFINITY : heard.length;
    for (const seg of segments) {
      if (seg.version === null || seg.start + seg.text.length <= heardLen) continue;
      const kept = heard === null ? seg.text : seg.text.slice(0, Math.max(0, heardLen - seg.start)).trimEnd();
      if (heard === null) continue;
      this.runtime.append({ type: 'interruption', utterance_version: seg.version, heard_text: kept });
    }
  }

  private beginTurn(): void {
    this.segments = [];
    this.turnText = '';
    this.heardPending = undefined;
  }

  /** Text to yield for a new segment (space-separated from what came before). */
  private segment(text: string, version: number | null): string {
    const sep = this.turnText && !/\s$/.test(this.turnText) ? ' ' : '';
    this.turnText += sep;
    this.segments.push({ start: this.turnText.length, text, version });
    this.turnText += text;
    return sep + text;
  }

  private lastAssistantVersions(n: number): number[] {
    return this.runtime.log.events.filter((e) => e.type === 'utterance' && e.role === 'assistant').slice(-n).map((e) => e.version);
  }

  private *passThrough(lines: readonly string[]): Generator<string> {
    const versions = this.lastAssistantVersions(lines.length);
    for (const [i, line] of lines.entries()) yield this.segment(line, versions[i] ?? null);
  }

  private finish(): void {
    const s = this.runtime.state;
    this.lastTurn = {
      text: this.turnText,
      metadata: { engine: 'playbook', checkpoint: s.checkpoint, version: s.version, ended: s.ended, outcome: s.outcome, action: s.action, hints: this.hints() },
    };
  }

  async *start(options: TurnOptions = {}): AsyncGenerator<string> {
    await this.pending;
    this.beginTurn();
    const signal = options.signal ?? new AbortController().signal;
    try {
      const lines = await this.runtime.start();
      yield* this.passThrough(lines);
      if (lines.length === 0 && !this.runtime.state.ended) yield* this.talk(signal, options.language ?? null, true);
    } finally {
      this.finish();
    }
  }

  async *stream(text: string, options: TurnOptions = {}): AsyncGenerator<string> {
    await this.pending;
    this.beginTurn();
    const signal = options.signal ?? new AbortController().signal;
    const language = options.language ?? null;
    try {
      const opening = this.runtime.started ? [] : await this.runtime.start();
      yield* this.passThrough(opening);
      if (this.runtime.state.ended) return;
      this.runtime.recordUser(text, language);
      const by = this.brain.name === 'rules' ? 'rules' : 'director';
      // Not tied to the turn's signal: a barge-in stops speech, never the bookkeeping.
      const director = this.runtime.afterUser(this.brain.director, by, text, new AbortController().signal);
      this.pending = director.catch(() => undefined);
      const { barrier_ms: barrierMs, hold_ms: holdMs } = this.playbook.spec.policies;
      let result = await settleWithin(director, barrierMs, signal);
      if (!result.done && this.runtime.gated()) {
        yield this.segment(this.playbook.spec.lines.filler, null);
        result = await settleWithin(director, holdMs, signal);
        if (!result.done) {
          yield this.segment(this.playbook.spec.lines.hold, null);
          return;
        }
      }
      if (signal.aborted) return;
      if (result.done) {
        yield* this.passThrough(result.value.lines);
        if (this.runtime.state.ended) return;
        const cp = this.runtime.checkpoint;
        if (cp.verbatim && this.runtime.state.verbatimSpoken && result.value.lines.length > 0) return;
        yield* this.talk(signal, language, result.value.progressed);
      } else {
        yield* this.talk(signal, language, true);
        const late = await director;
        if (!signal.aborted) yield* this.passThrough(late.lines);
      }
    } finally {
      this.finish();
    }
  }

  /** The Talker's turn: verbatim lines without a model, else the brain's stream (retried once). */
  private async *talk(signal: AbortSignal, language: string | null, progressed: boolean): AsyncGenerator<string> {
    const rt = this.runtime;
    const cp = rt.checkpoint;
    const spokeFrom = rt.state.version;
    const scope = rt.talkerScope();
    if (cp.verbatim || cp.spec.strict) {
      const line = cp.verbatim ? cp.verbatim.render(scope) : this.playbook.spec.lines.recovery;
      rt.recordAssistant(line, spokeFrom, true);
      yield this.segment(line, rt.state.version);
      return;
    }
    const assists = this.assists;
    this.assists = [];
    const seg: Segment = { start: 0, text: '', version: null };
    let first = true;
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const talk = this.brain.talker.speak(
            {
              playbook: this.playbook,
              state: rt.state,
              checkpoint: cp,
              scope,
              progressed,
              assists,
              language,
              today: rt.today(),
              callTool: (id, args, s) => rt.tools.run(id, { supplied: args, signal: s }),
            },
            signal,
          );
          for await (const piece of talk) {
            if (first) {
              const sep = this.segment('', null);
              this.segments.pop();
              seg.start = this.turnText.length;
              this.segments.push(seg);
              first = false;
              if (sep) yield sep;
            }
            seg.text += piece;
            this.turnText += piece;
            yield piece;
          }
          return;
        } catch (err) {
          // A barge-in ends the turn quietly; the partial text is logged below.
          if (signal.aborted) return;
          if (!first) throw err;
          rt.append({ type: 'degraded', component: 'talker', detail: errorMessage(err).slice(0, 200) });
        }
      }
      const recovery = this.playbook.spec.lines.recovery;
      rt.recordAssistant(recovery, spokeFrom, false);
      yield this.segment(recovery, rt.state.version);
    } finally {
      if (seg.text) {
        rt.recordAssistant(seg.text, spokeFrom, false);
        seg.version = rt.state.transcript[rt.state.transcript.length - 1]?.version ?? null;
        if (this.heardPending !== undefined) {
          const heard = this.heardPending;
          this.heardPending = undefined;
          this.applyHeard(heard);
        }
      }
    }
  }
}

async function settleWithin<T>(promise: Promise<T>, ms: number, signal: AbortSignal): Promise<Settled<T>> {
  let settled: Settled<T> = { done: false };
  const tracked = promise.then(
    (value) => {
      settled = { done: true, value };
    },
    () => undefined,
  );
  if (ms <= 0) {
    await Promise.race([tracked, Promise.resolve()]);
    await Promise.resolve();
    return settled;
  }
  const stop = new AbortController();
  await Promise.race([tracked, delay(ms, AbortSignal.any([signal, stop.signal]))]);
  stop.abort();
  return settled;
}
