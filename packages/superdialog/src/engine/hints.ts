import type { CompiledCheckpoint, Playbook } from '../playbook/playbook.js';
import { GOODBYE_PHRASES, HUMAN_PHRASES, NO_PHRASES, YES_PHRASES } from './rules-brain.js';
import type { ConversationState } from './state.js';

/** Most phrases sent per turn (the `agent.hints` verb accepts up to 1000). */
export const MAX_HINTS = 120;

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const HOURS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/**
 * Phrases the caller is likely to say at the current checkpoint, most specific first: what the
 * missing slots accept (enum values and synonyms, names from stored reference data, date, time
 * and number words), yes/no when something awaits confirmation or a rule listens for it, rule
 * and interrupt keywords, then the global intents. Sent to the speech engine with
 * `session.setHints(...)`; the rules provider matches exactly these phrases.
 *
 * When every slot still missing is free-form (a `str` with no values or reference data, such as
 * a name) the caller's answer cannot be listed, so no hints are given: a grammar of the other
 * phrases would pull the answer towards one of them ("my name is john" heard as "nine").
 */
export function speechHints(playbook: Playbook, state: Readonly<ConversationState>, cp: CompiledCheckpoint): string[] {
  const missing = Object.entries(cp.spec.slots).filter(([key, spec]) => !spec.authoritative && !(key in state.slots));
  if (missing.length > 0 && missing.every(([, spec]) => isFreeForm(spec))) return [];
  const out = new Set<string>();
  const add = (...phrases: string[]): void => {
    for (const p of phrases) if (p.trim()) out.add(p.trim().toLowerCase());
  };
  add(...cp.spec.hints);
  const slots = Object.entries(cp.spec.slots).sort(([a], [b]) => Number(a in state.slots) - Number(b in state.slots));
  for (const [key, spec] of slots) {
    if (spec.authoritative) continue;
    if (spec.type === 'enum') {
      add(...spec.values);
      for (const syns of Object.values(spec.synonyms)) add(...syns);
    }
    if (spec.resolve_from) {
      const data = state.results[spec.resolve_from.result]?.data;
      const list = Array.isArray(data) ? data : (data as Record<string, unknown> | null)?.[spec.resolve_from.list_field];
      if (Array.isArray(list)) for (const item of list) if (item && typeof item === 'object') add(String((item as Record<string, unknown>)[spec.resolve_from.name_field] ?? ''));
    }
    if (spec.type === 'date') add('today', 'tomorrow', 'day after tomorrow', ...WEEKDAYS, ...WEEKDAYS.map((d) => `next ${d}`), ...MONTHS);
    if (spec.type === 'time') add('morning', 'afternoon', 'evening', 'noon', "o'clock", 'half past', 'am', 'pm', ...HOURS);
    if (spec.type === 'int' || spec.type === 'float') add(...DIGITS);
    if (spec.type === 'bool') add(...YES_PHRASES, ...NO_PHRASES);
    void key;
  }
  const awaiting = Object.entries(state.slots).some(([k, v]) => v.status === 'provisional' && k in cp.spec.slots);
  const yesNoRule = cp.rules.some((r) => r.spec.keywords.some((k) => k === '@yes' || k === '@no'));
  if (awaiting || yesNoRule) add(...YES_PHRASES, ...NO_PHRASES);
  for (const r of cp.rules) add(...r.spec.keywords.filter((k) => !k.startsWith('@')));
  for (const i of playbook.interrupts) add(...i.keywords);
  const intents = playbook.spec.intents;
  if (intents.goodbye.enabled) add(...GOODBYE_PHRASES.slice(0, 3), ...intents.goodbye.keywords);
  if (intents.talk_to_human.enabled) add(...HUMAN_PHRASES.slice(0, 4), ...intents.talk_to_human.keywords);
  return [...out].slice(0, MAX_HINTS);
}

/** A slot whose possible values cannot be listed for a grammar. */
function isFreeForm(spec: CompiledCheckpoint['spec']['slots'][string]): boolean {
  return spec.type === 'str' && !spec.resolve_from && spec.values.length === 0;
}
