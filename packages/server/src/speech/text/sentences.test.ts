import { describe, expect, it } from 'vitest';
import { SentenceChunker, splitSentences } from './sentences.js';

describe('splitSentences', () => {
  it('splits at sentence terminators followed by space', () => {
    expect(splitSentences('Hello there. How are you? Great!')).toEqual(['Hello there.', 'How are you?', 'Great!']);
  });

  it('keeps abbreviations, initials and decimals inside a sentence', () => {
    expect(splitSentences('Dr. Smith met Mr. J. R. Jones at 3.30 p.m. today. It cost $4.50, e.g. a coffee.')).toEqual([
      'Dr. Smith met Mr. J. R. Jones at 3.30 p.m. today.',
      'It cost $4.50, e.g. a coffee.',
    ]);
  });

  it('does not split before a lower-case word or a number', () => {
    expect(splitSentences('Call ext. 4 now. Then wait approx. five minutes.')).toEqual(['Call ext. 4 now.', 'Then wait approx. five minutes.']);
  });

  it('treats runs of terminators and closing quotes as one ending', () => {
    expect(splitSentences('Really?! "Yes." Wait... okay.')).toEqual(['Really?!', '"Yes."', 'Wait... okay.']);
  });

  it('splits at blank lines and drops empty pieces', () => {
    expect(splitSentences('First line\n\nSecond line\n\n  \n')).toEqual(['First line', 'Second line']);
    expect(splitSentences(' ... ')).toEqual([]);
  });

  it('cuts very long sentences at clause boundaries', () => {
    const long = Array.from({ length: 30 }, (_, i) => `clause number ${i}`).join(', ') + '.';
    const parts = splitSentences(long, 100);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 100)).toBe(true);
    expect(parts.join(' ')).toBe(long);
  });
});

describe('SentenceChunker', () => {
  it('releases sentences as streamed text completes them', () => {
    const c = new SentenceChunker();
    expect(c.push('Hello the')).toEqual([]);
    expect(c.push('re. How ')).toEqual(['Hello there.']);
    expect(c.push('are you? I am Dr.')).toEqual(['How are you?']);
    expect(c.push(' Who.')).toEqual([]);
    expect(c.flush()).toEqual(['I am Dr. Who.']);
    expect(c.flush()).toEqual([]);
  });
});
