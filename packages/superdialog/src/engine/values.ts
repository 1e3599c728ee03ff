import type { SlotSpec } from '../playbook/schema.js';

/**
 * Typed slot values: coercion of what a model or a grammar extracted, and grammar-based finders
 * for dates, times and numbers inside an utterance. Dates resolve against the session's date in
 * its timezone (the anchor written at session start), never the server's local clock.
 */

export type Coerced = { ok: true; value: unknown } | { ok: false };

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const SMALL: Record<string, number> = {
  zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const ORDINALS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10, eleventh: 11, twelfth: 12,
  thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17, eighteenth: 18, nineteenth: 19, twentieth: 20,
  'twenty first': 21, 'twenty second': 22, 'twenty third': 23, 'twenty fourth': 24, 'twenty fifth': 25, 'twenty sixth': 26,
  'twenty seventh': 27, 'twenty eighth': 28, 'twenty ninth': 29, thirtieth: 30, 'thirty first': 31,
};

/** "twenty five" / "25" / "forty" -> number; null when not a number. */
export function parseNumber(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/-/g, ' ');
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const words = t.split(/\s+/).filter((w) => w !== 'and');
  if (words.length === 0) return null;
  let total = 0;
  let current = 0;
  for (const w of words) {
    if (w in SMALL) current += SMALL[w]!;
    else if (w in TENS) current += TENS[w]!;
    else if (w === 'hundred') current = (current || 1) * 100;
    else if (w === 'thousand') {
      total += (current || 1) * 1000;
      current = 0;
    } else return null;
  }
  return total + current;
}

/** The first number in `text`: digits, or a run of number words ("twenty five"). */
export function findNumber(text: string): number | null {
  const digits = /-?\d+(?:\.\d+)?/.exec(text);
  if (digits) return Number(digits[0]);
  const words = text.toLowerCase().replace(/-/g, ' ').split(/[^a-z]+/);
  for (let i = 0; i < words.length; i++) {
    let best: number | null = null;
    for (let j = i + 1; j <= Math.min(words.length, i + 4); j++) {
      const n = parseNumber(words.slice(i, j).join(' '));
      if (n === null) break;
      best = n;
    }
    if (best !== null) return best;
  }
  return null;
}

/** Today's calendar date in `timeZone`, as UTC-midnight Date (for day arithmetic). */
export function calendarDate(now: Date, timeZone: string): Date {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  } catch {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  }
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return new Date(Date.UTC(get('year'), get('month') - 1, get('day')));
}

const iso = (d: Date): string => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number): Date => new Date(d.getTime() + n * 86_400_000);

const MONTH_RE = `(${MONTHS.join('|')}|${MONTHS.map((m) => m.slice(0, 3)).join('|')})\\.?`;
const DAY_RE = `(\\d{1,2})(?:st|nd|rd|th)?`;
const DAY_MONTH = new RegExp(`\\b${DAY_RE}(?: of)? ${MONTH_RE}(?:,? (\\d{4}))?`);
const MONTH_DAY = new RegExp(`\\b${MONTH_RE} (?:the )?${DAY_RE}(?:,? (\\d{4}))?`);
const WEEKDAY_RE = new RegExp(`\\b(next|this|coming)?\\s*(${WEEKDAYS.join('|')})\\b`);
/** Spoken ordinals with a month, longest first ("twenty first" before "first"). */
const ORDINAL_RES: ReadonlyArray<[RegExp, RegExp, number]> = Object.entries(ORDINALS)
  .sort((a, b) => b[0].length - a[0].length)
  .map(([word, day]) => [new RegExp(`\\b(?:the )?${word}(?: of)? ${MONTH_RE}`), new RegExp(`\\b${MONTH_RE} (?:the )?${word}\\b`), day]);

/** The first date expression in `text`, as `YYYY-MM-DD`, or null. */
export function findDate(text: string, today: Date): string | null {
  const t = text.toLowerCase();
  let m = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(t);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!);
  if (/\bday after tomorrow\b/.test(t)) return iso(addDays(today, 2));
  if (/\btomorrow\b/.test(t)) return iso(addDays(today, 1));
  if (/\btoday\b|\btonight\b/.test(t)) return iso(today);
  if (/\byesterday\b/.test(t)) return iso(addDays(today, -1));
  m = /\bin (\w+) days?\b/.exec(t);
  if (m) {
    const n = parseNumber(m[1]!);
    if (n !== null && n >= 0 && n < 400) return iso(addDays(today, n));
  }
  m = DAY_MONTH.exec(t);
  if (m) return monthDay(today, monthIndex(m[2]!), +m[1]!, m[3] ? +m[3] : null);
  m = MONTH_DAY.exec(t);
  if (m) return monthDay(today, monthIndex(m[1]!), +m[2]!, m[3] ? +m[3] : null);
  for (const [before, after, day] of ORDINAL_RES) {
    m = before.exec(t);
    if (m) return monthDay(today, monthIndex(m[1]!), day, null);
    m = after.exec(t);
    if (m) return monthDay(today, monthIndex(m[1]!), day, null);
  }
  m = WEEKDAY_RE.exec(t);
  if (m) {
    const target = WEEKDAYS.indexOf(m[2]!);
    let delta = (target - today.getUTCDay() + 7) % 7;
    if (delta === 0 || (m[1] === 'next' && delta < 7 && /\bnext week\b/.test(t))) delta = delta || 7;
    return iso(addDays(today, delta));
  }
  return null;
}

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3)));
}

function validDate(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? iso(date) : null;
}

/** A month/day without a year is the next such date on or after today. */
function monthDay(today: Date, month: number, day: number, year: number | null): string | null {
  if (year !== null) return validDate(year, month + 1, day);
  const y = today.getUTCFullYear();
  const candidate = validDate(y, month + 1, day);
  if (candidate && candidate >= iso(today)) return candidate;
  return validDate(y + 1, month + 1, day);
}

const HOUR_WORD = `(\\d{1,2}|${Object.keys(SMALL).filter((w) => SMALL[w]! >= 1 && SMALL[w]! <= 12).join('|')})`;
const TIME_RE = new RegExp(`\\b(?:at\\s+)?${HOUR_WORD}(?:\\s+(thirty|fifteen|forty five|\\d{2}))?(\\s*o'?clock)?(?=\\s*(am|a m|pm|p m|in the|at night|o'?clock)|\\b)`, 'g');

/** The first time-of-day in `text`, as 24h `HH:MM`, or null. Without am/pm a 24h reading is kept. */
export function findTime(text: string): string | null {
  const t = text.toLowerCase().replace(/\./g, '');
  if (/\bnoon\b|\bmidday\b/.test(t)) return '12:00';
  if (/\bmidnight\b/.test(t)) return '00:00';
  const meridiem = (rest: string): 'am' | 'pm' | null => {
    if (/^\s*(am|a m|in the morning)\b/.test(rest)) return 'am';
    if (/^\s*(pm|p m|in the (afternoon|evening)|at night|tonight)\b/.test(rest)) return 'pm';
    return null;
  };
  const build = (h: number, min: number, mer: 'am' | 'pm' | null): string | null => {
    if (min < 0 || min > 59 || h < 0 || h > 23) return null;
    if (mer === 'pm' && h < 12) h += 12;
    if (mer === 'am' && h === 12) h = 0;
    return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
  };
  let m = /\b(half past|quarter past|quarter to)\s+(\w+)/.exec(t);
  if (m) {
    const h = parseNumber(m[2]!);
    if (h !== null && h >= 1 && h <= 12) {
      const rest = t.slice(m.index + m[0].length);
      if (m[1] === 'quarter to') return build(h - 1 === 0 ? 12 : h - 1, 45, meridiem(rest));
      return build(h, m[1] === 'half past' ? 30 : 15, meridiem(rest));
    }
  }
  m = /\b(\d{1,2}):(\d{2})\b/.exec(t);
  if (m) return build(+m[1]!, +m[2]!, meridiem(t.slice(m.index + m[0].length)));
  const re = TIME_RE;
  re.lastIndex = 0;
  for (m = re.exec(t); m; m = re.exec(t)) {
    const h = parseNumber(m[1]!);
    if (h === null || h > 23) continue;
    const rest = t.slice(m.index + m[0].length);
    const mer = meridiem(rest);
    const explicit = Boolean(mer || m[3] || /^\s*at\b/.test(m[0]) || m[2]);
    if (!explicit) continue;
    const min = m[2] ? (parseNumber(m[2]) ?? 0) : 0;
    return build(h, min, mer);
  }
  return null;
}

/** Yes/no in free text: true, false or null (neither, or both). */
export function findYesNo(text: string): boolean | null {
  const t = ` ${text.toLowerCase().replace(/[^a-z' ]/g, ' ')} `;
  const yes = /\b(yes|yeah|yep|yup|sure|correct|right|ok|okay|absolutely|definitely|please do|go ahead|sounds good|perfect|that's right|confirm|book it)\b/.test(t);
  const no = /\b(no|nope|nah|not really|wrong|incorrect|don't|do not|cancel|change)\b/.test(t);
  if (yes === no) return null;
  return yes;
}

/** Coerce a value into the slot's type; invalid values are rejected, never stored. */
export function coerce(value: unknown, spec: SlotSpec, today: Date): Coerced {
  if (value === null || value === undefined || value === '') return { ok: false };
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  switch (spec.type) {
    case 'str':
      return text ? { ok: true, value: text } : { ok: false };
    case 'int': {
      const n = text === null ? null : parseNumber(text);
      return n !== null && Number.isInteger(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'float': {
      const n = text === null ? null : parseNumber(text);
      return n !== null ? { ok: true, value: n } : { ok: false };
    }
    case 'bool': {
      if (typeof value === 'boolean') return { ok: true, value };
      if (text === null) return { ok: false };
      if (/^(1|true)$/i.test(text)) return { ok: true, value: true };
      if (/^(0|false)$/i.test(text)) return { ok: true, value: false };
      const yn = findYesNo(text);
      return yn === null ? { ok: false } : { ok: true, value: yn };
    }
    case 'enum': {
      if (text === null) return { ok: false };
      const member = enumMember(text, spec);
      return member === null ? { ok: false } : { ok: true, value: member };
    }
    case 'date': {
      if (text === null) return { ok: false };
      const d = findDate(text, today);
      return d ? { ok: true, value: d } : { ok: false };
    }
    case 'time': {
      if (text === null) return { ok: false };
      const t = findTime(text) ?? (/^\d{1,2}$/.test(text) && +text < 24 ? `${text.padStart(2, '0')}:00` : null);
      return t ? { ok: true, value: t } : { ok: false };
    }
    case 'array':
      return Array.isArray(value) ? { ok: true, value } : { ok: false };
    case 'object':
      return typeof value === 'object' && !Array.isArray(value) ? { ok: true, value } : { ok: false };
  }
}

const ENUM_RES = new Map<string, RegExp>();

/** Whole-word (optionally plural) matcher of a phrase, cached. */
function phraseRe(phrase: string): RegExp {
  let re = ENUM_RES.get(phrase);
  if (!re) {
    re = new RegExp(`(^|[^a-z0-9])${escape(phrase)}s?([^a-z0-9]|$)`);
    if (ENUM_RES.size < 10_000) ENUM_RES.set(phrase, re);
  }
  return re;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An enum member named (or a synonym of it) exactly by `text`. */
export function enumMember(text: string, spec: SlotSpec): string | null {
  const t = text.trim().toLowerCase();
  for (const v of spec.values) if (v.toLowerCase() === t) return v;
  for (const [v, syns] of Object.entries(spec.synonyms)) if (syns.some((s) => s.toLowerCase() === t)) return v;
  return findEnum(text, spec);
}

/** The enum member (or synonym) mentioned in `text`, longest phrase first. */
export function findEnum(text: string, spec: SlotSpec): string | null {
  const t = text.toLowerCase();
  const phrases: Array<[string, string]> = [];
  for (const v of spec.values) phrases.push([v.toLowerCase(), v]);
  for (const [v, syns] of Object.entries(spec.synonyms)) for (const s of syns) phrases.push([s.toLowerCase(), v]);
  phrases.sort((a, b) => b[0].length - a[0].length);
  for (const [phrase, member] of phrases) if (phraseRe(phrase).test(t)) return member;
  return null;
}
