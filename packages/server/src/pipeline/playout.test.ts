import { describe, expect, test } from 'vitest';
import { Playout, type PlayoutAudio } from './playout.js';

function audio(utteranceId: number, segmentIndex: number, segmentText: string, samples: number, interruptible = true): PlayoutAudio {
  return { utteranceId, kind: 'reply', interruptible, samples: new Int16Array(samples).fill(1000), segmentIndex, segmentText };
}

describe('Playout', () => {
  test('cuts audio into fixed frames, padding the last frame of an utterance with silence', () => {
    const p = new Playout(160);
    p.enqueue(audio(1, 0, 'hello there', 400));
    p.end(1, 'reply', true);
    const frames = [p.next(), p.next(), p.next()];
    expect(frames.map((f) => f?.samples.length)).toEqual([160, 160, 160]);
    expect(frames[2]!.samples[79]).toBe(1000);
    expect(frames[2]!.samples[80]).toBe(0);
    expect(frames[0]!.events).toEqual([{ type: 'started', utteranceId: 1, kind: 'reply', interruptible: true }]);
    expect(frames[2]!.events).toEqual([{ type: 'stopped', utteranceId: 1, kind: 'reply', interrupted: false, heardText: 'hello there', started: true }]);
    expect(p.next()).toBeNull();
  });

  test('a frame never mixes two utterances', () => {
    const p = new Playout(160);
    p.enqueue(audio(1, 0, 'one', 100));
    p.end(1, 'reply', true);
    p.enqueue(audio(2, 0, 'two', 100));
    expect(p.next()!.utteranceId).toBe(1);
    const second = p.next()!;
    expect(second.utteranceId).toBe(2);
    expect(second.events[0]).toMatchObject({ type: 'started', utteranceId: 2 });
  });

  test('heard text: whole sentences played plus the played share of the cut sentence', () => {
    const p = new Playout(100);
    p.enqueue(audio(1, 0, 'First sentence here.', 200));
    p.enqueue(audio(1, 1, 'one two three four five six seven eight nine ten', 1000));
    for (let i = 0; i < 2 + 5; i++) p.next();
    const [stopped] = p.flush();
    expect(stopped).toMatchObject({ type: 'stopped', utteranceId: 1, interrupted: true, heardText: 'First sentence here. one two three four five' });
    expect(p.heardText(1)).toBe('First sentence here. one two three four five');
    expect(p.next()).toBeNull();
  });

  test('waiting for synthesis is an underrun, not the end of the utterance', () => {
    const p = new Playout(100);
    p.enqueue(audio(1, 0, 'a', 100));
    expect(p.next()!.events.map((e) => e.type)).toEqual(['started']);
    expect(p.next()).toBeNull();
    expect(p.pendingUtterances).toBe(1);
    p.enqueue(audio(1, 1, 'b', 100));
    p.end(1, 'reply', true);
    expect(p.next()!.events.map((e) => e.type)).toEqual(['stopped']);
  });

  test('flush keeps non-interruptible audio and drops audio arriving later for flushed utterances', () => {
    const p = new Playout(100);
    p.enqueue(audio(1, 0, 'keep me', 200, false));
    p.enqueue(audio(2, 0, 'drop me', 200, true));
    expect(p.flush().map((e) => e.utteranceId)).toEqual([2]);
    p.enqueue(audio(2, 1, 'late', 200, true));
    expect(p.next()!.utteranceId).toBe(1);
    expect(p.next()!.utteranceId).toBe(1);
    expect(p.next()).toBeNull();
  });

  test('cutting an utterance before its audio arrived drops that audio and reports it stopped', () => {
    const p = new Playout(100);
    expect(p.flush(5)).toEqual([{ type: 'stopped', utteranceId: 5, kind: 'reply', interrupted: true, heardText: '', started: false }]);
    p.enqueue(audio(5, 0, 'too late', 300));
    expect(p.idle).toBe(true);
  });

  test('an utterance that ends without audio stops at once', () => {
    const p = new Playout(100);
    expect(p.end(9, 'say', true)).toEqual([{ type: 'stopped', utteranceId: 9, kind: 'say', interrupted: false, heardText: '', started: false }]);
  });
});
