import { parseExpr, type HelperName, type Node } from './parse.js';

/**
 * Evaluation with null semantics: reading something missing yields null (and reading through
 * null stays null), so `slots.city == 'Pune'` is simply false when no city is known. Type errors
 * (ordering a string against a number, `len(5)`, `-'a'`) make the whole expression null, which
 * every caller treats as false. `any([])` / `all([])` are null, not true: an empty list never
 * satisfies a rule by accident.
 */

class EvalFailure extends Error {}

export type Scope = Readonly<Record<string, unknown>>;

/** Python truthiness: null, false, 0, '', [] and {} are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality (numbers compare by value; booleans are not numbers here). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined) return b === null;
  if (b === undefined) return a === null;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function order(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new EvalFailure('unorderable');
}

function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new EvalFailure('in: not a string');
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((v) => deepEqual(v, item));
  if (isPlain(container)) return typeof item === 'string' && Object.hasOwn(container, item);
  throw new EvalFailure('in: not a container');
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return deepEqual(a, b);
    case '!=':
      return !deepEqual(a, b);
    case '<':
      return order(a, b) < 0;
    case '<=':
      return order(a, b) <= 0;
    case '>':
      return order(a, b) > 0;
    case '>=':
      return order(a, b) >= 0;
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    case 'is':
      return (a ?? null) === (b ?? null);
    case 'is not':
      return (a ?? null) !== (b ?? null);
    default:
      throw new EvalFailure(`unknown operator ${op}`);
  }
}

function list(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  throw new EvalFailure('not a list');
}

function extreme(args: unknown[], sign: 1 | -1): unknown {
  const items = args.length === 1 ? list(args[0]) : args;
  const present = items.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return null;
  return present.reduce((best, v) => (order(v, best) * sign > 0 ? v : best));
}

function callHelper(helper: HelperName, args: unknown[]): unknown {
  const arity = (n: number): void => {
    if (args.length !== n) throw new EvalFailure(`${helper} takes ${n} argument(s)`);
  };
  switch (helper) {
    case 'len': {
      arity(1);
      const v = args[0];
      if (v === null || v === undefined) return 0;
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isPlain(v)) return Object.keys(v).length;
      throw new EvalFailure('len of a scalar');
    }
    case 'first':
      arity(1);
      return list(args[0])[0] ?? null;
    case 'last': {
      arity(1);
      const items = list(args[0]);
      return items[items.length - 1] ?? null;
    }
    case 'pluck': {
      arity(2);
      const key = args[1];
      if (typeof key !== 'string') throw new EvalFailure('pluck key must be a string');
      return list(args[0]).map((item) => (isPlain(item) && Object.hasOwn(item, key) ? item[key] : null));
    }
    case 'unique': {
      arity(1);
      const out: unknown[] = [];
      for (const v of list(args[0])) if (!out.some((o) => deepEqual(o, v))) out.push(v);
      return out;
    }
    case 'min':
    case 'max':
      if (args.length === 0) throw new EvalFailure(`${helper} needs arguments`);
      return extreme(args, helper === 'max' ? 1 : -1);
    case 'any':
    case 'all': {
      arity(1);
      const items = list(args[0]);
      if (items.length === 0) return null;
      return helper === 'any' ? items.some(truthy) : items.every(truthy);
    }
  }
}

function read(object: unknown, key: unknown): unknown {
  if (Array.isArray(object) || typeof object === 'string') {
    if (typeof key !== 'number' || !Number.isInteger(key)) return null;
    const i = key < 0 ? object.length + key : key;
    return object[i] ?? null;
  }
  if (isPlain(object) && typeof key === 'string' && !key.startsWith('_') && Object.hasOwn(object, key)) return object[key] ?? null;
  return null;
}

function evalNode(node: Node, scope: Scope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items.map((n) => evalNode(n, scope));
    case 'name':
      return Object.hasOwn(scope, node.name) ? (scope[node.name] ?? null) : null;
    case 'attr':
      return read(evalNode(node.object, scope), node.name);
    case 'index':
      return read(evalNode(node.object, scope), evalNode(node.index, scope));
    case 'call':
      return callHelper(node.helper, node.args.map((n) => evalNode(n, scope)));
    case 'not':
      return !truthy(evalNode(node.operand, scope));
    case 'neg': {
      const v = evalNode(node.operand, scope);
      if (typeof v !== 'number') throw new EvalFailure('negating a non-number');
      return -v;
    }
    case 'bool': {
      const left = evalNode(node.left, scope);
      if (node.op === 'and') return truthy(left) ? evalNode(node.right, scope) : left;
      return truthy(left) ? left : evalNode(node.right, scope);
    }
    case 'compare': {
      let left = evalNode(node.first, scope);
      for (const { op, right } of node.rest) {
        const r = evalNode(right, scope);
        if (!compare(op, left, r)) return false;
        left = r;
      }
      return true;
    }
  }
}

/** Evaluate a parsed expression; runtime errors yield null. */
export function evaluateNode(node: Node, scope: Scope): unknown {
  try {
    return evalNode(node, scope) ?? null;
  } catch (err) {
    if (err instanceof EvalFailure || err instanceof RangeError) return null;
    throw err;
  }
}

/** A parsed, validated expression. */
export interface CompiledExpr {
  readonly source: string;
  /** The value, or null for missing data and runtime errors. */
  evaluate(scope: Scope): unknown;
  /** `truthy(evaluate(scope))`. */
  test(scope: Scope): boolean;
}

/** The names expressions may read, by where they run. */
export const EXPR_ROOTS = {
  rule: new Set(['slots', 'results', 'env']),
  pipelineRule: new Set(['slots', 'results', 'env', 'pipeline']),
  view: new Set(['slots', 'results', 'env']),
} as const;

/** Parse and validate `source` (throws `invalid_expression`), returning an evaluator. */
export function compileExpr(source: string, roots: ReadonlySet<string> = EXPR_ROOTS.pipelineRule): CompiledExpr {
  const node = parseExpr(source, roots);
  return {
    source,
    evaluate: (scope) => evaluateNode(node, scope),
    test: (scope) => truthy(evaluateNode(node, scope)),
  };
}
