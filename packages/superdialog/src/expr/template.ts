import { SuperDialogError } from '../errors.js';
import { evaluateNode, truthy, type Scope } from './evaluate.js';
import { parseExpr, type Node } from './parse.js';

/**
 * A sandboxed, Jinja-compatible template subset for guidance, verbatim lines, replies and tool
 * URLs/bodies: `{{ expr | filter }}`, `{% if %}` / `{% elif %}` / `{% else %}` / `{% endif %}`,
 * `{% set name = expr %}` (a template-local name, never a slot), `{# comments #}`. Expressions
 * are the `expr` language, so templates cannot call anything but helpers. Missing values render
 * as empty text. Syntax errors are found at load time; rendering never throws.
 */

type Part =
  | { kind: 'text'; text: string }
  | { kind: 'out'; expr: Node; filters: Filter[] }
  | { kind: 'if'; branches: Array<{ cond: Node | null; body: Part[] }> }
  | { kind: 'set'; name: string; expr: Node; filters: Filter[] };

interface Filter {
  name: string;
  args: unknown[];
}

const FILTERS = new Set(['default', 'd', 'upper', 'lower', 'title', 'capitalize', 'join', 'trim', 'length', 'spoken_date', 'spoken_time']);

const SPOKEN_DATE = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

/** `2026-11-25` -> `Wednesday 25 November`; anything else unchanged. */
export function spokenDate(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? value : SPOKEN_DATE.format(d).replace(',', '');
}

/** `14:30` -> `2:30 pm`, `09:00` -> `9 am`; anything else unchanged. */
export function spokenTime(value: unknown): unknown {
  const m = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null;
  if (!m) return value;
  const h = Number(m[1]);
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${m[2] === '00' ? '' : `:${m[2]}`} ${h < 12 ? 'am' : 'pm'}`;
}

/** Split on `|` outside quotes. */
function splitPipes(src: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let current = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\') {
        current += c + (src[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '|') {
      out.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  out.push(current);
  return out;
}

function parseFilter(raw: string, source: string): Filter {
  const m = /^\s*([A-Za-z_]+)\s*(?:\((.*)\))?\s*$/s.exec(raw);
  if (!m || !FILTERS.has(m[1]!)) throw new SuperDialogError('invalid_expression', `unknown template filter "${raw.trim()}" in "${source}"`);
  const args: unknown[] = [];
  if (m[2] !== undefined && m[2].trim() !== '') {
    const node = parseExpr(`[${m[2]}]`, new Set());
    const value = evaluateNode(node, {});
    if (Array.isArray(value)) args.push(...value);
  }
  return { name: m[1]!, args };
}

type Tag = { kind: 'text'; text: string } | { kind: 'out'; body: string } | { kind: 'stmt'; body: string };

function lex(source: string): Tag[] {
  const tags: Tag[] = [];
  const re = /\{\{([\s\S]*?)\}\}|\{%-?([\s\S]*?)-?%\}|\{#[\s\S]*?#\}/g;
  let last = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    if (m.index > last) tags.push({ kind: 'text', text: source.slice(last, m.index) });
    if (m[1] !== undefined) tags.push({ kind: 'out', body: m[1] });
    else if (m[2] !== undefined) tags.push({ kind: 'stmt', body: m[2].trim() });
    last = re.lastIndex;
  }
  if (last < source.length) tags.push({ kind: 'text', text: source.slice(last) });
  for (const t of tags) {
    if (t.kind === 'text' && /\{\{|\{%/.test(t.text)) throw new SuperDialogError('invalid_expression', 'unclosed template tag');
  }
  return tags;
}

function compileParts(source: string, rootsIn: ReadonlySet<string>): Part[] {
  const tags = lex(source);
  const roots = new Set(rootsIn);
  let i = 0;
  function block(stop: readonly string[]): { parts: Part[]; end: string } {
    const parts: Part[] = [];
    while (i < tags.length) {
      const tag = tags[i++]!;
      if (tag.kind === 'text') parts.push({ kind: 'text', text: tag.text });
      else if (tag.kind === 'out') {
        const [expr, ...filters] = splitPipes(tag.body);
        parts.push({ kind: 'out', expr: parseExpr(expr!.trim(), roots), filters: filters.map((f) => parseFilter(f, source)) });
      } else {
        const word = /^[a-z]+/.exec(tag.body)?.[0] ?? '';
        if (stop.includes(word)) return { parts, end: tag.body };
        if (word === 'if') {
          const branches: Array<{ cond: Node | null; body: Part[] }> = [];
          let cond: Node | null = parseExpr(tag.body.slice(2).trim(), roots);
          for (;;) {
            const inner = block(['elif', 'else', 'endif']);
            branches.push({ cond, body: inner.parts });
            if (inner.end.startsWith('endif')) break;
            if (inner.end.startsWith('elif')) cond = parseExpr(inner.end.slice(4).trim(), roots);
            else if (inner.end === 'else') {
              const rest = block(['endif']);
              if (!rest.end) throw new SuperDialogError('invalid_expression', 'missing {% endif %}');
              branches.push({ cond: null, body: rest.parts });
              break;
            } else throw new SuperDialogError('invalid_expression', 'missing {% endif %}');
          }
          parts.push({ kind: 'if', branches });
        } else if (word === 'set') {
          const m = /^set\s+([A-Za-z][A-Za-z0-9_]*)\s*=\s*([\s\S]+)$/.exec(tag.body);
          if (!m) throw new SuperDialogError('invalid_expression', `malformed set tag "{% ${tag.body} %}"`);
          const [exprSource, ...filters] = splitPipes(m[2]!);
          const expr = parseExpr(exprSource!.trim(), roots);
          roots.add(m[1]!);
          parts.push({ kind: 'set', name: m[1]!, expr, filters: filters.map((f) => parseFilter(f, source)) });
        } else {
          throw new SuperDialogError('invalid_expression', `unsupported template tag "{% ${tag.body} %}"`);
        }
      }
    }
    if (stop.length > 0) throw new SuperDialogError('invalid_expression', `missing {% ${stop[stop.length - 1]} %}`);
    return { parts, end: '' };
  }
  return block([]).parts;
}

/** How a value prints: null as empty text, lists joined with commas. */
export function display(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(display).join(', ');
  return JSON.stringify(value);
}

function applyFilter(value: unknown, filter: Filter): unknown {
  switch (filter.name) {
    case 'default':
    case 'd':
      return value === null || value === undefined || (filter.args[1] === true && !truthy(value)) ? (filter.args[0] ?? '') : value;
    case 'upper':
      return display(value).toUpperCase();
    case 'lower':
      return display(value).toLowerCase();
    case 'title':
      return display(value).replace(/\b\w/g, (c) => c.toUpperCase());
    case 'capitalize': {
      const s = display(value);
      return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
    }
    case 'trim':
      return display(value).trim();
    case 'join':
      return Array.isArray(value) ? value.map(display).join(typeof filter.args[0] === 'string' ? filter.args[0] : '') : display(value);
    case 'length':
      return typeof value === 'string' || Array.isArray(value) ? value.length : 0;
    case 'spoken_date':
      return spokenDate(value);
    case 'spoken_time':
      return spokenTime(value);
    default:
      return value;
  }
}

function renderParts(parts: readonly Part[], scope: Record<string, unknown>): string {
  let out = '';
  for (const part of parts) {
    switch (part.kind) {
      case 'text':
        out += part.text;
        break;
      case 'out':
        out += display(part.filters.reduce((v, f) => applyFilter(v, f), evaluateNode(part.expr, scope)));
        break;
      case 'set':
        scope[part.name] = part.filters.reduce((v, f) => applyFilter(v, f), evaluateNode(part.expr, scope));
        break;
      case 'if':
        for (const branch of part.branches) {
          if (branch.cond === null || truthy(evaluateNode(branch.cond, scope))) {
            out += renderParts(branch.body, scope);
            break;
          }
        }
        break;
    }
  }
  return out;
}

/** A compiled template. */
export interface Template {
  readonly source: string;
  /** Render text; never throws. */
  render(scope: Scope): string;
  /** When the whole template is one `{{ expr }}`, its raw value (typed JSON bodies); else the text. */
  value(scope: Scope): unknown;
}

/** Compile `source`; throws `invalid_expression` on a syntax error or a name outside `roots`. */
export function compileTemplate(source: string, roots: ReadonlySet<string>): Template {
  const parts = compileParts(source, roots);
  const single = parts.length === 1 && parts[0]!.kind === 'out' ? parts[0] : null;
  const render = (scope: Scope): string => {
    try {
      return renderParts(parts, { ...scope });
    } catch {
      return source;
    }
  };
  return {
    source,
    render,
    value: (scope) => (single && single.kind === 'out' ? single.filters.reduce((v, f) => applyFilter(v, f), evaluateNode(single.expr, scope)) : render(scope)),
  };
}

/** Names a template's tags read at top level (`slots`, `env`, ...); used by the flow compiler. */
export function templateNames(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g)) {
    const body = (m[1] ?? m[2] ?? '').replace(/'[^']*'|"[^"]*"/g, '');
    for (const w of body.matchAll(/(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(w[1]!);
  }
  return [...names];
}

/** The template namespaces, by where a template runs. */
export const TEMPLATE_ROOTS = {
  /** guidance, say_verbatim, reply, knowledge base: env only through `expose_env`. */
  talker: new Set(['slots', 'views', 'results', 'env', 'entity']),
  /** tool url, headers, body, args. */
  tool: new Set(['slots', 'env', 'results', 'args']),
} as const;
