import type { SttWord } from '../contracts/stt.js';

/**
 * Brings a vendor transcript to the contract's form: lower-case words separated by single
 * spaces, without punctuation (apostrophes inside words and digits are kept).
 */
export function normalizeTranscript(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s-]+/gu, ' ')
    .replace(/(^|\s)['-]+|['-]+(?=\s|$)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words with their text normalised; words that normalise to nothing are dropped. */
export function normalizeWords(words: readonly SttWord[]): SttWord[] {
  const out: SttWord[] = [];
  for (const w of words) {
    const word = normalizeTranscript(w.word);
    if (word !== '') out.push({ ...w, word });
  }
  return out;
}

/** Clamps a vendor confidence to 0..1; `fallback` when absent or not a number. */
export function confidenceOf(value: unknown, fallback = 0.5): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : fallback;
}
