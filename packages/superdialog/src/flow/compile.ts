import { isSecretKey } from '../redact.js';
import { compileTemplate, TEMPLATE_ROOTS } from '../expr/template.js';
import type { PlaybookInput } from '../playbook/schema.js';
import { proseOf, rewriteTemplate, rootNames } from './rewrite.js';
import type { Flow, FlowAction, FlowEdge, FlowNode } from './schema.js';

/** What the flow compiler mapped, and everything it could not map faithfully. */
export interface CompileReport {
  checkpoints: number;
  tools: number;
  interrupts: number;
  /** Items with no playbook equivalent (should be empty). */
  unmapped: string[];
  /** Decisions worth reviewing (inferred slots, stripped routing prose, hidden secrets). */
  notes: string[];
}

/** Legacy routing prose that means nothing to a Talker. */
const ROUTING_PROSE = [
  /\bzero words\b/i,
  /\bdo not (?:output|say|speak|produce) any (?:text|words)\b/i,
  /\bsilent(?:ly)? rout/i,
  /\b(?:call|invoke|trigger|use) (?:the )?(?:function|tool|edge)\b/i,
];

function keyOf(id: string, taken: Set<string>): string {
  let key = id.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '');
  if (!/^[A-Za-z]/.test(key)) key = `n_${key}`;
  let unique = key;
  for (let n = 2; taken.has(unique); n++) unique = `${key}_${n}`;
  taken.add(unique);
  return unique;
}

/** A deterministic data predicate as an expr, or null when the condition is prose. */
function predicate(condition: string, results: ReadonlySet<string>): string | null {
  const c = condition.trim().replace(/^\{\{\s*|\s*\}\}$/g, '');
  let m = /^([A-Za-z_]\w*)\.success\s*==\s*(true|false|True|False)$/.exec(c);
  if (m && results.has(m[1]!)) return `results.${m[1]}.ok == ${/^t/i.test(m[2]!) ? 'True' : 'False'}`;
  m = /^not\s+([A-Za-z_]\w*)\.success$/.exec(c);
  if (m && results.has(m[1]!)) return `not results.${m[1]}.ok`;
  m = /^([A-Za-z_]\w*)\.success$/.exec(c);
  if (m && results.has(m[1]!)) return `results.${m[1]}.ok`;
  m = /^([A-Za-z_]\w*)\.status\s*==\s*(\d{3})$/.exec(c);
  if (m && results.has(m[1]!)) return `results.${m[1]}.status == ${m[2]}`;
  return null;
}

/**
 * Compile a flow graph into a playbook (one journey `flow`). Fixes the reference compiler's gaps:
 * env values used in speech are exposed to the Talker by name (secret-looking ones are withheld
 * and reported, never rendered); routing prose for the old tool-call router is stripped from
 * guidance; `{% set %}` locals stay local; slots implied by `{{var}}` templates (and edge schemas)
 * are declared on the checkpoint that collects them, excluding env and result names, so a caller
 * can never "provide" an env expectation such as an expected date of birth.
 */
export function compileFlow(flow: Flow, file = '<inline>'): { playbook: PlaybookInput; report: CompileReport } {
  const report: CompileReport = { checkpoints: 0, tools: 0, interrupts: 0, unmapped: [], notes: [] };
  const env = { ...(flow.env_vars ?? {}), ...(flow.environment_variables ?? {}) };
  const envKeys = new Set(Object.keys(env).filter((k) => /^[A-Za-z][A-Za-z0-9_]*$/.test(k)));
  const actions: FlowAction[] = [...(flow.actions ?? []), ...(flow.global_actions ?? [])];
  const results = new Set(actions.map((a) => a.store_response_as).filter((s): s is string => !!s));
  const taken = new Set<string>();
  const keys = new Map(flow.nodes.map((n) => [n.id, keyOf(n.id, taken)]));
  const toolTaken = new Set<string>();
  const toolKeys = new Map(actions.map((a) => [a.id, keyOf(a.id, toolTaken)]));
  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const edgeIds = flow.nodes.flatMap((n) => n.edges.map((e) => e.id)).concat(flow.global_edges.map((e) => e.id));
  const exposed = new Set<string>();
  const isSlotName = (name: string): boolean => !envKeys.has(name) && !results.has(name);

  const prefixFor = (name: string, where: string): string | null => {
    if (envKeys.has(name)) {
      if (isSecretKey(name)) {
        report.notes.push(`${where}: env "${name}" looks secret; it is not shown to the Talker and renders empty`);
        return 'env.';
      }
      exposed.add(name);
      return 'env.';
    }
    if (results.has(name)) return 'results.';
    return 'slots.';
  };

  const speechTemplate = (text: string, where: string): string => {
    const kept = text
      .split(/(?<=[.!?])\s+|\n/)
      .filter((sentence) => {
        const routing = ROUTING_PROSE.some((re) => re.test(sentence)) || edgeIds.some((id) => id.length > 3 && new RegExp(`\\b${id.replace(/[^\w]/g, '\\$&')}\\b`).test(sentence));
        if (routing) report.notes.push(`${where}: dropped routing instruction "${sentence.trim().slice(0, 80)}"`);
        return !routing;
      })
      .join(' ')
      .trim();
    const rewritten = rewriteTemplate(kept, (name) => prefixFor(name, where));
    try {
      compileTemplate(rewritten, TEMPLATE_ROOTS.talker);
      return rewritten;
    } catch (err) {
      report.notes.push(`${where}: template not supported (${(err as Error).message}); tags removed`);
      return kept.replace(/\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g, '').replace(/\{\{[\s\S]*?\}\}/g, '');
    }
  };

  /** Slots an edge asks for: its schema, else the names its condition and target's speech use. */
  const edgeSlots = (edge: FlowEdge): { slots: Record<string, Record<string, unknown>>; requires: string[] } => {
    const slots: Record<string, Record<string, unknown>> = {};
    if (edge.input_schema && Object.keys(edge.input_schema.properties).length > 0) {
      for (const [key, prop] of Object.entries(edge.input_schema.properties)) {
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key) || !isSlotName(key)) continue;
        const values = (prop.enum ?? []).map(String);
        slots[key] = { type: values.length ? 'enum' : prop.type === 'integer' ? 'int' : prop.type === 'number' ? 'float' : prop.type === 'boolean' ? 'bool' : 'str', values, description: prop.description ?? '' };
      }
      return { slots, requires: edge.input_schema.required.filter((k) => k in slots) };
    }
    const target = byId.get(edge.target_node_id);
    const names = [...rootNames(edge.condition), ...rootNames(target?.instruction ?? ''), ...rootNames(target?.static_text ?? '')].filter(
      (n) => /^[A-Za-z][A-Za-z0-9_]*$/.test(n) && isSlotName(n),
    );
    for (const n of names) slots[n] = { type: 'str', description: `inferred from templates of ${edge.id}` };
    if (names.length) report.notes.push(`edge ${edge.id}: inferred slots ${[...new Set(names)].join(', ')}`);
    return { slots, requires: [...new Set(names)] };
  };

  const isRouter = (n: FlowNode): boolean => n.node_type === 'router' || (!n.instruction && !n.static_text && !n.is_final && n.edges.length > 0);
  /** Edges out of `n`, with tool-free routers folded into their own exits (one level, no self loops). */
  const exits = (n: FlowNode): Array<{ edge: FlowEdge; when: string }> =>
    n.edges.flatMap((edge) => {
      const target = byId.get(edge.target_node_id)!;
      if (isRouter(target) && target.actions.length === 0 && target.id !== n.id) {
        report.notes.push(`router ${target.id} folded into the exits of ${n.id}`);
        return target.edges.filter((e) => e.target_node_id !== n.id || true).map((e) => ({ edge: { ...e, id: `${edge.id}+${e.id}` }, when: [proseOf(edge.condition), proseOf(e.condition)].filter(Boolean).join(', and then: ') }));
      }
      return [{ edge, when: proseOf(edge.condition) }];
    });

  const extraOnEnter = new Map<string, string[]>();
  const addOnEnter = (nodeId: string, actionId: string): void => {
    const list = extraOnEnter.get(nodeId) ?? [];
    const key = toolKeys.get(actionId);
    if (key && !list.includes(key)) list.push(key);
    extraOnEnter.set(nodeId, list);
  };
  for (const n of flow.nodes) {
    for (const a of n.actions.filter((x) => x.trigger === 'on_exit')) {
      for (const e of n.edges) addOnEnter(e.target_node_id, a.action_id);
      report.notes.push(`node ${n.id}: on_exit action ${a.action_id} runs on entry of each target`);
    }
    for (const e of n.edges) for (const a of e.actions) addOnEnter(e.target_node_id, a.action_id);
  }

  const checkpoints = flow.nodes
    .filter((n) => n.id === flow.initial_node || !isRouter(n) || n.actions.length > 0)
    .map((n) => {
      const where = `nodes.${n.id}`;
      const slots: Record<string, Record<string, unknown>> = {};
      for (const c of n.completion_criteria) if (isSlotName(c.key)) slots[c.key] = { type: 'str', required: c.required, description: c.description };
      const rules = exits(n)
        .filter(({ edge }) => !edge.is_fallback)
        .map(({ edge, when }) => {
          const target = keys.get(edge.target_node_id)!;
          const expr = predicate(edge.condition, results);
          if (expr) return { judge: 'expr' as const, when: expr, to: target };
          if (edge.guard) report.notes.push(`edge ${edge.id}: guard "${edge.guard}" judged by the Director as prose`);
          const inferred = edgeSlots(edge);
          Object.assign(slots, inferred.slots, slots);
          return { judge: 'llm' as const, when: when || `move on to ${byId.get(edge.target_node_id)!.name || edge.target_node_id}`, to: target, requires: inferred.requires };
        });
      const fallback = n.edges.find((e) => e.is_fallback);
      const onEnter = [...n.actions.filter((a) => a.trigger === 'on_enter').map((a) => toolKeys.get(a.action_id)!), ...(extraOnEnter.get(n.id) ?? [])];
      const content = Boolean(n.instruction || n.static_text);
      return {
        id: keys.get(n.id)!,
        goal: n.name || n.id,
        slots,
        guidance: n.instruction ? speechTemplate(n.instruction, `${where}.instruction`) : '',
        ...(n.static_text ? { say_verbatim: speechTemplate(n.static_text, `${where}.static_text`) } : {}),
        advance_when: rules,
        auto: Boolean(n.auto_proceed && content && rules.length > 0),
        on_enter: [...new Set(onEnter)],
        terminal: Boolean(n.is_final || n.node_type === 'final'),
        ...(n.is_final || n.node_type === 'final' ? { outcome: n.id } : {}),
        ...(n.max_turns ? { turn_budget: n.max_turns } : {}),
        ...(fallback ? { on_failure: keys.get(fallback.target_node_id)! } : {}),
      };
    });
  report.checkpoints = checkpoints.length;

  const tools = actions.map((a) => {
    const where = `actions.${a.id}`;
    const tpl = (s: string): string => rewriteTemplate(s, (name) => (envKeys.has(name) ? 'env.' : results.has(name) ? 'results.' : 'slots.'));
    const rawBody = a.body ?? a.body_template ?? undefined;
    let body: Record<string, unknown> | undefined;
    if (typeof rawBody === 'string') body = { _template: tpl(rawBody) };
    else if (rawBody) body = JSON.parse(tpl(JSON.stringify(rawBody))) as Record<string, unknown>;
    if (a.condition) report.notes.push(`${where}: condition "${a.condition.slice(0, 60)}" is not translated; the tool always runs`);
    return {
      id: toolKeys.get(a.id)!,
      type: 'http' as const,
      description: a.description || a.name,
      method: a.method,
      url: tpl(a.url),
      headers: Object.fromEntries(Object.entries(a.headers).map(([k, v]) => [k, tpl(v)])),
      ...(body ? { body } : {}),
      ...(a.store_response_as ? { store_response_as: keyOf(a.store_response_as, new Set()) } : {}),
      env_updates: Object.fromEntries(a.env_updates.map((u) => [u.env_key, u.result_path.replace(/^data\./, '')])),
      run_once: a.run_once,
      timeout_s: Math.min(a.timeout, 300),
    };
  });
  report.tools = tools.length;

  const interrupts = flow.global_edges.map((e) => ({ id: keyOf(e.id, new Set()), when: proseOf(e.condition) || 'the caller asks for this', to: keys.get(e.target_node_id)! }));
  report.interrupts = interrupts.length;
  const nonInterruptible = flow.nodes.filter((n) => !n.interruptible && !n.is_final).map((n) => n.id);
  if (nonInterruptible.length && interrupts.length) report.notes.push(`interrupts also apply at non-interruptible nodes ${nonInterruptible.join(', ')}`);
  void file;

  const language = flow.agent_language ?? 'en';
  const gender = flow.agent_gender === 'male' || flow.agent_gender === 'female' ? flow.agent_gender : 'neutral';
  return {
    playbook: {
      name: '',
      persona: [flow.system_prompt, flow.objective ? `Objective: ${flow.objective}` : ''].filter(Boolean).join('\n\n'),
      guidelines: { language, gender, tone: flow.agent_tone === 'casual' ? 'casual' : 'professional' },
      journeys: { flow: { checkpoints } },
      tools,
      interrupts,
      env,
      expose_env: [...exposed].filter((k) => !isSecretKey(k)),
      initial: `flow.${keys.get(flow.initial_node)!}`,
    },
    report,
  };
}
