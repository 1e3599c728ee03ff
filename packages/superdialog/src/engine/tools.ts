import { errorMessage } from '../errors.js';
import type { Template } from '../expr/template.js';
import type { CompiledTool, Playbook } from '../playbook/playbook.js';
import { redactText, redactUrl, redactValue } from '../redact.js';
import type { EventBody } from './events.js';
import { slotValues, type ConversationState, type ToolResultState } from './state.js';

/** Context a code tool receives besides its arguments. */
export interface CodeToolContext {
  /** The conversation state at call time (read-only). */
  state: Readonly<ConversationState>;
  signal: AbortSignal;
}

/**
 * A host function registered as a playbook tool (`type: code`). It receives the tool's arguments
 * (templated from slots, or chosen by the model when the Talker calls it); what it returns is the
 * result's `data`; what it throws is a failed result whose `error` is the message.
 */
export type CodeTool = (args: Record<string, unknown>, context: CodeToolContext) => unknown;

/** The HTTP seam (tests inject a fake; the default uses fetch). */
export type HttpFn = (request: { method: string; url: string; headers: Record<string, string>; body: unknown; timeoutMs: number; signal: AbortSignal }) => Promise<{
  status: number;
  data: unknown;
}>;

/** Default HTTP: JSON in and out; a non-JSON reply comes back as `{ text }`. */
export const fetchHttp: HttpFn = async ({ method, url, headers, body, timeoutMs, signal }) => {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined || method === 'GET' ? undefined : JSON.stringify(body),
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  });
  const text = await res.text();
  let data: unknown = { text };
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Kept as text.
  }
  return { status: res.status, data };
};

/** The outcome of one tool run. */
export interface ToolOutcome {
  ok: boolean;
  status: number | null;
  data: unknown;
  error: string | null;
  skipped: boolean;
}

/** Dotted path into a JSON value (`data.items.0.id`). */
export function pick(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.').filter(Boolean)) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else if (cur && typeof cur === 'object' && Object.hasOwn(cur, key)) cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}

function renderBody(body: unknown, render: (s: string) => unknown): unknown {
  if (typeof body === 'string') return render(body);
  if (Array.isArray(body)) return body.map((b) => renderBody(b, render));
  if (body && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, renderBody(v, render)]));
  return body;
}

/**
 * Runs playbook tools. Every call is recorded as a redacted `tool_call` event and a
 * `tool_result` event; secrets never reach the log or the event stream. Errors stay errors: a
 * thrown code tool, a non-2xx reply or a timeout is a failed result (`ok: false`, `error`).
 */
export class ToolExecutor {
  constructor(
    private readonly playbook: Playbook,
    private readonly code: Readonly<Record<string, CodeTool>>,
    private readonly http: HttpFn,
    private readonly append: (event: EventBody) => void,
    private readonly state: () => ConversationState,
  ) {}

  private scope(): Record<string, unknown> {
    const s = this.state();
    return { slots: slotValues(s), env: s.env, results: s.results };
  }

  /** The arguments a tool gets: its templated `args`, overridden by `supplied` (model-chosen). */
  arguments(tool: CompiledTool, supplied: Record<string, unknown> = {}): Record<string, unknown> {
    const scope = this.scope();
    const out: Record<string, unknown> = {};
    for (const [name, tpl] of tool.args) out[name] = (tpl as Template).value(scope);
    return { ...out, ...supplied };
  }

  /** Run tool `id`; `supplied` are model-chosen arguments (Talker tool calls). */
  async run(id: string, options: { supplied?: Record<string, unknown>; signal?: AbortSignal; force?: boolean } = {}): Promise<ToolOutcome> {
    const tool = this.playbook.tool(id);
    const s = this.state();
    if (!options.force) {
      if (tool.spec.run_once && (s.toolCallCounts[id] ?? 0) > 0) return { ok: true, status: null, data: null, error: null, skipped: true };
      if (tool.when && !tool.when.test(this.scope())) return { ok: true, status: null, data: null, error: null, skipped: true };
    }
    const signal = options.signal ?? new AbortController().signal;
    const outcome = tool.spec.type === 'code' ? await this.runCode(tool, options.supplied ?? {}, signal) : await this.runHttp(tool, options.supplied ?? {}, signal);
    this.append({ type: 'tool_result', tool: id, store_as: tool.spec.store_response_as ?? null, ok: outcome.ok, status: outcome.status, data: outcome.data, error: outcome.error });
    if (outcome.ok) {
      for (const [key, path] of Object.entries(tool.spec.env_updates)) {
        const v = pick(outcome.data, path);
        if (v !== undefined && v !== null) this.append({ type: 'env_write', key, value: typeof v === 'string' ? v : JSON.stringify(v) });
      }
      for (const [key, path] of Object.entries(tool.spec.slot_updates)) {
        const v = pick(outcome.data, path);
        if (v !== undefined) this.append({ type: 'slot_write', key, value: v, status: 'confirmed', by: 'tool' });
      }
    }
    return outcome;
  }

  private async runCode(tool: CompiledTool, supplied: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    const args = this.arguments(tool, supplied);
    this.append({ type: 'tool_call', tool: tool.spec.id, args: redactValue(args) });
    const fn = this.code[tool.spec.id];
    if (!fn) return { ok: false, status: null, data: null, error: `no code registered for tool "${tool.spec.id}"`, skipped: false };
    const timeout = AbortSignal.timeout(tool.spec.timeout_s * 1000);
    const both = AbortSignal.any([signal, timeout]);
    try {
      const data = await Promise.race([
        Promise.resolve(fn(args, { state: structuredClone(this.state()), signal: both })),
        new Promise<never>((_, reject) => both.addEventListener('abort', () => reject(new Error(timeout.aborted ? `timed out after ${tool.spec.timeout_s} s` : 'cancelled')), { once: true })),
      ]);
      return { ok: true, status: null, data: data ?? null, error: null, skipped: false };
    } catch (err) {
      return { ok: false, status: null, data: null, error: redactText(errorMessage(err)), skipped: false };
    }
  }

  private async runHttp(tool: CompiledTool, supplied: Record<string, unknown>, signal: AbortSignal, replay = false): Promise<ToolOutcome> {
    const scope = { ...this.scope(), args: this.arguments(tool, supplied) };
    const url = tool.url?.render(scope) ?? '';
    const headers = Object.fromEntries([...tool.headers].map(([k, t]) => [k, t.render(scope)]));
    const renderString = (s: string): unknown => {
      const t = this.playbook.bodyTemplate(tool.spec.id, s);
      return t ? t.value(scope) : s;
    };
    let body = tool.spec.body === undefined ? undefined : renderBody(tool.spec.body, renderString);
    if (body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 1 && '_template' in body) {
      const raw = (body as { _template: unknown })._template;
      try {
        body = typeof raw === 'string' ? JSON.parse(raw) : raw;
      } catch {
        return { ok: false, status: null, data: null, error: 'body template did not render to JSON', skipped: false };
      }
    }
    if (Object.keys(supplied).length && body === undefined && tool.spec.method !== 'GET') body = scope.args;
    this.append({ type: 'tool_call', tool: tool.spec.id, args: { method: tool.spec.method, url: redactUrl(url), body: redactValue(body) } });
    let status: number;
    let data: unknown;
    try {
      ({ status, data } = await this.http({ method: tool.spec.method, url, headers, body, timeoutMs: tool.spec.timeout_s * 1000, signal }));
    } catch (err) {
      return { ok: false, status: null, data: null, error: redactText(errorMessage(err)), skipped: false };
    }
    const mw = this.playbook.spec.middleware;
    if (mw && !replay && status === mw.on_status && mw.refresh_with !== tool.spec.id) {
      const refreshed = await this.run(mw.refresh_with, { signal, force: true });
      if (refreshed.ok) return this.runHttp(tool, supplied, signal, true);
    }
    const ok = status >= 200 && status < 300;
    return { ok, status, data: ok ? data : null, error: ok ? null : redactText(typeof data === 'string' ? data : JSON.stringify(data)).slice(0, 500), skipped: false };
  }
}

/** A result as templates and expressions see it. */
export function resultView(r: ToolResultState): Record<string, unknown> {
  return { ok: r.ok, success: r.ok, status: r.status, data: r.data, error: r.error };
}
