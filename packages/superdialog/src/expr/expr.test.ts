import { describe, expect, it } from 'vitest';
import { SuperDialogError } from '../errors.js';
import { compileExpr, EXPR_ROOTS } from './evaluate.js';
import { compileTemplate, TEMPLATE_ROOTS } from './template.js';

const scope = {
  slots: { city: 'Pune', count: 3, tags: ['a', 'b', 'a'], empty: [], zero: 0, flag: false, nested: { x: { y: 1 } } },
  results: { lookup: { ok: true, status: 200, data: { items: [{ name: 'Ana', id: 7 }, { name: 'Bo', id: 9 }] } } },
  env: { REGION: 'eu' },
  pipeline: { ok: true, failed: false },
};
const ev = (src: string): unknown => compileExpr(src).evaluate(scope);
const rejects = (src: string, reason: RegExp): void => {
  expect(() => compileExpr(src)).toThrow(SuperDialogError);
  expect(() => compileExpr(src)).toThrow(reason);
};

describe('expr: the whitelist', () => {
  it('reads roots, attributes, subscripts and negative indexes', () => {
    expect(ev('slots.city')).toBe('Pune');
    expect(ev("slots['city']")).toBe('Pune');
    expect(ev('slots.tags[-1]')).toBe('a');
    expect(ev('slots.nested.x.y')).toBe(1);
    expect(ev("results.lookup.data.items[1]['id']")).toBe(9);
  });

  it('compares with chaining, membership and identity', () => {
    expect(ev('1 < slots.count <= 3')).toBe(true);
    expect(ev('1 < slots.count < 3')).toBe(false);
    expect(ev("'Pu' in slots.city")).toBe(true);
    expect(ev("'c' not in slots.tags")).toBe(true);
    expect(ev("slots.city in ('Pune', 'Mumbai')")).toBe(true);
    expect(ev("'city' in slots")).toBe(true);
    expect(ev('slots.missing is None')).toBe(true);
    expect(ev('slots.flag is not None')).toBe(true);
    expect(ev('[1, [2]] == [1, [2]]')).toBe(true);
  });

  it('and / or return operands like Python; not and unary minus', () => {
    expect(ev("slots.missing or 'fallback'")).toBe('fallback');
    expect(ev('slots.count and slots.city')).toBe('Pune');
    expect(ev('slots.zero and slots.city')).toBe(0);
    expect(ev('not slots.empty')).toBe(true);
    expect(ev('-slots.count < 0')).toBe(true);
  });

  it('calls only helpers, with their documented edge cases', () => {
    expect(ev('len(slots.missing)')).toBe(0);
    expect(ev('len(slots.tags)')).toBe(3);
    expect(ev('first(slots.empty)')).toBeNull();
    expect(ev('last(slots.tags)')).toBe('a');
    expect(ev("pluck(results.lookup.data.items, 'name')")).toEqual(['Ana', 'Bo']);
    expect(ev('unique(slots.tags)')).toEqual(['a', 'b']);
    expect(ev('max(3, 9, 4)')).toBe(9);
    expect(ev("min(pluck(results.lookup.data.items, 'id'))")).toBe(7);
    expect(ev('min(slots.empty)')).toBeNull();
    expect(ev('any([0, slots.count])')).toBe(true);
    expect(ev('all([1, slots.zero])')).toBe(false);
  });

  it('any([]) and all([]) are null, so an empty list never satisfies a rule', () => {
    expect(ev('all([])')).toBeNull();
    expect(ev('any(slots.empty)')).toBeNull();
    expect(compileExpr('all(slots.empty)').test(scope)).toBe(false);
  });

  it('missing data is null, and reading through null stays null', () => {
    expect(ev('slots.nope.deeper[3].x')).toBeNull();
    expect(ev('slots.nope == None')).toBe(true);
    expect(ev("slots.city.length")).toBeNull();
    expect(ev('slots.tags[10]')).toBeNull();
    expect(ev("slots['_private']")).toBeNull();
  });

  it('runtime type errors make the whole expression null (falsy)', () => {
    expect(ev("slots.city < 3")).toBeNull();
    expect(ev('len(slots.count)')).toBeNull();
    expect(ev("-slots.city")).toBeNull();
    expect(ev('1 in slots.count')).toBeNull();
    expect(ev('not (slots.city < 3)')).toBeNull();
    expect(compileExpr("slots.city > 2").test(scope)).toBe(false);
  });

  it('rejects everything off the whitelist at compile time, naming the reason', () => {
    rejects('slots.count + 1', /arithmetic/);
    rejects('slots.count * 2', /arithmetic/);
    rejects('slots.count - 1', /arithmetic/);
    rejects('[x for x in slots.tags]', /comprehensions/);
    rejects('lambda: 1', /lambdas/);
    rejects("{'a': 1}", /dict/);
    rejects("f'{slots.city}'", /f-strings/);
    rejects('slots.__class__', /private/);
    rejects('_secret', /private/);
    rejects('os.system', /unknown name "os"/);
    rejects('open("x")', /only helper|not allowed/);
    rejects('slots.city.upper()', /only helper functions/);
    rejects('slots.tags[0:1]', /slices/);
    rejects('1 if slots.city else 2', /conditional/);
    rejects('slots.city = 1', /assignment/);
    rejects('len', /must be called/);
    rejects('slots.city ==', /unexpected end/);
    rejects("'unterminated", /unterminated/);
    rejects('x'.repeat(5000), /longer than 4096/);
    rejects('', /empty/);
  });

  it('only a pipeline-owning checkpoint may read `pipeline`', () => {
    expect(() => compileExpr('pipeline.ok', EXPR_ROOTS.rule)).toThrow(/unknown name "pipeline"/);
    expect(compileExpr('pipeline.ok', EXPR_ROOTS.pipelineRule).test(scope)).toBe(true);
  });
});

describe('templates', () => {
  const t = (src: string, s: Record<string, unknown> = scope): string => compileTemplate(src, TEMPLATE_ROOTS.talker).render(s);

  it('renders values, missing values as empty, and filters', () => {
    expect(t('Hi {{ slots.city }}!')).toBe('Hi Pune!');
    expect(t('[{{ slots.nope.x }}]')).toBe('[]');
    expect(t("{{ slots.nope | default('someone') }}")).toBe('someone');
    expect(t("{{ slots.tags | join('-') | upper }}")).toBe('A-B-A');
    expect(t("{{ '2026-11-30' | spoken_date }} at {{ '14:30' | spoken_time }}")).toBe('Monday 30 November at 2:30 pm');
  });

  it('supports if/elif/else ladders and template-local set', () => {
    const src = "{% set n = len(slots.tags) %}{% if n > 5 %}many{% elif n > 1 %}some {{ n }}{% else %}few{% endif %}";
    expect(t(src)).toBe('some 3');
    expect(t('{# note #}{% if slots.missing %}x{% endif %}ok')).toBe('ok');
  });

  it('fails at compile time on syntax errors and unknown names', () => {
    expect(() => compileTemplate('{% if slots.city %}open', TEMPLATE_ROOTS.talker)).toThrow(/endif/);
    expect(() => compileTemplate('{{ secrets.KEY }}', TEMPLATE_ROOTS.talker)).toThrow(/unknown name "secrets"/);
    expect(() => compileTemplate('{{ slots.city | shell }}', TEMPLATE_ROOTS.talker)).toThrow(/unknown template filter/);
    expect(() => compileTemplate('{% for x in slots.tags %}{% endfor %}', TEMPLATE_ROOTS.talker)).toThrow(/unsupported template tag/);
  });

  it('value() keeps the type of a lone expression (typed tool arguments)', () => {
    expect(compileTemplate('{{ slots.count }}', TEMPLATE_ROOTS.tool).value(scope)).toBe(3);
    expect(compileTemplate('n={{ slots.count }}', TEMPLATE_ROOTS.tool).value(scope)).toBe('n=3');
  });
});
