import { describe, expect, it } from 'vitest';
import { SpeechSegmenter } from './vad-segmenter.js';

function run(probabilities: number[], frameMs = 20) {
  const s = new SpeechSegmenter({ threshold: 0.5, negativeThreshold: 0.35, minSpeechMs: 60, minSilenceMs: 100 });
  const events = probabilities.flatMap((p, i) => s.next(p, i * frameMs, frameMs) ?? []);
  const last = s.flush();
  return { events: last === undefined ? events : [...events, last], segmenter: s };
}

describe('SpeechSegmenter', () => {
  it('confirms speech after minSpeechMs and places it where it began', () => {
    const { events } = run([0, 0, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0]);
    expect(events).toEqual([
      { type: 'speech_start', atMs: 40 },
      { type: 'speech_end', atMs: 120, speechMs: 80 },
    ]);
  });

  it('ignores blips shorter than minSpeechMs and dips shorter than minSilenceMs', () => {
    expect(run([0, 0.9, 0.9, 0, 0, 0]).events).toEqual([]);
    const { events } = run([0.9, 0.9, 0.9, 0.1, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(events.map((e) => e.type)).toEqual(['speech_start', 'speech_end']);
  });

  it('holds speech while the probability stays between the two thresholds', () => {
    const { events } = run([0.9, 0.9, 0.9, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]);
    expect(events).toEqual([
      { type: 'speech_start', atMs: 0 },
      { type: 'speech_end', atMs: 180, speechMs: 180 },
    ]);
  });
});
