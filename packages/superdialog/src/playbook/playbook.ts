import { LoadError, errorMessage, type LoadIssue } from '../errors.js';
import { compileExpr, EXPR_ROOTS, type CompiledExpr } from '../expr/evaluate.js';
import { compileTemplate, TEMPLATE_ROOTS, type Template } from '../expr/template.js';
import { PlaybookSchema, type AdvanceRule, type Branch, type Checkpoint, type PipelineSpec, type PlaybookSpec, type SlotSpec, type ToolSpec } from './schema.js';

/** An advance rule, resolved and compiled. Its id is `<judge>:<to>`. */
export interface CompiledRule {
  id: string;
  spec: AdvanceRule;
  /** Full target ref `journey.checkpoint`. */
  to: string;
  expr: CompiledExpr | null;
  match: RegExp | null;
}

/** A checkpoint with its refs resolved and its templates and expressions compiled. */
export interface CompiledCheckpoint {
  ref: string;
  journey: string;
  spec: Checkpoint;
  rules: CompiledRule[];
  guidance: Template;
  reply: Template | null;
  verbatim: Template | null;
  onFailure: string | null;
  /** Keys of slots whose writes need confirmation (hard gate, resolved per slot). */
  hardSlots: ReadonlySet<string>;
  /** Regexes per slot (rules-mode extraction). */
  slotPatterns: ReadonlyMap<string, RegExp[]>;
}

/** A tool with its templates compiled. */
export interface CompiledTool {
  spec: ToolSpec;
  url: Template | null;
  headers: Map<string, Template>;
  args: Map<string, Template>;
  when: CompiledExpr | null;
}

/** Where a pipeline step goes on an outcome. */
export type CompiledBranch = { kind: 'continue' } | { kind: 'route'; to: string } | { kind: 'retry'; retry: number; onExhaust: string | null };

/**
 * A loaded, validated playbook: every reference resolved, every expression and template
 * compiled. Build one with {@link Playbook.fromSpec} or the loaders; construction reports every
 * problem at once as a {@link LoadError}.
 */
export class Playbook {
  readonly checkpoints = new Map<string, CompiledCheckpoint>();
  readonly tools = new Map<string, CompiledTool>();
  readonly pipelines = new Map<string, PipelineSpec & { branches: Array<Map<string, CompiledBranch>> }>();
  readonly views = new Map<string, CompiledExpr>();
  readonly knowledgeBase: Template;
  readonly initial: string;
  readonly interrupts: Array<{ id: string; when: string; to: string; keywords: string[] }>;
  readonly silenceThen: string | null;
  private readonly slotSpecs = new Map<string, SlotSpec>();
  private readonly bodyTemplates = new Map<string, Map<string, Template>>();
  private readonly asks = new Map<string, Template>();

  private constructor(
    readonly spec: PlaybookSpec,
    readonly file: string,
    issues: LoadIssue[],
  ) {
    const issue = (path: string, reason: string): void => void issues.push({ file, path, reason });
    const guard = <T>(path: string, fn: () => T): T | null => {
      try {
        return fn();
      } catch (err) {
        issue(path, errorMessage(err));
        return null;
      }
    };
    // Declared refs first, so rules can point forward.
    const journeyOf = new Map<string, string[]>();
    for (const [journey, j] of Object.entries(spec.journeys)) {
      const seen = new Set<string>();
      j.checkpoints.forEach((c, i) => {
        if (seen.has(c.id)) issue(`journeys.${journey}.checkpoints[${i}].id`, `duplicate checkpoint id "${c.id}" in journey "${journey}"`);
        seen.add(c.id);
        journeyOf.set(c.id, [...(journeyOf.get(c.id) ?? []), journey]);
      });
    }
    const resolve = (ref: string, fromJourney: string, path: string): string => {
      if (ref.includes('.')) {
        const [j, c] = ref.split('.') as [string, string];
        if (!spec.journeys[j]?.checkpoints.some((cp) => cp.id === c)) issue(path, `unknown checkpoint "${ref}"`);
        return ref;
      }
      if (spec.journeys[fromJourney]?.checkpoints.some((cp) => cp.id === ref)) return `${fromJourney}.${ref}`;
      const owners = journeyOf.get(ref) ?? [];
      if (owners.length === 1) return `${owners[0]}.${ref}`;
      issue(path, owners.length === 0 ? `unknown checkpoint "${ref}"` : `ambiguous checkpoint "${ref}" (in journeys ${owners.join(', ')}); write "journey.${ref}"`);
      return ref;
    };
    const firstJourney = Object.keys(spec.journeys)[0] ?? '';
    const toolIds = new Set<string>();
    spec.tools.forEach((t, i) => {
      if (toolIds.has(t.id)) issue(`tools[${i}].id`, `duplicate tool id "${t.id}"`);
      toolIds.add(t.id);
    });
    const pipelineIds = new Set<string>();
    spec.pipelines.forEach((p, i) => {
      if (pipelineIds.has(p.id)) issue(`pipelines[${i}].id`, `duplicate pipeline id "${p.id}"`);
      pipelineIds.add(p.id);
    });
    const needTool = (id: string, path: string): void => {
      if (!toolIds.has(id)) issue(path, `unknown tool "${id}"`);
    };
    const needPipeline = (id: string, path: string): void => {
      if (!pipelineIds.has(id)) issue(path, `unknown pipeline "${id}"`);
    };
    const declaredSlots = new Set<string>();
    for (const j of Object.values(spec.journeys)) for (const c of j.checkpoints) for (const k of Object.keys(c.slots)) declaredSlots.add(k);
    for (const t of spec.tools) for (const k of Object.keys(t.slot_updates)) declaredSlots.add(k);
    spec.expose_env.forEach((k, i) => {
      if (!(k in spec.env)) issue(`expose_env[${i}]`, `env key "${k}" is not declared in env`);
    });
    const talkerTemplate = (source: string, path: string): Template | null => guard(path, () => compileTemplate(source, TEMPLATE_ROOTS.talker));
    const regex = (source: string, path: string): RegExp | null => guard(path, () => new RegExp(source, 'i'));

    for (const [journey, j] of Object.entries(spec.journeys)) {
      j.checkpoints.forEach((c, ci) => {
        const base = `journeys.${journey}.checkpoints[${ci}]`;
        const ref = `${journey}.${c.id}`;
        const roots = c.pipeline ? EXPR_ROOTS.pipelineRule : EXPR_ROOTS.rule;
        const rules: CompiledRule[] = c.advance_when.map((r, ri) => {
          const path = `${base}.advance_when[${ri}]`;
          const to = resolve(r.to, journey, `${path}.to`);
          let expr: CompiledExpr | null = null;
          if (r.judge === 'expr') {
            if (!r.when.trim()) issue(`${path}.when`, 'an expr rule needs a "when" expression');
            else expr = guard(`${path}.when`, () => compileExpr(r.when, roots));
          }
          for (const [ki, key] of r.requires.entries()) {
            if (!declaredSlots.has(key) && !(key in r.set)) issue(`${path}.requires[${ki}]`, `slot "${key}" is not declared on any checkpoint nor set by this rule`);
          }
          const match = r.match === undefined ? null : regex(r.match, `${path}.match`);
          return { id: `${r.judge}:${to}`, spec: r, to, expr, match };
        });
        if (c.auto && rules.length === 0) issue(`${base}.auto`, 'an auto checkpoint needs at least one advance_when rule');
        if (c.pipeline) needPipeline(c.pipeline, `${base}.pipeline`);
        c.on_enter.forEach((t, i) => needTool(t, `${base}.on_enter[${i}]`));
        c.tools.forEach((t, i) => needTool(t, `${base}.tools[${i}]`));
        const hardSlots = new Set<string>();
        const slotPatterns = new Map<string, RegExp[]>();
        for (const [key, slot] of Object.entries(c.slots)) {
          if ((slot.gate ?? c.gate) === 'hard') hardSlots.add(key);
          if (slot.type === 'enum' && slot.values.length === 0) issue(`${base}.slots.${key}.values`, 'an enum slot needs at least one value');
          for (const member of Object.keys(slot.synonyms)) {
            if (!slot.values.includes(member)) issue(`${base}.slots.${key}.synonyms.${member}`, `"${member}" is not one of the slot's values`);
          }
          slotPatterns.set(key, slot.patterns.map((p, i) => regex(p, `${base}.slots.${key}.patterns[${i}]`)).filter((r): r is RegExp => r !== null));
          if (slot.resolve_from && !spec.tools.some((t) => t.store_response_as === slot.resolve_from!.result)) {
            issue(`${base}.slots.${key}.resolve_from.result`, `no tool stores its response as "${slot.resolve_from.result}"`);
          }
          if (slot.ask !== undefined) {
            const ask = talkerTemplate(slot.ask, `${base}.slots.${key}.ask`);
            if (ask) this.asks.set(`${ref}#${key}`, ask);
          }
        }
        for (const [key, slot] of Object.entries(c.slots)) if (!this.slotSpecs.has(key)) this.slotSpecs.set(key, slot);
        this.checkpoints.set(ref, {
          ref,
          journey,
          spec: { ...c, outcome: c.terminal ? (c.outcome ?? c.id) : c.outcome },
          rules,
          guidance: talkerTemplate(c.guidance, `${base}.guidance`) ?? compileTemplate('', TEMPLATE_ROOTS.talker),
          reply: c.reply === undefined ? null : talkerTemplate(c.reply, `${base}.reply`),
          verbatim: c.say_verbatim === undefined ? null : talkerTemplate(c.say_verbatim, `${base}.say_verbatim`),
          onFailure: c.on_failure === undefined ? null : resolve(c.on_failure, journey, `${base}.on_failure`),
          hardSlots,
          slotPatterns,
        });
      });
    }

    spec.tools.forEach((t, i) => {
      const base = `tools[${i}]`;
      if (t.store_response_as === 'pipeline') issue(`${base}.store_response_as`, '"pipeline" is reserved');
      if (t.type === 'http' && !t.url) issue(`${base}.url`, 'an http tool needs a url');
      const tpl = (s: string, path: string): Template | null => guard(path, () => compileTemplate(s, TEMPLATE_ROOTS.tool));
      const headers = new Map<string, Template>();
      for (const [h, v] of Object.entries(t.headers)) {
        const compiled = tpl(v, `${base}.headers.${h}`);
        if (compiled) headers.set(h, compiled);
      }
      const args = new Map<string, Template>();
      for (const [a, v] of Object.entries(t.args)) {
        const compiled = tpl(v, `${base}.args.${a}`);
        if (compiled) args.set(a, compiled);
      }
      const bodies = new Map<string, Template>();
      this.bodyTemplates.set(t.id, bodies);
      checkBody(t.body, `${base}.body`, (source, path) => {
        const compiled = tpl(source, path);
        if (compiled) bodies.set(source, compiled);
        return compiled;
      });
      this.tools.set(t.id, {
        spec: t,
        url: t.url === undefined ? null : tpl(t.url, `${base}.url`),
        headers,
        args,
        when: t.when === undefined ? null : guard(`${base}.when`, () => compileExpr(t.when!, EXPR_ROOTS.rule)),
      });
    });

    spec.pipelines.forEach((p, pi) => {
      const branches = p.steps.map((step, si) => {
        needTool(step.tool, `pipelines[${pi}].steps[${si}].tool`);
        const out = new Map<string, CompiledBranch>();
        for (const [on, b] of Object.entries(step.on)) out.set(on, compileBranch(b, firstJourney, `pipelines[${pi}].steps[${si}].on.${on}`, resolve));
        return out;
      });
      this.pipelines.set(p.id, { ...p, branches });
    });
    spec.handlers.forEach((h, i) => needPipeline(h.pipeline, `handlers[${i}].pipeline`));
    if (spec.middleware) needTool(spec.middleware.refresh_with, 'middleware.refresh_with');
    for (const [name, source] of Object.entries(spec.views)) {
      const compiled = guard(`views.${name}`, () => compileExpr(source, EXPR_ROOTS.view));
      if (compiled) this.views.set(name, compiled);
    }
    this.knowledgeBase = talkerTemplate(spec.knowledge_base, 'knowledge_base') ?? compileTemplate('', TEMPLATE_ROOTS.talker);
    spec.dispatch.forEach((d, i) => resolve(d.to, firstJourney, `dispatch[${i}].to`));
    this.interrupts = spec.interrupts.map((it, i) => ({ ...it, to: resolve(it.to, firstJourney, `interrupts[${i}].to`) }));
    this.silenceThen = spec.policies.silence?.then ? resolve(spec.policies.silence.then, firstJourney, 'policies.silence.then') : null;
    const firstCheckpoint = spec.journeys[firstJourney]?.checkpoints[0]?.id ?? '';
    this.initial = spec.initial ? resolve(spec.initial, firstJourney, 'initial') : `${firstJourney}.${firstCheckpoint}`;
  }

  /**
   * Validate and compile a parsed playbook object (full format). Throws {@link LoadError}
   * listing every problem with its path.
   */
  static fromSpec(input: unknown, file = '<inline>'): Playbook {
    const parsed = PlaybookSchema.safeParse(input);
    if (!parsed.success) {
      throw new LoadError(
        'invalid_playbook',
        parsed.error.issues.flatMap((i) => zodIssue(i).map((reason) => ({ file, path: formatPath(i.path), reason }))),
      );
    }
    const issues: LoadIssue[] = [];
    const playbook = new Playbook(parsed.data, file, issues);
    if (issues.length > 0) throw new LoadError('invalid_playbook', issues);
    return playbook;
  }

  checkpoint(ref: string): CompiledCheckpoint {
    const c = this.checkpoints.get(ref);
    if (!c) throw new Error(`no checkpoint ${ref}`);
    return c;
  }

  /** The first declaration of slot `key`, if any checkpoint declares it. */
  slotSpec(key: string): SlotSpec | undefined {
    return this.slotSpecs.get(key);
  }

  /** The compiled `ask` template of slot `key` at checkpoint `ref`. */
  slotAsk(ref: string, key: string): Template | undefined {
    return this.asks.get(`${ref}#${key}`);
  }

  /** The compiled template of a string inside tool `id`'s body. */
  bodyTemplate(id: string, source: string): Template | undefined {
    return this.bodyTemplates.get(id)?.get(source);
  }

  /** The tool by id (validated at load, so present). */
  tool(id: string): CompiledTool {
    return this.tools.get(id)!;
  }
}

function compileBranch(b: Branch, journey: string, path: string, resolve: (ref: string, j: string, p: string) => string): CompiledBranch {
  if (b === 'continue') return { kind: 'continue' };
  if (typeof b === 'string') return { kind: 'route', to: resolve(b, journey, path) };
  return { kind: 'retry', retry: b.retry, onExhaust: b.on_exhaust ? resolve(b.on_exhaust, journey, `${path}.on_exhaust`) : null };
}

function checkBody(body: unknown, path: string, tpl: (s: string, p: string) => Template | null): void {
  if (typeof body === 'string') tpl(body, path);
  else if (Array.isArray(body)) body.forEach((v, i) => checkBody(v, `${path}[${i}]`, tpl));
  else if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) checkBody(v, `${path}.${k}`, tpl);
}

/** A zod issue's message; record-key failures carry the key rule's own message inside. */
export function zodIssue(issue: { code: string; message: string; issues?: ReadonlyArray<{ message: string }> }): string[] {
  if (issue.code === 'invalid_key' && issue.issues?.length) return issue.issues.map((i) => `invalid key: ${i.message}`);
  return [issue.message];
}

/** `['a', 0, 'b']` -> `a[0].b`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}
