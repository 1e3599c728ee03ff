import { SuperDialogError } from '../errors.js';

/**
 * The `expr` language: a small, side-effect-free subset of Python expressions, used by
 * `judge: expr` rules, tool `when` guards and views. Parsed by hand (never `eval`); anything not
 * on the whitelist is an authoring error raised at load time, with the offending position:
 *
 * - literals: numbers, 'single' / "double" strings, True/False/None (also true/false/null),
 *   lists `[a, b]` and tuples `(a, b)`;
 * - names: only the configured roots (`slots`, `results`, `env`, `pipeline`, ...);
 * - access: `a.b`, `a['b']`, `a[0]` (negative indexes count from the end);
 * - comparisons, chainable: `== != < <= > >= in, not in, is, is not`;
 * - `and`, `or`, `not`, unary minus;
 * - calls to helpers only: len, first, last, pluck, unique, min, max, any, all.
 *
 * Not allowed: arithmetic, comprehensions, lambdas, conditional expressions, dict literals,
 * f-strings, slices, `_`-prefixed names or attributes, sources longer than 4096 characters.
 */

export const MAX_EXPR_LENGTH = 4096;
export const HELPERS = ['len', 'first', 'last', 'pluck', 'unique', 'min', 'max', 'any', 'all'] as const;
export type HelperName = (typeof HELPERS)[number];
const HELPER_SET: ReadonlySet<string> = new Set(HELPERS);

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';

export type Node =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'list'; items: Node[] }
  | { kind: 'name'; name: string }
  | { kind: 'attr'; object: Node; name: string }
  | { kind: 'index'; object: Node; index: Node }
  | { kind: 'call'; helper: HelperName; args: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'neg'; operand: Node }
  | { kind: 'bool'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; first: Node; rest: Array<{ op: CompareOp; right: Node }> };

type Token =
  | { t: 'num'; v: number; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

const KEYWORDS_FORBIDDEN: Record<string, string> = {
  lambda: 'lambdas are not allowed',
  for: 'comprehensions are not allowed',
  if: 'conditional expressions are not allowed',
  else: 'conditional expressions are not allowed',
  import: 'imports are not allowed',
  await: 'await is not allowed',
  yield: 'yield is not allowed',
};

function fail(source: string, pos: number, reason: string): never {
  throw new SuperDialogError('invalid_expression', `${reason} at column ${pos + 1} of expression "${source.length > 80 ? source.slice(0, 77) + '...' : source}"`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:[0-9][0-9_]*)?(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      const text = m[0];
      if (/^[A-Za-z_]/.test(src.slice(i + text.length))) fail(src, i + text.length, 'malformed number');
      out.push({ t: 'num', v: Number(text.replace(/_/g, '')), pos: start });
      i += text.length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      const word = m[0];
      const next = src[i + word.length];
      if ((next === "'" || next === '"') && /^[rRbBuUfF]{1,2}$/.test(word)) {
        fail(src, i, /f/i.test(word) ? 'f-strings are not allowed' : 'string prefixes are not allowed');
      }
      if (word in KEYWORDS_FORBIDDEN) fail(src, i, KEYWORDS_FORBIDDEN[word]!);
      out.push({ t: 'id', v: word, pos: start });
      i += word.length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      for (;;) {
        const ch = src[j];
        if (ch === undefined || ch === '\n') fail(src, i, 'unterminated string');
        if (ch === c) break;
        if (ch === '\\') {
          const esc = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
          if (esc === undefined || !(esc in map)) fail(src, j, 'unsupported escape');
          value += map[esc]!;
          j += 2;
          continue;
        }
        value += ch;
        j++;
      }
      out.push({ t: 'str', v: value, pos: start });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>='].includes(two)) {
      out.push({ t: 'op', v: two, pos: start });
      i += 2;
      continue;
    }
    if ('<>()[],.'.includes(c)) {
      out.push({ t: 'op', v: c, pos: start });
      i++;
      continue;
    }
    if ('+-*/%@&|^~'.includes(c)) {
      if (c === '-') {
        out.push({ t: 'op', v: '-', pos: start });
        i++;
        continue;
      }
      fail(src, i, `operator "${c}" is not allowed (no arithmetic)`);
    }
    if (c === '{') fail(src, i, 'dict and set literals are not allowed');
    if (c === ':') fail(src, i, 'slices and lambdas are not allowed');
    if (c === '=') fail(src, i, 'assignment is not allowed');
    fail(src, i, `unexpected character "${c}"`);
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

/** Parse `source` into an AST, enforcing the whitelist; `roots` are the names it may read. */
export function parseExpr(source: string, roots: ReadonlySet<string>): Node {
  if (typeof source !== 'string' || source.trim() === '') throw new SuperDialogError('invalid_expression', 'expression is empty');
  if (source.length > MAX_EXPR_LENGTH) throw new SuperDialogError('invalid_expression', `expression is longer than ${MAX_EXPR_LENGTH} characters`);
  const tokens = tokenize(source);
  let p = 0;
  const peek = (): Token => tokens[p]!;
  const isOp = (v: string): boolean => {
    const t = peek();
    return t.t === 'op' && t.v === v;
  };
  const isWord = (v: string): boolean => {
    const t = peek();
    return t.t === 'id' && t.v === v;
  };
  const expectOp = (v: string): void => {
    if (!isOp(v)) fail(source, peek().pos, `expected "${v}"`);
    p++;
  };

  function orExpr(): Node {
    let left = andExpr();
    while (isWord('or')) {
      p++;
      left = { kind: 'bool', op: 'or', left, right: andExpr() };
    }
    return left;
  }
  function andExpr(): Node {
    let left = notExpr();
    while (isWord('and')) {
      p++;
      left = { kind: 'bool', op: 'and', left, right: notExpr() };
    }
    return left;
  }
  function notExpr(): Node {
    if (isWord('not')) {
      p++;
      return { kind: 'not', operand: notExpr() };
    }
    return comparison();
  }
  function compareOp(): CompareOp | null {
    const t = peek();
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      p++;
      return t.v as CompareOp;
    }
    if (isWord('in')) {
      p++;
      return 'in';
    }
    if (isWord('not') && tokens[p + 1]?.t === 'id' && (tokens[p + 1] as { v: string }).v === 'in') {
      p += 2;
      return 'not in';
    }
    if (isWord('is')) {
      p++;
      if (isWord('not')) {
        p++;
        return 'is not';
      }
      return 'is';
    }
    return null;
  }
  function comparison(): Node {
    const first = unary();
    const rest: Array<{ op: CompareOp; right: Node }> = [];
    for (let op = compareOp(); op; op = compareOp()) rest.push({ op, right: unary() });
    return rest.length === 0 ? first : { kind: 'compare', first, rest };
  }
  function unary(): Node {
    if (isOp('-')) {
      p++;
      return { kind: 'neg', operand: unary() };
    }
    return postfix();
  }
  function postfix(): Node {
    let node = atom();
    for (;;) {
      if (isOp('.')) {
        p++;
        const t = peek();
        if (t.t !== 'id') fail(source, t.pos, 'expected an attribute name');
        if (t.v.startsWith('_')) fail(source, t.pos, `attribute "${t.v}" is not allowed ("_" names are private)`);
        p++;
        node = { kind: 'attr', object: node, name: t.v };
      } else if (isOp('[')) {
        const at = peek().pos;
        p++;
        const index = orExpr();
        if (isOp(',')) fail(source, peek().pos, 'tuple subscripts are not allowed');
        if (!isOp(']')) fail(source, at, 'expected "]" (slices are not allowed)');
        p++;
        node = { kind: 'index', object: node, index };
      } else if (isOp('(')) {
        fail(source, peek().pos, 'only helper functions may be called');
      } else {
        return node;
      }
    }
  }
  function sequence(close: string): Node[] {
    const items: Node[] = [];
    while (!isOp(close)) {
      items.push(orExpr());
      if (isOp(',')) p++;
      else if (!isOp(close)) fail(source, peek().pos, `expected "," or "${close}"`);
    }
    p++;
    return items;
  }
  function atom(): Node {
    const t = peek();
    switch (t.t) {
      case 'num':
        p++;
        return { kind: 'literal', value: t.v };
      case 'str':
        p++;
        return { kind: 'literal', value: t.v };
      case 'op':
        if (t.v === '(') {
          p++;
          const first = orExpr();
          if (isOp(')')) {
            p++;
            return first;
          }
          expectOp(',');
          return { kind: 'list', items: [first, ...sequence(')')] };
        }
        if (t.v === '[') {
          p++;
          return { kind: 'list', items: sequence(']') };
        }
        return fail(source, t.pos, `unexpected "${t.v}"`);
      case 'id': {
        p++;
        const literals: Record<string, boolean | null> = { True: true, False: false, None: null, true: true, false: false, null: null };
        if (t.v in literals) return { kind: 'literal', value: literals[t.v]! };
        if (t.v in KEYWORDS_FORBIDDEN) fail(source, t.pos, KEYWORDS_FORBIDDEN[t.v]!);
        if (t.v.startsWith('_')) fail(source, t.pos, `name "${t.v}" is not allowed ("_" names are private)`);
        if (isOp('(')) {
          if (!HELPER_SET.has(t.v)) fail(source, t.pos, `function "${t.v}" is not allowed (helpers: ${HELPERS.join(', ')})`);
          p++;
          return { kind: 'call', helper: t.v as HelperName, args: sequence(')') };
        }
        if (HELPER_SET.has(t.v)) fail(source, t.pos, `helper "${t.v}" must be called`);
        if (!roots.has(t.v)) fail(source, t.pos, `unknown name "${t.v}" (allowed: ${[...roots].join(', ')})`);
        return { kind: 'name', name: t.v };
      }
      case 'end':
        return fail(source, t.pos, 'unexpected end of expression');
    }
  }

  const node = orExpr();
  if (isOp('-')) fail(source, peek().pos, 'operator "-" is not allowed (no arithmetic)');
  if (peek().t !== 'end') fail(source, peek().pos, 'unexpected input after the expression');
  return node;
}
