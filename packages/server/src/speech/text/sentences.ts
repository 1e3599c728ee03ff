/**
 * Sentence segmentation for text-to-speech. Whole-utterance engines (flite) render one sentence
 * per call, so the first sentence can play while the rest renders; the pipeline also uses
 * {@link SentenceChunker} to start speaking a streamed reply at its first complete sentence.
 */

/** Abbreviations whose trailing period does not end a sentence (lower case, without the period). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'ft', 'ave', 'blvd', 'rd', 'no', 'nos', 'vs', 'etc', 'inc',
  'ltd', 'co', 'corp', 'dept', 'est', 'approx', 'apt', 'fig', 'vol', 'ref', 'tel', 'ext', 'jan', 'feb', 'mar', 'apr',
  'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'gen',
  'gov', 'sen', 'rep', 'capt', 'lt', 'col', 'sgt', 'e.g', 'i.e', 'a.m', 'p.m', 'u.s', 'u.k', 'e.u', 'ph.d',
]);

/** Longest segment handed to an engine; longer sentences are cut at a clause boundary. */
const DEFAULT_MAX_CHARS = 280;

/** Whether the terminator at `text[i]` ends a sentence. */
function endsSentence(text: string, i: number): boolean {
  const ch = text[i]!;
  const next = text[i + 1];
  // A terminator must be followed by whitespace or the end (quotes and brackets may sit between).
  let j = i + 1;
  while (j < text.length && /["'”’)\]]/.test(text[j]!)) j++;
  if (j < text.length && !/\s/.test(text[j]!)) return false;
  if (ch !== '.') return true;
  if (next !== undefined && /\d/.test(next)) return false; // 3.14, $4.50
  // The word before the period.
  let k = i;
  while (k > 0 && /[\p{L}\p{N}.]/u.test(text[k - 1]!)) k--;
  const word = text.slice(k, i).toLowerCase();
  if (ABBREVIATIONS.has(word)) return false;
  if (/^\p{L}$/u.test(word) && /\p{Lu}/u.test(text[i - 1]!)) return false; // an initial: "J. Smith"
  if (/^(\p{L}\.)+\p{L}$/u.test(word)) return false; // "U.S.A" inner periods
  // "...approx. 5" or "no. 4": a lower-case word or a number after a period continues the sentence.
  const after = text.slice(j).trimStart();
  if (after.length > 0 && /^[a-z]/.test(after)) return false;
  return true;
}

/** Cuts an over-long sentence at the last clause boundary (`,;:—`) before `maxChars`, else at a space. */
function cutLong(sentence: string, maxChars: number): string[] {
  const out: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars);
    let cut = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '), window.lastIndexOf(' — '));
    if (cut < maxChars / 3) cut = window.lastIndexOf(' ');
    if (cut <= 0) cut = maxChars - 1;
    out.push(rest.slice(0, cut + 1).trim());
    rest = rest.slice(cut + 1).trim();
  }
  if (rest.length > 0) out.push(rest);
  return out;
}

/**
 * Splits text into sentences: at `.`, `!`, `?` and `…` followed by whitespace (not after
 * abbreviations, initials or inside numbers), and at blank lines. Sentences longer than
 * `maxChars` are cut at clause boundaries. Whitespace is normalised; empty pieces are dropped.
 */
export function splitSentences(text: string, maxChars = DEFAULT_MAX_CHARS): string[] {
  const sentences: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const flat = paragraph.replace(/\s+/g, ' ').trim();
    let start = 0;
    for (let i = 0; i < flat.length; i++) {
      const ch = flat[i]!;
      if (ch !== '.' && ch !== '!' && ch !== '?' && ch !== '…') continue;
      // Treat runs like "?!" or "..." as one terminator, decided at its last character.
      if (/[.!?…]/.test(flat[i + 1] ?? '')) continue;
      if (!endsSentence(flat, i)) continue;
      let end = i + 1;
      while (end < flat.length && /["'”’)\]]/.test(flat[end]!)) end++;
      sentences.push(flat.slice(start, end).trim());
      start = end;
    }
    sentences.push(flat.slice(start).trim());
  }
  return sentences.filter((s) => /[\p{L}\p{N}]/u.test(s)).flatMap((s) => cutLong(s, maxChars));
}

/**
 * Incremental splitter for streamed text (an LLM's reply arriving in deltas): `push` returns the
 * sentences completed so far, `flush` the remainder. A sentence is released only once the text
 * after its terminator shows it really ended.
 */
export class SentenceChunker {
  private buffer = '';

  constructor(private readonly maxChars = DEFAULT_MAX_CHARS) {}

  push(delta: string): string[] {
    this.buffer += delta;
    const parts = splitSentences(this.buffer, Number.MAX_SAFE_INTEGER);
    // The last piece may still grow (or its terminator may turn out to be an abbreviation).
    const complete = parts.slice(0, -1);
    if (complete.length === 0) return this.cutIfTooLong();
    const last = parts[parts.length - 1]!;
    const at = this.buffer.lastIndexOf(last);
    this.buffer = at >= 0 ? this.buffer.slice(at) : last;
    return complete.flatMap((s) => cutLong(s, this.maxChars));
  }

  flush(): string[] {
    const rest = splitSentences(this.buffer, this.maxChars);
    this.buffer = '';
    return rest;
  }

  private cutIfTooLong(): string[] {
    if (this.buffer.length <= this.maxChars * 1.5) return [];
    const pieces = cutLong(this.buffer.replace(/\s+/g, ' ').trim(), this.maxChars);
    this.buffer = pieces.pop() ?? '';
    return pieces;
  }
}
