import { HELPERS } from '../expr/parse.js';

/**
 * Rewriting of legacy flow templates (bare `{{var}}` names) into playbook namespaces. Names set
 * with `{% set %}` stay template-local (never prefixed), env names go to `env.`, action results to
 * `results.`, everything else to `slots.`.
 */

const RESERVED = new Set([
  'and', 'or', 'not', 'in', 'is', 'if', 'elif', 'else', 'endif', 'set', 'True', 'False', 'None', 'true', 'false', 'null',
  'default', 'd', 'upper', 'lower', 'title', 'capitalize', 'join', 'trim', 'length', ...HELPERS,
]);

/** Names assigned by `{% set name = ... %}` anywhere in `source`. */
export function setLocals(source: string): Set<string> {
  return new Set([...source.matchAll(/\{%-?\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\s*=/g)].map((m) => m[1]!));
}

/** Root names read by the template's tags (not set locals, keywords, filters or attributes). */
export function rootNames(source: string): string[] {
  const locals = setLocals(source);
  const out = new Set<string>();
  for (const body of tagBodies(source)) {
    forEachRoot(body, (name) => {
      if (!locals.has(name)) out.add(name);
      return null;
    });
  }
  return [...out];
}

function tagBodies(source: string): string[] {
  return [...source.matchAll(/\{\{([\s\S]*?)\}\}|\{%-?([\s\S]*?)-?%\}/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Calls `fn` for each root identifier in a tag body; a returned string replaces it. */
function forEachRoot(body: string, fn: (name: string) => string | null): string {
  let out = '';
  let i = 0;
  let afterPipe = false;
  while (i < body.length) {
    const c = body[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== c) j += body[j] === '\\' ? 2 : 1;
      out += body.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i))![0];
      const prev = out.trimEnd().slice(-1);
      const isAttr = prev === '.';
      const isSetTarget = /^\s*set\s+$/.test(out);
      if (!isAttr && !afterPipe && !isSetTarget && !RESERVED.has(word) && !/^\s*\(/.test(body.slice(i + word.length))) {
        out += fn(word) ?? word;
      } else out += word;
      afterPipe = false;
      i += word.length;
      continue;
    }
    if (c === '|') afterPipe = true;
    else if (!/\s/.test(c)) afterPipe = false;
    out += c;
    i++;
  }
  return out;
}

/** Rewrite every root name of `source` with `prefixFor(name)` (null leaves it). */
export function rewriteTemplate(source: string, prefixFor: (name: string) => string | null): string {
  const locals = setLocals(source);
  return source.replace(/\{\{([\s\S]*?)\}\}|\{%(-?)([\s\S]*?)(-?)%\}/g, (whole, out: string | undefined, l: string, stmt: string | undefined, r: string) => {
    const rewrite = (body: string): string => forEachRoot(body, (name) => (locals.has(name) ? null : (p => (p ? p + name : null))(prefixFor(name))));
    if (out !== undefined) return `{{${rewrite(out)}}}`;
    if (stmt !== undefined) return `{%${l}${rewrite(stmt)}${r}%}`;
    return whole;
  });
}

/** `{{var}}` in prose (rule conditions) becomes `<var>`, which reads naturally to a model. */
export function proseOf(condition: string): string {
  return condition.replace(/\{\{\s*([^}]*?)\s*\}\}/g, '<$1>').replace(/\{%[\s\S]*?%\}/g, '').trim();
}
