import { describe, expect, it } from 'vitest';
import { errorFromHttpStatus } from './errors.js';
import { confidenceOf, normalizeTranscript, normalizeWords } from './text.js';

describe('vendor transcript normalisation', () => {
  it('gives the contract form: lower case, no punctuation, single spaces; keeps apostrophes, hyphens inside words, digits', () => {
    expect(normalizeTranscript('  Hello, World!  I\'d like   twenty-one… "tickets" -- at 7:30.  ')).toBe("hello world i'd like twenty-one tickets at 7 30");
    expect(normalizeTranscript('¿Dónde está?')).toBe('dónde está');
    expect(normalizeTranscript('...')).toBe('');
  });

  it('drops words that normalise to nothing and clamps confidences', () => {
    expect(normalizeWords([{ word: 'Yes,', startMs: 0, endMs: 1, confidence: 1 }, { word: '—', startMs: 1, endMs: 2, confidence: 1 }])).toEqual([{ word: 'yes', startMs: 0, endMs: 1, confidence: 1 }]);
    expect([confidenceOf(1.4), confidenceOf(-1), confidenceOf('x'), confidenceOf(undefined, 0)]).toEqual([1, 0, 0.5, 0]);
  });
});

describe('HTTP status to SpeechError', () => {
  it.each([
    [401, 'provider_error', false],
    [403, 'provider_error', false],
    [400, 'provider_error', false],
    [404, 'provider_error', false],
    [415, 'bad_audio', false],
    [408, 'unavailable', true],
    [429, 'unavailable', true],
    [500, 'unavailable', true],
    [503, 'unavailable', true],
  ] as const)('HTTP %i is %s (retryable %s)', (status, code, retryable) => {
    const err = errorFromHttpStatus('deepgram', status, 'detail');
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.provider).toBe('deepgram');
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it('cuts long vendor text short', () => {
    expect(errorFromHttpStatus('openai', 500, 'x'.repeat(1000)).message.length).toBeLessThan(300);
  });
});
