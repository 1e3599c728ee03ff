import type { DecodedSegment } from './decoder.js';

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/**
 * Turns a hint phrase into dictionary words: lower case, digits spoken one by one ("42" -> "four
 * two", as callers read out numbers), `&` -> "and", other punctuation dropped (apostrophes kept).
 */
export function phraseWords(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\d/g, (d) => ` ${DIGIT_WORDS[Number(d)]!} `)
    .replace(/[^\p{L}'\s-]/gu, ' ')
    .replace(/-/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

/** The result of {@link phrasesToJsgf}. */
export interface PhraseGrammar {
  /** `null` when no phrase survived. */
  jsgf: string | null;
  /** Phrases dropped because a word is not in the dictionary. */
  dropped: string[];
}

/**
 * Builds a JSGF grammar accepting exactly one of `phrases`. Phrases with a word the dictionary
 * lacks are dropped (pocketsphinx refuses the whole grammar otherwise).
 */
export function phrasesToJsgf(phrases: readonly string[], hasWord: (word: string) => boolean): PhraseGrammar {
  const kept = new Set<string>();
  const dropped: string[] = [];
  for (const phrase of phrases) {
    const words = phraseWords(phrase);
    if (words.length === 0) continue;
    if (words.every(hasWord)) kept.add(words.join(' '));
    else dropped.push(phrase);
  }
  if (kept.size === 0) return { jsgf: null, dropped };
  const alternatives = [...kept].join(' | ');
  return { jsgf: `#JSGF V1.0;\ngrammar unpod_hints;\npublic <hint> = ${alternatives} ;\n`, dropped };
}

/**
 * How well a grammar path explains the audio: the mean acoustic score per frame over the
 * recognised words (fillers and silence excluded), in the decoder's log units. pocketsphinx scores
 * every frame relative to the best-scoring senone of that frame, so this is a likelihood ratio
 * against an unconstrained phone sequence: near 0 when the words fit the sound, strongly negative
 * when the grammar forced words onto speech that says something else. `null` without words.
 */
export function grammarFit(segments: readonly DecodedSegment[]): number | null {
  let score = 0;
  let frames = 0;
  for (const s of segments) {
    if (s.filler) continue;
    score += s.acousticScore;
    frames += s.endFrame - s.startFrame + 1;
  }
  return frames > 0 ? score / frames : null;
}

/**
 * Default acceptance threshold for {@link grammarFit}. Measured on flite speech (16 kHz and 8 kHz
 * mu-law, folded or resampled) against a digits grammar: in-grammar utterances scored -13 to -31,
 * out-of-grammar sentences forced through it -34 to -47.
 */
export const DEFAULT_GRAMMAR_FIT_THRESHOLD = -33;

/** Confidence 0..1 from a fit: 0.5 at the threshold, rising as the fit approaches 0. */
export function grammarConfidence(fit: number, threshold: number): number {
  return 1 / (1 + Math.exp(-(fit - threshold) / 4));
}
