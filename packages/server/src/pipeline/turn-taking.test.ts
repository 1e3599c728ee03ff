import { describe, expect, test } from 'vitest';
import { TurnTaker, type TurnAction } from './turn-taking.js';

const options = { silenceMs: 600, bargeIn: true, bargeInMinMs: 250 };

function kinds(actions: TurnAction[]): string[] {
  return actions.map((a) => a.kind);
}

/** Ticks the audio clock in 20 ms frames from `fromMs` to `toMs`, collecting actions. */
function run(taker: TurnTaker, fromMs: number, toMs: number): TurnAction[] {
  const out: TurnAction[] = [];
  for (let t = fromMs + 20; t <= toMs; t += 20) out.push(...taker.tick(t));
  return out;
}

describe('endpointing', () => {
  test('a turn ends silence_ms after the speech, once its final is in', () => {
    const taker = new TurnTaker(options);
    taker.speechStarted(1, 1000);
    expect(taker.speechStopped(2000, 5000)).toEqual([]);
    expect(kinds(taker.final(1, 'hello there', 5100, 2100))).toEqual(['partial']);
    expect(run(taker, 2100, 2580)).toEqual([]);
    const done = run(taker, 2580, 2600);
    expect(done).toEqual([{ kind: 'turn', text: 'hello there', speechEndWallMs: 5000, finalWallMs: 5100 }]);
    expect(taker.turnOpen).toBe(false);
  });

  test('a turn waits for a late final, then ends at once', () => {
    const taker = new TurnTaker(options);
    taker.speechStarted(1, 0);
    taker.speechStopped(500, 500);
    expect(run(taker, 500, 1500)).toEqual([]);
    expect(kinds(taker.final(1, 'late', 1600, 1500))).toEqual(['partial', 'turn']);
  });

  test('speech resuming before the silence elapses continues the same turn', () => {
    const taker = new TurnTaker(options);
    taker.speechStarted(1, 0);
    taker.speechStopped(800, 800);
    taker.final(1, 'my order number is', 900, 900);
    run(taker, 800, 1200);
    taker.speechStarted(2, 1200);
    expect(run(taker, 1200, 2000)).toEqual([]);
    taker.speechStopped(2000, 2000);
    taker.final(2, 'four five six', 2100, 2100);
    expect(run(taker, 2100, 2600)).toContainEqual({ kind: 'turn', text: 'my order number is four five six', speechEndWallMs: 2000, finalWallMs: 2100 });
  });

  test('partials report the whole turn so far', () => {
    const taker = new TurnTaker(options);
    taker.speechStarted(1, 0);
    taker.speechStopped(500, 500);
    taker.final(1, 'book a table', 550, 550);
    taker.speechStarted(2, 700);
    expect(taker.partial(2, 'for two')).toEqual([{ kind: 'partial', text: 'book a table for two' }]);
  });

  test('a segment cut at the turn cap ends the turn without waiting for silence', () => {
    const taker = new TurnTaker(options);
    taker.speechStarted(1, 0);
    taker.speechStopped(30_000, 30_000, true);
    expect(kinds(taker.final(1, 'a very long monologue', 30_100, 30_000))).toEqual(['partial', 'turn']);
  });

  test('speech with an empty final is noise, not a turn', () => {
    const taker = new TurnTaker(options);
    taker.speechStarted(1, 0);
    taker.speechStopped(300, 300);
    taker.final(1, '', 350, 350);
    expect(run(taker, 300, 1000)).toEqual([{ kind: 'discard', reason: 'noise' }]);
  });
});

describe('barge-in', () => {
  test('speech over agent audio holds it at barge_in_min_ms and interrupts on a real word', () => {
    const taker = new TurnTaker(options);
    taker.agentStarted(7, true);
    taker.speechStarted(1, 1000);
    expect(run(taker, 1000, 1240)).toEqual([]);
    expect(run(taker, 1240, 1260)).toEqual([{ kind: 'hold' }]);
    expect(taker.holding).toBe(true);
    expect(taker.partial(1, 'stop')).toEqual([]);
    expect(kinds(taker.partial(1, 'stop that'))).toEqual(['interrupt', 'partial', 'partial']);
    taker.agentStopped(7);
    taker.speechStopped(1800, 1800);
    taker.final(1, 'stop please', 1900, 1900);
    expect(kinds(run(taker, 1900, 2500))).toEqual(['turn']);
  });

  test('a backchannel holds the audio, then resumes it and makes no turn', () => {
    const taker = new TurnTaker(options);
    taker.agentStarted(7, true);
    taker.speechStarted(1, 1000);
    expect(run(taker, 1000, 1300)).toEqual([{ kind: 'hold' }]);
    expect(taker.partial(1, 'yeah')).toEqual([]);
    taker.speechStopped(1400, 1400);
    expect(taker.final(1, 'yeah okay', 1500, 1500)).toEqual([{ kind: 'resume' }, { kind: 'discard', reason: 'backchannel' }]);
    expect(taker.turnOpen).toBe(false);
    expect(taker.holding).toBe(false);
  });

  test('an early one-word partial does not interrupt; the final decides', () => {
    const taker = new TurnTaker(options);
    taker.agentStarted(7, true);
    taker.speechStarted(1, 0);
    expect(kinds(run(taker, 0, 300))).toEqual(['hold']);
    expect(taker.partial(1, 'bell')).toEqual([]);
    taker.speechStopped(400, 400);
    expect(kinds(taker.final(1, 'okay', 500, 500))).toEqual(['resume', 'discard']);
  });

  test('a short real word in the final interrupts', () => {
    const taker = new TurnTaker(options);
    taker.agentStarted(7, true);
    taker.speechStarted(1, 0);
    run(taker, 0, 300);
    taker.speechStopped(500, 500);
    expect(kinds(taker.final(1, 'stop', 600, 600))).toEqual(['interrupt', 'partial', 'partial']);
  });

  test('held speech longer than a backchannel interrupts even before any word is recognised', () => {
    const taker = new TurnTaker({ ...options, backchannelMaxMs: 1000 });
    taker.agentStarted(7, true);
    taker.speechStarted(1, 0);
    expect(kinds(run(taker, 0, 980))).toEqual(['hold']);
    expect(kinds(run(taker, 980, 1000))).toEqual(['interrupt', 'partial']);
  });

  test('speech shorter than barge_in_min_ms over agent audio is dropped', () => {
    const taker = new TurnTaker(options);
    taker.agentStarted(7, true);
    taker.speechStarted(1, 0);
    run(taker, 0, 200);
    taker.speechStopped(200, 200);
    taker.final(1, 'hm', 250, 250);
    expect(run(taker, 250, 900)).toEqual([{ kind: 'discard', reason: 'too_short' }]);
  });

  test('with barge_in off, speech over agent audio is ignored', () => {
    const taker = new TurnTaker({ ...options, bargeIn: false });
    taker.agentStarted(7, true);
    taker.speechStarted(1, 0);
    expect(run(taker, 0, 2000)).toEqual([]);
    taker.speechStopped(2000, 2000);
    taker.final(1, 'hello hello', 2100, 2100);
    expect(run(taker, 2100, 2700)).toEqual([{ kind: 'discard', reason: 'not_interruptible' }]);
  });

  test('a non-interruptible utterance is never held', () => {
    const taker = new TurnTaker(options);
    taker.agentStarted(3, false);
    taker.speechStarted(1, 0);
    expect(run(taker, 0, 1500)).toEqual([]);
  });

  test('speech over the tail of agent audio becomes a turn when the audio ends first', () => {
    const taker = new TurnTaker(options);
    taker.agentStarted(7, true);
    taker.speechStarted(1, 0);
    run(taker, 0, 100);
    taker.agentStopped(7);
    taker.speechStopped(1000, 1000);
    taker.final(1, 'hello', 1100, 1100);
    expect(kinds(run(taker, 1100, 1700))).toEqual(['turn']);
  });
});
