/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit untyped, YAML-shaped playbook objects in place */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../errors.js';
import { loadPlaybook, parsePlaybook, playbookFromObject } from './load.js';

/** A minimal valid playbook; each test breaks one field. */
function base(): Record<string, any> {
  return {
    env: { API: 'http://127.0.0.1:1' },
    tools: [{ id: 'lookup', url: '{{ env.API }}/x', store_response_as: 'found' }],
    pipelines: [{ id: 'p', steps: [{ tool: 'lookup', on: { failed: 'main.start' } }] }],
    journeys: {
      main: {
        checkpoints: [
          { id: 'start', slots: { date: { type: 'date' }, kind: { type: 'enum', values: ['a', 'b'] } }, advance_when: [{ to: 'end', requires: ['date'] }] },
          { id: 'end', terminal: true },
        ],
      },
    },
  };
}

function issuesOf(raw: unknown): Array<{ file: string; path: string; reason: string }> {
  try {
    playbookFromObject(raw, 'book.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(LoadError);
    return [...(err as LoadError).issues];
  }
  throw new Error('expected a LoadError');
}

function expectIssue(mutate: (p: Record<string, any>) => void, path: string, reason: RegExp): void {
  const p = base();
  mutate(p);
  const issues = issuesOf(p);
  expect(issues.map((i) => `${i.path}: ${i.reason}`)).toContainEqual(expect.stringMatching(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: .*(${reason.source})`)));
  for (const i of issues) expect(i.file).toBe('book.yaml');
}

const cp = (p: Record<string, any>, i = 0): Record<string, any> => p.journeys.main.checkpoints[i];

describe('playbook loader: every malformed field is reported with file, path and reason', () => {
  it('accepts the base playbook and applies defaults', () => {
    const { playbook, format } = playbookFromObject(base());
    expect(format).toBe('playbook');
    expect(playbook.initial).toBe('main.start');
    expect(playbook.checkpoint('main.start').spec.gate).toBe('soft');
    expect(playbook.checkpoint('main.end').spec.outcome).toBe('end');
  });

  const cases: Array<[string, (p: Record<string, any>) => void, string, RegExp]> = [
    ['a misspelt top-level key', (p) => (p.jurneys = {}), '', /Unrecognized key.*jurneys/],
    ['no journeys', (p) => (p.journeys = {}), 'journeys', /at least one journey/],
    ['a "." in a journey name', (p) => (p.journeys['a.b'] = p.journeys.main), 'journeys.a.b', /must not contain/],
    ['a journey without checkpoints', (p) => (p.journeys.main.checkpoints = []), 'journeys.main.checkpoints', /at least one checkpoint/],
    ['a checkpoint without id', (p) => delete cp(p).id, 'journeys.main.checkpoints[0].id', /expected string/],
    ['a malformed checkpoint id', (p) => (cp(p).id = 'has space'), 'journeys.main.checkpoints[0].id', /must be a name/],
    ['a duplicate checkpoint id', (p) => (cp(p, 1).id = 'start'), 'journeys.main.checkpoints[1].id', /duplicate checkpoint id "start"/],
    ['an unknown slot type', (p) => (cp(p).slots.date.type = 'datetime'), 'journeys.main.checkpoints[0].slots.date.type', /Invalid option/],
    ['a non-boolean required', (p) => (cp(p).slots.date.required = 'yes'), 'journeys.main.checkpoints[0].slots.date.required', /expected boolean/],
    ['an enum without values', (p) => (cp(p).slots.kind.values = []), 'journeys.main.checkpoints[0].slots.kind.values', /needs at least one value/],
    ['a synonym for a non-member', (p) => (cp(p).slots.kind.synonyms = { c: ['see'] }), 'journeys.main.checkpoints[0].slots.kind.synonyms.c', /not one of the slot's values/],
    ['an invalid slot regex', (p) => (cp(p).slots.date.patterns = ['(']), 'journeys.main.checkpoints[0].slots.date.patterns[0]', /Invalid regular expression|Unterminated group/],
    ['an invalid gate', (p) => (cp(p).gate = 'firm'), 'journeys.main.checkpoints[0].gate', /Invalid option/],
    ['a rule to an unknown checkpoint', (p) => (cp(p).advance_when[0].to = 'nowhere'), 'journeys.main.checkpoints[0].advance_when[0].to', /unknown checkpoint "nowhere"/],
    ['a rule with an unknown judge', (p) => (cp(p).advance_when[0].judge = 'vibes'), 'journeys.main.checkpoints[0].advance_when[0].judge', /Invalid option/],
    ['an expr rule without when', (p) => (cp(p).advance_when[0].judge = 'expr'), 'journeys.main.checkpoints[0].advance_when[0].when', /needs a "when" expression/],
    ['an expr rule with arithmetic', (p) => Object.assign(cp(p).advance_when[0], { judge: 'expr', when: 'slots.n + 1 > 2' }), 'journeys.main.checkpoints[0].advance_when[0].when', /no arithmetic/],
    ['requires of an undeclared slot', (p) => (cp(p).advance_when[0].requires = ['ghost']), 'journeys.main.checkpoints[0].advance_when[0].requires[0]', /slot "ghost" is not declared/],
    ['an invalid rule regex', (p) => (cp(p).advance_when[0].match = '[z'), 'journeys.main.checkpoints[0].advance_when[0].match', /Invalid regular expression|Unterminated character class/],
    ['an auto checkpoint without rules', (p) => Object.assign(cp(p, 1), { auto: true }), 'journeys.main.checkpoints[1].auto', /needs at least one advance_when rule/],
    ['a guidance template syntax error', (p) => (cp(p).guidance = '{% if slots.date %}x'), 'journeys.main.checkpoints[0].guidance', /missing \{% endif %\}/],
    ['env in verbatim that is not exposed is fine, but an unknown root is not', (p) => (cp(p).say_verbatim = '{{ secrets.x }}'), 'journeys.main.checkpoints[0].say_verbatim', /unknown name "secrets"/],
    ['an unknown on_enter tool', (p) => (cp(p).on_enter = ['nope']), 'journeys.main.checkpoints[0].on_enter[0]', /unknown tool "nope"/],
    ['an unknown checkpoint pipeline', (p) => (cp(p).pipeline = 'nope'), 'journeys.main.checkpoints[0].pipeline', /unknown pipeline "nope"/],
    ['an unknown on_failure', (p) => (cp(p).on_failure = 'main.gone'), 'journeys.main.checkpoints[0].on_failure', /unknown checkpoint "main.gone"/],
    ['a non-positive turn budget', (p) => (cp(p).turn_budget = 0), 'journeys.main.checkpoints[0].turn_budget', /Too small/],
    ['a duplicate tool id', (p) => p.tools.push({ ...p.tools[0] }), 'tools[1].id', /duplicate tool id "lookup"/],
    ['an http tool without url', (p) => delete p.tools[0].url, 'tools[0].url', /needs a url/],
    ['a bad http method', (p) => (p.tools[0].method = 'FETCH'), 'tools[0].method', /Invalid option/],
    ['the reserved result key', (p) => (p.tools[0].store_response_as = 'pipeline'), 'tools[0].store_response_as', /reserved/],
    ['a tool guard that is not an expression', (p) => (p.tools[0].when = 'slots.a ='), 'tools[0].when', /assignment/],
    ['a tool url template naming an unknown root', (p) => (p.tools[0].url = '{{ views.x }}'), 'tools[0].url', /unknown name "views"/],
    ['a tool timeout out of range', (p) => (p.tools[0].timeout_s = 999), 'tools[0].timeout_s', /Too big/],
    ['a pipeline step with an unknown tool', (p) => (p.pipelines[0].steps[0].tool = 'nope'), 'pipelines[0].steps[0].tool', /unknown tool "nope"/],
    ['a pipeline branch key', (p) => (p.pipelines[0].steps[0].on = { done: 'continue' }), 'pipelines[0].steps[0].on.done', /branch must be ok, failed or http_<status>/],
    ['a pipeline retry above 10', (p) => (p.pipelines[0].steps[0].on = { failed: { retry: 11 } }), 'pipelines[0].steps[0].on.failed.retry', /Too big/],
    ['a pipeline route to an unknown checkpoint', (p) => (p.pipelines[0].steps[0].on = { failed: 'main.zzz' }), 'pipelines[0].steps[0].on.failed', /unknown checkpoint "main.zzz"/],
    ['a handler event name', (p) => (p.handlers = [{ id: 'h', on: 'email.x', pipeline: 'p' }]), 'handlers[0].on', /webhook.<name> or timer.<name>/],
    ['an interrupt to an unknown checkpoint', (p) => (p.interrupts = [{ id: 'faq', when: 'asks', to: 'faq' }]), 'interrupts[0].to', /unknown checkpoint "faq"/],
    ['a silence policy target', (p) => (p.policies = { silence: { then: 'main.x' } }), 'policies.silence.then', /unknown checkpoint "main.x"/],
    ['an unknown initial checkpoint', (p) => (p.initial = 'main.x'), 'initial', /unknown checkpoint "main.x"/],
    ['exposing an undeclared env key', (p) => (p.expose_env = ['TOKEN']), 'expose_env[0]', /not declared in env/],
    ['middleware refreshing with an unknown tool', (p) => (p.middleware = { refresh_with: 'nope' }), 'middleware.refresh_with', /unknown tool "nope"/],
    ['a dispatch entry to an unknown checkpoint', (p) => (p.dispatch = [{ intent: 'billing', to: 'billing' }]), 'dispatch[0].to', /unknown checkpoint "billing"/],
    ['a view that is not an expression', (p) => (p.views = { v: 'lambda: 1' }), 'views.v', /lambdas/],
  ];
  it.each(cases)('%s', (_name, mutate, path, reason) => expectIssue(mutate, path, reason));

  it('reports every problem at once, not just the first', () => {
    const p = base();
    cp(p).advance_when[0].to = 'nowhere';
    p.tools[0].store_response_as = 'pipeline';
    cp(p).on_enter = ['nope'];
    expect(issuesOf(p)).toHaveLength(3);
  });

  it('points YAML errors at the file and line, and reads YAML 1.2 booleans strictly', () => {
    const yaml = ['journeys:', '  main:', '    checkpoints:', '      - id: start', '        slots:', '          date:', '            type: datetime', '            required: yes'].join('\n');
    const err = (() => {
      try {
        parsePlaybook(yaml, { file: 'spa.yaml' });
      } catch (e) {
        return e as LoadError;
      }
      throw new Error('expected an error');
    })();
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'spa.yaml:7', path: 'journeys.main.checkpoints[0].slots.date.type' }),
        expect.objectContaining({ file: 'spa.yaml:8', path: 'journeys.main.checkpoints[0].slots.date.required', reason: expect.stringMatching(/expected boolean/) }),
      ]),
    );
    expect(() => parsePlaybook('journeys: [unclosed', { file: 'bad.yaml' })).toThrow(/bad.yaml(:1)?: <root>: invalid YAML/);
    expect(() => parsePlaybook('a: 1\na: 2', { file: 'dup.yaml' })).toThrow(/invalid YAML/);
  });

  it('loads files by extension (YAML, or JSON otherwise)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sd-load-'));
    await writeFile(path.join(dir, 'p.json'), JSON.stringify(base()));
    await writeFile(path.join(dir, 'broken.json'), '{"journeys": ');
    expect((await loadPlaybook(path.join(dir, 'p.json'))).playbook.checkpoints.size).toBe(2);
    await expect(loadPlaybook(path.join(dir, 'broken.json'))).rejects.toThrow(/broken.json: <root>: invalid JSON/);
  });
});

describe('simple format', () => {
  const simple = {
    name: 'Clinic',
    persona: { name: 'Ria', language: ['en', 'hi'], identity: 'You are Ria, a clinic receptionist.' },
    opening: 'Hello!',
    closing: 'Bye now.',
    facts: { hours: '9-5' },
    playbook: [
      { id: 'ask', purpose: 'Get the name', collect: ['name', { visit_date: { type: 'date' } }], done_when: 'both are known' },
      { id: 'bye', purpose: 'Close' },
    ],
  };

  it('lowers steps into checkpoints whose collected slots gate the rule (soft, so no deadlock)', () => {
    const { playbook, format } = playbookFromObject(simple);
    expect(format).toBe('simple');
    const ask = playbook.checkpoint('main.ask');
    expect(ask.spec.gate).toBe('soft');
    expect(ask.spec.guidance).toBe('Hello!');
    expect(ask.rules[0]).toMatchObject({ to: 'main.bye', spec: { requires: ['name', 'visit_date'], when: 'both are known' } });
    expect(ask.spec.slots.visit_date).toMatchObject({ type: 'date', required: true });
    expect(playbook.checkpoint('main.bye').spec).toMatchObject({ terminal: true, outcome: 'completed', say_verbatim: 'Bye now.' });
    expect(playbook.spec.persona).toMatch(/Default conversation language: en\. Also speaks: hi\./);
    expect(playbook.spec.persona).toMatch(/## Reference facts[\s\S]*hours: 9-5/);
  });

  it('reports malformed simple fields with their path', () => {
    const issues = issuesOf({ ...simple, playbook: [{ id: 'x', collect: ['bad key'] }], tone: 'grumpy' });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['playbook[0].collect[0]', 'tone']));
  });
});
