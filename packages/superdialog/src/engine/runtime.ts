import type { CompiledCheckpoint, CompiledRule, Playbook } from '../playbook/playbook.js';
import { EMPTY_VERDICT, type Director, type Verdict } from './brain.js';
import { EventLog, type EventBody, type HostAction, type Mover, type Writer } from './events.js';
import { applyEvent, fold, initialState, slotValues, type ConversationState } from './state.js';
import { ToolExecutor, resultView, type CodeTool, type HttpFn } from './tools.js';
import { calendarDate, coerce } from './values.js';
import { errorMessage } from '../errors.js';

/** Quiescence stops after this many moves in a row (a loop in the playbook), with a `degraded` event. */
export const MAX_HOPS = 8;

export interface RuntimeOptions {
  code?: Readonly<Record<string, CodeTool>>;
  http: HttpFn;
  clock: () => Date;
  /** An existing log to continue (state is rebuilt by folding it). */
  log?: EventLog;
}

/**
 * Owns one conversation: its event log and the state folded from it. Applies Director verdicts,
 * runs tools and pipelines, and moves through expr, auto and pipeline checkpoints until nothing
 * moves (quiescence). Lines it must say on the way (verbatim lines of checkpoints it crosses,
 * terminal lines, intent lines) are logged and returned as pass-through speech.
 */
export class PlaybookRuntime {
  readonly log: EventLog;
  readonly tools: ToolExecutor;
  private s: ConversationState;

  constructor(
    readonly playbook: Playbook,
    private readonly options: RuntimeOptions,
  ) {
    this.log = options.log ?? new EventLog();
    this.s = options.log ? fold(options.log.events, playbook) : initialState(playbook);
    this.tools = new ToolExecutor(playbook, options.code ?? {}, options.http, (e) => void this.append(e), () => this.s);
  }

  get state(): Readonly<ConversationState> {
    return this.s;
  }

  get started(): boolean {
    return this.s.checkpoint !== null;
  }

  get checkpoint(): CompiledCheckpoint {
    return this.playbook.checkpoint(this.s.checkpoint ?? this.playbook.initial);
  }

  append(body: EventBody): void {
    applyEvent(this.s, this.log.append(body), this.playbook);
  }

  /** The session's calendar date, anchored at session start in the playbook's timezone. */
  today(): Date {
    return calendarDate(this.s.startedAt ? new Date(this.s.startedAt) : this.options.clock(), this.s.timezone);
  }

  private results(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.s.results).map(([k, r]) => [k, resultView(r)]));
  }

  /** Namespace of expr rules and tool guards. */
  exprScope(): Record<string, unknown> {
    const pipeline = this.s.pipelineRan && this.s.results.pipeline ? { ok: this.s.results.pipeline.ok, failed: !this.s.results.pipeline.ok } : null;
    return { slots: slotValues(this.s), results: this.results(), env: this.s.env, pipeline };
  }

  /** Namespace of Talker templates: no env except the keys the playbook exposes. */
  talkerScope(): Record<string, unknown> {
    const slots = slotValues(this.s);
    const results = this.results();
    const views: Record<string, unknown> = {};
    for (const [name, expr] of this.playbook.views) views[name] = expr.evaluate({ slots, results, env: null });
    const env = Object.fromEntries(this.playbook.spec.expose_env.map((k) => [k, this.s.env[k] ?? null]));
    return { slots, views, results, env, entity: 'caller' };
  }

  /** Rules a verdict may not yet take: keys missing, and hard keys not yet confirmed. */
  unmet(rule: CompiledRule, cp: CompiledCheckpoint = this.checkpoint): { missing: string[]; unconfirmed: string[] } {
    const missing: string[] = [];
    const unconfirmed: string[] = [];
    for (const key of rule.spec.requires) {
      if (key in rule.spec.set) continue;
      const slot = this.s.slots[key];
      if (!slot || slot.value === null) missing.push(key);
      else if (this.isHard(key, cp) && slot.status !== 'confirmed') unconfirmed.push(key);
    }
    return { missing, unconfirmed };
  }

  isHard(key: string, cp: CompiledCheckpoint = this.checkpoint): boolean {
    return cp.hardSlots.has(key) || this.playbook.slotSpec(key)?.gate === 'hard';
  }

  /** True when the Talker must wait for the Director (a hard gate on the checkpoint or a slot). */
  gated(cp: CompiledCheckpoint = this.checkpoint): boolean {
    return cp.spec.gate === 'hard' || cp.hardSlots.size > 0;
  }

  /** Start the session: anchor, initial checkpoint, entry, quiescence. Returns pass-through lines. */
  async start(): Promise<string[]> {
    const lines: string[] = [];
    if (this.started) return lines;
    this.append({ type: 'session_start', started_at: this.options.clock().toISOString(), timezone: this.playbook.spec.guidelines.timezone });
    this.append({ type: 'advance', from_checkpoint: null, to_checkpoint: this.playbook.initial, rule: 'init', by: 'runtime' });
    await this.enter(lines);
    await this.quiesce(lines);
    return lines;
  }

  recordUser(text: string, language: string | null): void {
    this.append({ type: 'utterance', role: 'user', text, spoke_from_version: null, language });
  }

  say(text: string, lines: string[], verbatim = true): void {
    if (!text.trim()) return;
    this.append({ type: 'utterance', role: 'assistant', text, spoke_from_version: this.s.version, language: null, verbatim });
    lines.push(text);
  }

  /**
   * Judge the latest user utterance: expr rules first (no model), else the Director's verdict;
   * then the turn budget and quiescence. A Director failure is a `degraded` event, never a crash.
   */
  async afterUser(director: Director, by: 'director' | 'rules', text: string, signal: AbortSignal): Promise<{ lines: string[]; progressed: boolean }> {
    const lines: string[] = [];
    const before = this.s.version;
    const cpBefore = this.s.checkpoint;
    if (this.s.ended) return { lines, progressed: false };
    const exprFired = await this.fireExprRules(lines);
    if (!exprFired) {
      let verdict: Verdict = EMPTY_VERDICT;
      try {
        verdict = await director.decide({ playbook: this.playbook, state: this.s, checkpoint: this.checkpoint, text, today: this.today() }, signal);
      } catch (err) {
        this.append({ type: 'degraded', component: 'director', detail: errorMessage(err).slice(0, 200) });
      }
      await this.applyVerdict(verdict, by, lines);
    }
    await this.turnBudget(lines);
    await this.quiesce(lines);
    const progressed = this.s.checkpoint !== cpBefore || this.log.events.slice(before).some((e) => e.type === 'slot_write' || e.type === 'advance');
    return { lines, progressed };
  }

  async applyVerdict(v: Verdict, by: Writer & Mover, lines: string[]): Promise<void> {
    const spec = this.playbook.spec;
    if (v.intent === 'goodbye' && spec.intents.goodbye.enabled) return this.end(spec.intents.goodbye.say ?? spec.lines.goodbye, spec.intents.goodbye.outcome, { type: 'end' }, lines);
    if (v.intent === 'talk_to_human' && spec.intents.talk_to_human.enabled) {
      return this.end(spec.intents.talk_to_human.say ?? spec.lines.transfer, 'transferred', { type: 'transfer', target: spec.intents.talk_to_human.transfer_to }, lines);
    }
    const interrupt = v.interrupt ? this.playbook.interrupts.find((i) => i.id === v.interrupt) : undefined;
    // Only an interrupt to where we already are is ignored: a visited FAQ hub can be re-entered.
    if (interrupt && interrupt.to !== this.s.checkpoint) return this.advance(interrupt.to, `interrupt:${interrupt.id}`, by, lines, false);
    const cp = this.checkpoint;
    const today = this.today();
    for (const [key, raw] of Object.entries(v.slots)) {
      const slot = cp.spec.slots[key];
      if (!slot || slot.authoritative) continue;
      const coerced = coerce(raw, slot, today);
      if (!coerced.ok) continue;
      const value = slot.resolve_from ? this.resolve(slot.resolve_from, coerced.value) : coerced.value;
      if (value === null) continue;
      const status = this.isHard(key, cp) ? 'provisional' : 'confirmed';
      const prev = this.s.slots[key];
      if (prev && JSON.stringify(prev.value) === JSON.stringify(value) && (prev.status === 'confirmed' || status === 'provisional')) continue;
      this.append({ type: 'slot_write', key, value, status, by });
    }
    for (const key of v.confirm) {
      const slot = this.s.slots[key];
      if (slot && slot.status === 'provisional' && key in cp.spec.slots) this.append({ type: 'slot_write', key, value: slot.value, status: 'confirmed', by });
    }
    if (v.note) this.append({ type: 'steering_note', text: v.note, kind: 'steer' });
    if (!v.advance) return;
    const target = v.advance.includes('.') ? v.advance : `${cp.journey}.${v.advance}`;
    const rules = cp.rules.filter((r) => r.spec.judge === 'llm' && r.to === target);
    if (rules.length === 0) return;
    const rule = rules.find((r) => {
      const u = this.unmet(r, cp);
      return u.missing.length === 0 && u.unconfirmed.length === 0;
    });
    if (!rule) {
      const u = this.unmet(rules[0]!, cp);
      const parts = [u.missing.length ? `still need: ${u.missing.join(', ')}` : '', u.unconfirmed.length ? `still need confirmation of: ${u.unconfirmed.join(', ')}` : ''].filter(Boolean);
      this.append({ type: 'steering_note', text: `Cannot move on yet — ${parts.join('; ')}. Ask for these naturally.`, kind: 'steer' });
      return;
    }
    const into = this.playbook.checkpoint(rule.to);
    if (into.spec.terminal && this.s.steering?.kind === 'repair') {
      this.append({ type: 'steering_note', text: 'Do not end the call: the caller is correcting you. Acknowledge the correction and continue.', kind: 'repair' });
      return;
    }
    for (const [key, value] of Object.entries(rule.spec.set)) this.append({ type: 'slot_write', key, value, status: 'confirmed', by: 'rule' });
    await this.advance(rule.to, rule.id, by, lines, true);
  }

  private resolve(from: NonNullable<CompiledCheckpoint['spec']['slots'][string]['resolve_from']>, spoken: unknown): unknown {
    const data = this.s.results[from.result]?.data;
    const list = (data && typeof data === 'object' ? (data as Record<string, unknown>)[from.list_field] : null) ?? (Array.isArray(data) ? data : null);
    if (!Array.isArray(list)) return spoken;
    const name = String(spoken).trim().toLowerCase();
    const hit = list.find((item) => item && typeof item === 'object' && String((item as Record<string, unknown>)[from.name_field] ?? '').toLowerCase() === name);
    return hit ? ((hit as Record<string, unknown>)[from.id_field] ?? null) : null;
  }

  private async end(line: string, outcome: string, action: HostAction, lines: string[]): Promise<void> {
    this.say(line, lines);
    this.append({ type: 'session_end', outcome, action });
  }

  /** Move to `to`: speak the leaving checkpoint's verbatim line once, then enter the target. */
  async advance(to: string, rule: string, by: Mover, lines: string[], speakLeaving: boolean): Promise<void> {
    const leaving = this.checkpoint;
    if (speakLeaving && leaving.verbatim && !this.s.verbatimSpoken && !leaving.spec.terminal) this.say(leaving.verbatim.render(this.talkerScope()), lines);
    this.append({ type: 'advance', from_checkpoint: this.s.checkpoint, to_checkpoint: to, rule, by });
    await this.enter(lines);
  }

  private async enter(lines: string[]): Promise<void> {
    const cp = this.checkpoint;
    for (const id of cp.spec.on_enter) await this.tools.run(id);
    if (cp.spec.terminal) {
      if (cp.verbatim) this.say(cp.verbatim.render(this.talkerScope()), lines);
      this.append({ type: 'session_end', outcome: cp.spec.outcome ?? cp.spec.id, action: { type: 'end' } });
    }
  }

  private async fireExprRules(lines: string[]): Promise<boolean> {
    const cp = this.checkpoint;
    const scope = this.exprScope();
    for (const rule of cp.rules) {
      if (rule.spec.judge !== 'expr' || !rule.expr) continue;
      const u = this.unmet(rule, cp);
      if (u.missing.length || u.unconfirmed.length || !rule.expr.test(scope)) continue;
      for (const [key, value] of Object.entries(rule.spec.set)) this.append({ type: 'slot_write', key, value, status: 'confirmed', by: 'rule' });
      await this.advance(rule.to, rule.id, 'expr', lines, true);
      return true;
    }
    return false;
  }

  /** Pipelines, expr rules and auto checkpoints, until nothing moves. */
  async quiesce(lines: string[]): Promise<void> {
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (this.s.ended) return;
      const cp = this.checkpoint;
      if (cp.spec.pipeline && !this.s.pipelineRan) {
        await this.runPipeline(cp.spec.pipeline, cp, lines);
        continue;
      }
      if (await this.fireExprRules(lines)) continue;
      if (cp.spec.auto && cp.rules[0]) {
        await this.advance(cp.rules[0].to, 'auto', 'runtime', lines, true);
        continue;
      }
      return;
    }
    this.append({ type: 'degraded', component: 'runtime', detail: 'quiesce_hop_exhaustion' });
  }

  /** Run a pipeline; `owner` routes on its outcome (handlers run ownerless, silently). */
  async runPipeline(id: string, owner: CompiledCheckpoint | null, lines: string[]): Promise<void> {
    const p = this.playbook.pipelines.get(id)!;
    let ok = true;
    let advanceTo: string | null = null;
    let errorContext: string | null = null;
    steps: for (const [i, step] of p.steps.entries()) {
      const branches = p.branches[i]!;
      for (let attempt = 0; ; attempt++) {
        const out = await this.tools.run(step.tool);
        const key = out.status !== null && branches.has(`http_${out.status}`) ? `http_${out.status}` : out.ok ? 'ok' : 'failed';
        const branch = branches.get(key) ?? (out.ok ? { kind: 'continue' as const } : null);
        if (!branch) {
          ok = false;
          errorContext = `${p.id}:${step.tool}`;
          break steps;
        }
        if (branch.kind === 'continue') continue steps;
        if (branch.kind === 'route') {
          ok = out.ok;
          advanceTo = branch.to;
          break steps;
        }
        if (out.ok) continue steps;
        if (attempt < branch.retry) continue;
        ok = false;
        advanceTo = branch.onExhaust;
        errorContext = `${p.id}:${step.tool}`;
        break steps;
      }
    }
    if (owner) this.append({ type: 'tool_result', tool: p.id, store_as: 'pipeline', ok, status: null, data: { advance_to: advanceTo }, error: errorContext });
    if (errorContext) this.append({ type: 'slot_write', key: 'error_context', value: errorContext, status: 'confirmed', by: 'tool' });
    if (!owner) return;
    if (advanceTo) await this.advance(advanceTo, 'pipeline', 'pipeline', lines, ok);
    else if (!ok && owner.onFailure) await this.advance(owner.onFailure, 'on_failure', 'pipeline', lines, false);
  }

  private async turnBudget(lines: string[]): Promise<void> {
    const cp = this.checkpoint;
    const budget = cp.spec.turn_budget;
    if (!budget || this.s.ended || this.s.userTurnsInCheckpoint <= budget) return;
    if (this.s.userTurnsInCheckpoint > budget + 2 && cp.onFailure) {
      await this.advance(cp.onFailure, 'policy:turn_budget', 'policy', lines, false);
      return;
    }
    this.append({ type: 'steering_note', text: 'Wrap this step up: offer the essentials and move on.', kind: 'steer' });
  }

  /** Log what the Talker said, once, with the state version it spoke from. */
  recordAssistant(text: string, spokeFrom: number, verbatim: boolean): void {
    if (!text) return;
    this.append({ type: 'utterance', role: 'assistant', text, spoke_from_version: spokeFrom, language: null, verbatim });
    this.checkRepairs(text, spokeFrom);
  }

  /** The Talker asked from a stale state about something since confirmed: correct it next turn. */
  private checkRepairs(text: string, spokeFrom: number): void {
    if (!text.includes('?')) return;
    const cp = this.checkpoint;
    const fresh = Object.entries(this.s.slots).filter(([k, v]) => k in cp.spec.slots && v.status === 'confirmed' && v.version > spokeFrom);
    if (fresh.length === 0) return;
    const known = fresh.map(([k, v]) => `${k}=${typeof v.value === 'string' ? v.value : JSON.stringify(v.value)}`).join(', ');
    this.append({ type: 'steering_note', text: `You already have ${known}; acknowledge it instead of asking again.`, kind: 'repair' });
  }

  /** The caller heard only `heard` of the last assistant utterance. */
  markInterrupted(heard: string | null): void {
    const last = [...this.s.transcript].reverse().find((t) => t.role === 'assistant');
    if (!last || last.interrupted) return;
    const text = heard ?? last.text;
    if (heard !== null && heard === last.text) return;
    this.append({ type: 'interruption', utterance_version: last.version, heard_text: text });
  }

  /** Silence, webhook or timer events. Returns what to say (silence prompts, pass-through lines). */
  async onExternal(kind: 'silence' | 'webhook' | 'timer', name: string, payload: unknown = null): Promise<string[]> {
    const lines: string[] = [];
    if (!this.started || this.s.ended) return lines;
    this.append({ type: 'external', kind, name, payload });
    if (kind === 'silence') {
      const policy = this.playbook.spec.policies.silence;
      if (!policy) return lines;
      const n = this.s.silenceCount;
      if (n <= policy.max_prompts && policy.prompts[n - 1]) this.say(policy.prompts[n - 1]!, lines, false);
      else if (n > policy.max_prompts && this.playbook.silenceThen) {
        await this.advance(this.playbook.silenceThen, 'policy:silence', 'policy', lines, false);
        await this.quiesce(lines);
      }
      return lines;
    }
    const handler = this.playbook.spec.handlers.find((h) => h.on === `${kind}.${name}`);
    if (handler) {
      await this.runPipeline(handler.pipeline, null, lines);
      await this.quiesce(lines);
    }
    return lines;
  }
}
