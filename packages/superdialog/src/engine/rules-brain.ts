import type { CompiledCheckpoint, CompiledRule } from '../playbook/playbook.js';
import type { SlotSpec } from '../playbook/schema.js';
import { EMPTY_VERDICT, type Brain, type Director, type DirectorInput, type TalkInput, type Talker, type Verdict } from './brain.js';
import { display, spokenDate, spokenTime } from '../expr/template.js';
import { findDate, findEnum, findNumber, findTime, findYesNo } from './values.js';

/**
 * The rules provider: a deterministic brain that needs no model. The Director matches keywords,
 * regexes and small grammars (dates, times, numbers, yes/no, names) against the caller's words;
 * the Talker renders the checkpoint's `reply` template, or asks for the first missing slot. The
 * same phrase lists feed the speech hints, so what the recogniser is biased towards is exactly
 * what the rules understand.
 */

export const GOODBYE_PHRASES = ['goodbye', 'good bye', 'bye', "that's all", 'that is all', 'hang up', 'end the call', 'i have to go', 'gotta go'];
export const HUMAN_PHRASES = ['human', 'real person', 'a person', 'someone real', 'representative', 'operator', 'receptionist', 'talk to someone', 'speak to someone', 'manager'];
export const YES_PHRASES = ['yes', 'yeah', 'correct', "that's right", 'sure', 'go ahead', 'book it'];
export const NO_PHRASES = ['no', 'not quite', 'change it', 'wrong'];

const NAME_PATTERNS = [
  /\bmy name is ([a-z][a-z'-]*(?: [a-z][a-z'-]*)?)/i,
  /\bname(?:'s| is) ([a-z][a-z'-]*(?: [a-z][a-z'-]*)?)/i,
  /\b(?:this is|i am|i'm|it's|it is|call me) ([a-z][a-z'-]*(?: [a-z][a-z'-]*)?)\b/i,
];
const NOT_NAMES = new Set(['fine', 'good', 'great', 'okay', 'ok', 'here', 'calling', 'looking', 'interested', 'not', 'sure', 'just', 'yes', 'no', 'a', 'the', 'going', 'trying', 'wondering', 'available']);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const PHRASE_RES = new Map<string, RegExp>();

/** True when `text` contains `phrase` as whole words. */
export function mentions(text: string, phrase: string): boolean {
  let re = PHRASE_RES.get(phrase);
  if (!re) {
    re = new RegExp(`(^|[^a-z0-9'])${escape(phrase.toLowerCase())}([^a-z0-9']|$)`);
    if (PHRASE_RES.size < 10_000) PHRASE_RES.set(phrase, re);
  }
  return re.test(text.toLowerCase());
}

function keywordHit(text: string, keywords: readonly string[]): boolean {
  return keywords.some((k) => (k === '@yes' ? findYesNo(text) === true : k === '@no' ? findYesNo(text) === false : mentions(text, k)));
}

const titleCase = (s: string): string => s.replace(/\b[a-z]/g, (c) => c.toUpperCase());

/** The first required slot of `cp` that has no value, in declaration order. */
export function firstMissing(cp: CompiledCheckpoint, slots: Readonly<Record<string, unknown>>): string | null {
  for (const [key, spec] of Object.entries(cp.spec.slots)) if (spec.required && (slots[key] === undefined || slots[key] === null)) return key;
  return null;
}

function extractSlot(key: string, spec: SlotSpec, text: string, patterns: readonly RegExp[], asked: boolean, today: Date): unknown {
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) return (m[1] ?? m[0]).trim();
  }
  switch (spec.type) {
    case 'enum':
      return findEnum(text, spec);
    case 'date':
      return findDate(text, today);
    case 'time':
      return findTime(text) ?? (asked && /^\s*(?:at\s+)?(\d{1,2})\s*[.!]?\s*$/i.test(text) ? text.replace(/[^\d]/g, '') : null);
    case 'int':
    case 'float': {
      // Numbers that belong to a date or a time are not counts.
      const rest = text
        .replace(/\b\d{4}-\d{2}-\d{2}\b/g, ' ')
        .replace(/\b\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.|o'clock)|\b\d{1,2}:\d{2}\b/gi, ' ')
        .replace(/\b\d{1,2}(st|nd|rd|th)\b/gi, ' ')
        .replace(/\b(at|on|the)\s+\d{1,2}\b/gi, ' ');
      if (/\d/.test(rest) || asked) return findNumber(rest);
      // Unasked counts only in counting phrases: "for three", "two of us", "four people".
      const counted = /\bfor ([a-z]+(?: [a-z]+)?)\b|\b([a-z]+(?: [a-z]+)?) (?:of us|people|persons|guests|adults)\b/i.exec(rest);
      return counted ? findNumber(counted[1] ?? counted[2] ?? '') : null;
    }
    case 'bool':
      return asked ? findYesNo(text) : null;
    case 'str': {
      if (/name/i.test(key)) {
        for (const re of NAME_PATTERNS) {
          const m = re.exec(text);
          const first = m?.[1]?.split(' ')[0]?.toLowerCase();
          if (m && first && !NOT_NAMES.has(first)) return titleCase(m[1]!.split(' ').filter((w) => !NOT_NAMES.has(w.toLowerCase())).join(' '));
        }
      }
      if (!asked) return null;
      const cleaned = text.replace(/[^\p{L}\p{N}' -]/gu, ' ').trim().replace(/\s+/g, ' ');
      const words = cleaned.split(' ').filter(Boolean);
      if (words.length === 0 || words.length > 4 || findYesNo(cleaned) !== null) return null;
      return /name/i.test(key) ? titleCase(cleaned.toLowerCase()) : cleaned;
    }
    default:
      return null;
  }
}

/** The deterministic Director. */
export class RulesDirector implements Director {
  async decide(input: DirectorInput): Promise<Verdict> {
    const { text, checkpoint: cp, playbook, state } = input;
    const intents = playbook.spec.intents;
    if (intents.talk_to_human.enabled && [...HUMAN_PHRASES, ...intents.talk_to_human.keywords].some((p) => mentions(text, p))) return { ...EMPTY_VERDICT, intent: 'talk_to_human' };
    if (intents.goodbye.enabled && [...GOODBYE_PHRASES, ...intents.goodbye.keywords].some((p) => mentions(text, p))) return { ...EMPTY_VERDICT, intent: 'goodbye' };
    const interrupt = playbook.interrupts.find((i) => i.keywords.length > 0 && keywordHit(text, i.keywords));
    if (interrupt) return { ...EMPTY_VERDICT, interrupt: interrupt.id };

    const known: Record<string, unknown> = Object.fromEntries(Object.entries(state.slots).map(([k, v]) => [k, v.value]));
    const asked = firstMissing(cp, known);
    const slots: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(cp.spec.slots)) {
      const value = extractSlot(key, spec, text, cp.slotPatterns.get(key) ?? [], key === asked && Object.keys(slots).length === 0, input.today);
      if (value !== null && value !== undefined && value !== '') slots[key] = value;
    }
    // A free-text answer only counts for the asked slot when nothing more specific matched.
    if (asked && asked in slots && cp.spec.slots[asked]!.type === 'str' && Object.keys(slots).length > 1 && !/name/i.test(asked)) delete slots[asked];
    const yes = findYesNo(text) === true;
    const confirm = yes ? Object.entries(state.slots).filter(([k, v]) => v.status === 'provisional' && k in cp.spec.slots).map(([k]) => k) : [];
    const after = { ...known, ...slots };
    const met = (rule: CompiledRule): boolean =>
      rule.spec.requires.every((k) => {
        if (k in rule.spec.set) return true;
        if (after[k] === undefined || after[k] === null) return false;
        const hard = cp.hardSlots.has(k) || playbook.slotSpec(k)?.gate === 'hard';
        return !hard || confirm.includes(k) || (state.slots[k]?.status === 'confirmed' && !(k in slots));
      });
    let advance: string | null = null;
    const corrected = Object.keys(slots).some((k) => known[k] !== undefined && known[k] !== slots[k]);
    for (const rule of cp.rules) {
      if (rule.spec.judge !== 'llm') continue;
      // "No, Saturday instead" corrects the read-back in place: stay and read it again.
      if (corrected && rule.spec.keywords.includes('@no') && findYesNo(text) === false) continue;
      const cued = rule.spec.keywords.length > 0 || rule.match !== null;
      const hit = (rule.spec.keywords.length > 0 && keywordHit(text, rule.spec.keywords)) || (rule.match?.test(text) ?? false);
      if (cued ? hit : rule.spec.requires.length > 0 && met(rule)) {
        advance = rule.to;
        if (met(rule)) break;
      }
    }
    return { slots, confirm, advance, intent: null, interrupt: null, note: null };
  }
}

/** The templated Talker. */
export class RulesTalker implements Talker {
  async *speak(input: TalkInput, signal: AbortSignal): AsyncGenerator<string> {
    const text = this.reply(input);
    for (const piece of text.split(/(?<=\s)/)) {
      if (signal.aborted) return;
      if (piece) yield piece;
    }
  }

  reply(input: TalkInput): string {
    const { checkpoint: cp, scope, state, playbook } = input;
    const slots = (scope.slots ?? {}) as Record<string, unknown>;
    let text: string;
    if (cp.reply) text = cp.reply.render(scope).replace(/\s+/g, ' ').trim();
    else {
      const provisional = Object.entries(state.slots).filter(([k, v]) => v.status === 'provisional' && k in cp.spec.slots);
      const missing = firstMissing(cp, slots);
      if (provisional.length) {
        const said = provisional.map(([k, v]) => {
          const type = cp.spec.slots[k]?.type;
          const value = type === 'date' ? spokenDate(v.value) : type === 'time' ? spokenTime(v.value) : v.value;
          return `${k.replace(/_/g, ' ')} ${display(value)}`;
        });
        text = `Just to confirm: ${said.join(', ')}. Is that right?`;
      } else if (missing) {
        const spec = cp.spec.slots[missing]!;
        text = spec.ask ? (playbook.slotAsk(cp.ref, missing)?.render(scope) ?? spec.ask) : `Could you tell me your ${missing.replace(/_/g, ' ')}?`;
      } else text = cp.spec.goal || playbook.spec.lines.recovery;
    }
    const lastUser = state.transcript.length > 0 && state.transcript[state.transcript.length - 1]!.role === 'user';
    if (!input.progressed && lastUser && state.userTurnsInCheckpoint > 0 && firstMissing(cp, slots)) text = `${playbook.spec.lines.not_understood} ${text}`;
    return text || playbook.spec.lines.recovery;
  }
}

/** The rules provider as a brain. */
export function rulesBrain(): Brain {
  return { name: 'rules', director: new RulesDirector(), talker: new RulesTalker() };
}
