import { compileTemplate, TEMPLATE_ROOTS, type Template } from '../expr/template.js';
import type { LlmMessage, LlmProvider, LlmTool } from '../llm/types.js';
import { redactValue } from '../redact.js';
import type { HttpFn } from '../engine/tools.js';
import type { ChatMessage, DialogEngine, TurnOptions, TurnResult } from '../engine/types.js';
import { rewriteTemplate } from './rewrite.js';
import type { Flow, FlowEdge, FlowNode } from './schema.js';

const STAY = 'stay_on_node';

/**
 * The flow-graph engine, for flows that must run unchanged. Per caller turn one routing call
 * offers every outgoing edge (plus global edges at interruptible nodes) as a function, with a
 * `stay_on_node` function for staying; the chosen function's arguments become user data. The new
 * node then speaks: `static_text` verbatim, else its instruction through a real token stream.
 * Needs an LLM: the offline rules mode runs flows through the playbook compiler instead.
 */
export class GraphEngine implements DialogEngine {
  readonly kind = 'graph' as const;
  private node: FlowNode;
  private readonly nodes: Map<string, FlowNode>;
  private readonly userdata: Record<string, unknown> = {};
  private readonly results: Record<string, unknown> = {};
  private readonly env: Record<string, string>;
  private readonly history: ChatMessage[] = [];
  private readonly assists: string[] = [];
  private turnsInNode = 0;
  private turns = 0;
  private ended = false;
  private templates = new Map<string, Template>();
  lastTurn: TurnResult | null = null;

  constructor(
    readonly flow: Flow,
    private provider: LlmProvider,
    private readonly http: HttpFn,
  ) {
    this.nodes = new Map(flow.nodes.map((n) => [n.id, n]));
    this.node = this.nodes.get(flow.initial_node)!;
    this.env = { ...(flow.env_vars ?? {}), ...(flow.environment_variables ?? {}) };
  }

  setProvider(provider: LlmProvider): void {
    this.provider = provider;
  }

  get isComplete(): boolean {
    return this.ended;
  }

  get state(): Readonly<Record<string, unknown>> {
    return { engine: 'graph', node_id: this.node.id, checkpoint: this.node.id, ended: this.ended, turns: this.turns };
  }

  hints(): string[] {
    return [];
  }

  assist(instruction: string): void {
    this.assists.push(instruction);
  }

  chatContext(): ChatMessage[] {
    return this.history.map((m) => ({ ...m }));
  }

  loadChatContext(messages: readonly ChatMessage[]): void {
    this.history.push(...messages.map((m) => ({ ...m })));
  }

  markInterrupted(heardText: string | null): void {
    const last = this.history[this.history.length - 1];
    if (heardText === null || last?.role !== 'assistant') return;
    if (heardText) last.content = heardText;
    else this.history.pop();
  }

  private render(source: string): string {
    let t = this.templates.get(source);
    if (!t) {
      const names = new Set(Object.keys(this.env));
      const rewritten = rewriteTemplate(source, (n) => (names.has(n) ? 'env.' : n in this.results ? 'results.' : 'slots.'));
      try {
        t = compileTemplate(rewritten, TEMPLATE_ROOTS.tool);
      } catch {
        t = compileTemplate(source.replace(/\{[{%#][\s\S]*?[}%#]\}/g, ''), TEMPLATE_ROOTS.tool);
      }
      this.templates.set(source, t);
    }
    return t.render({ slots: this.userdata, env: this.env, results: this.results });
  }

  private finish(text: string): void {
    this.lastTurn = {
      text,
      metadata: { engine: 'graph', checkpoint: this.node.id, version: this.turns, ended: this.ended, outcome: this.ended ? this.node.id : null, action: this.ended ? { type: 'end' } : null, hints: [] },
    };
  }

  async *start(options: TurnOptions = {}): AsyncGenerator<string> {
    let text = '';
    try {
      await this.runActions(this.node, 'on_enter');
      for await (const piece of this.speak(options.signal)) {
        text += piece;
        yield piece;
      }
    } finally {
      this.finish(text);
    }
  }

  async *stream(userText: string, options: TurnOptions = {}): AsyncGenerator<string> {
    let text = '';
    try {
      if (this.ended) return;
      this.turns += 1;
      this.turnsInNode += 1;
      this.history.push({ role: 'user', content: userText });
      let edge: FlowEdge | null = null;
      let brief = '';
      const fallback = this.node.edges.find((e) => e.is_fallback);
      if (this.node.max_turns && this.turnsInNode > this.node.max_turns && fallback) edge = fallback;
      else ({ edge, brief } = await this.route(options.signal));
      if (edge) await this.transition(edge);
      const pieces = !edge && brief ? [brief] : this.speak(options.signal);
      for await (const piece of pieces) {
        text += piece;
        yield piece;
      }
      if (!edge && brief) this.history.push({ role: 'assistant', content: brief });
    } finally {
      this.finish(text);
    }
  }

  private edgesHere(): FlowEdge[] {
    const global = this.node.interruptible && !this.node.is_final ? this.flow.global_edges : [];
    return [...this.node.edges.filter((e) => !e.is_fallback), ...global];
  }

  private async route(signal: AbortSignal | undefined): Promise<{ edge: FlowEdge | null; brief: string }> {
    const edges = this.edgesHere();
    if (edges.length === 0) return { edge: null, brief: '' };
    const name = (e: FlowEdge): string => e.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
    const tools: LlmTool[] = edges.map((e) => ({
      name: name(e),
      description: this.render(e.condition) || `go to ${e.target_node_id}`,
      parameters: e.input_schema ? { type: 'object', properties: e.input_schema.properties, required: e.input_schema.required } : { type: 'object', properties: {} },
    }));
    tools.push({ name: STAY, description: 'None of the other functions apply yet: stay on this step.', parameters: { type: 'object', properties: { brief_response: { type: 'string', description: 'What to say to the caller now.' } } } });
    const messages: LlmMessage[] = [
      { role: 'system', content: `${this.flow.system_prompt}\n\n## Routing\nYou are at step "${this.node.name || this.node.id}": ${this.render(this.node.instruction ?? this.node.static_text ?? '')}\nCall exactly one function: the transition whose condition the caller's latest message meets, or ${STAY}.`, cachePrefix: this.flow.system_prompt },
      ...this.history.slice(-10).map((m): LlmMessage => (m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content })),
    ];
    const result = await this.provider.complete({ messages, tools, toolChoice: 'required', temperature: 0, purpose: 'router', signal });
    const call = result.toolCalls[0];
    if (!call || call.name === STAY) {
      let brief = '';
      try {
        brief = String((JSON.parse(call?.arguments || '{}') as { brief_response?: unknown }).brief_response ?? '');
      } catch {
        brief = '';
      }
      return { edge: null, brief };
    }
    const edge = edges.find((e) => name(e) === call.name) ?? null;
    if (edge) {
      try {
        const args = JSON.parse(call.arguments || '{}') as Record<string, unknown>;
        const allowed = edge.input_schema ? Object.keys(edge.input_schema.properties) : [];
        for (const [k, v] of Object.entries(args)) if (allowed.includes(k) && !(k in this.env)) this.userdata[k] = v;
      } catch {
        // Arguments that are not JSON carry no data.
      }
    }
    return { edge, brief: '' };
  }

  private async transition(edge: FlowEdge): Promise<void> {
    await this.runActions(this.node, 'on_exit');
    for (const a of edge.actions) await this.runAction(a.action_id);
    this.node = this.nodes.get(edge.target_node_id)!;
    this.turnsInNode = 0;
    await this.runActions(this.node, 'on_enter');
    if (this.node.is_final || this.node.node_type === 'final') this.ended = true;
  }

  private async runActions(node: FlowNode, trigger: 'on_enter' | 'on_exit'): Promise<void> {
    for (const a of node.actions) if (a.trigger === trigger) await this.runAction(a.action_id);
  }

  private async runAction(id: string): Promise<void> {
    const action = [...(this.flow.actions ?? []), ...(this.flow.global_actions ?? [])].find((a) => a.id === id);
    if (!action) return;
    const url = this.render(action.url);
    const headers = Object.fromEntries(Object.entries(action.headers).map(([k, v]) => [k, this.render(v)]));
    const raw = action.body ?? action.body_template ?? undefined;
    let body: unknown = raw;
    if (typeof raw === 'string') body = this.render(raw);
    else if (raw) body = JSON.parse(this.render(JSON.stringify(raw))) as unknown;
    try {
      const res = await this.http({ method: action.method, url, headers, body, timeoutMs: action.timeout * 1000, signal: new AbortController().signal });
      const ok = res.status >= 200 && res.status < 300;
      if (action.store_response_as) this.results[action.store_response_as] = { ok, success: ok, status: res.status, data: res.data };
    } catch (err) {
      if (action.store_response_as) this.results[action.store_response_as] = { ok: false, success: false, status: null, data: null, error: String(redactValue(String(err))) };
    }
  }

  private async *speak(signal: AbortSignal | undefined): AsyncGenerator<string> {
    const node = this.node;
    if (node.static_text && !node.instruction) {
      const line = this.render(node.static_text);
      this.history.push({ role: 'assistant', content: line });
      yield line;
      return;
    }
    const assists = this.assists.splice(0);
    const system = [this.flow.system_prompt, `## Current step\n${this.render(node.instruction ?? '')}`, assists.length ? `## Instructions from the host\n${assists.join('\n')}` : '']
      .filter(Boolean)
      .join('\n\n');
    const messages: LlmMessage[] = [
      { role: 'system', content: system, cachePrefix: this.flow.system_prompt },
      ...this.history.slice(-20).map((m): LlmMessage => (m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content })),
    ];
    if (messages.length === 1) messages.push({ role: 'user', content: '[start]' });
    let text = '';
    try {
      for await (const e of this.provider.stream({ messages, purpose: 'talker', signal })) {
        if (e.type !== 'text') continue;
        text += e.text;
        yield e.text;
      }
    } finally {
      if (text) this.history.push({ role: 'assistant', content: text });
    }
  }
}
