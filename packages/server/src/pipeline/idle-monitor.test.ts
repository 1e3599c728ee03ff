import { expect, test } from 'vitest';
import { IdleMonitor } from './idle-monitor.js';

const options = { silenceTimeoutMs: 8000, idleTimeoutMs: 30_000 };

test('silence fires once per quiet stretch, then idle timeout at the idle limit', () => {
  const m = new IdleMonitor(options, 0);
  expect(m.deadline()).toBe(8000);
  expect(m.check(7999)).toEqual([]);
  expect(m.check(8000)).toEqual([{ kind: 'silence', durationMs: 8000 }]);
  expect(m.deadline()).toBe(30_000);
  expect(m.check(20_000)).toEqual([]);
  expect(m.check(30_000)).toEqual([{ kind: 'idle_timeout' }]);
  expect(m.deadline()).toBeNull();
});

test('agent audio and a thinking runner pause the line; caller speech resets the idle count', () => {
  const m = new IdleMonitor(options, 0);
  m.agent(true, 1000);
  expect(m.deadline()).toBeNull();
  m.agent(false, 5000);
  // 1 s of quiet before the audio counts toward idle, not toward the new stretch's silence.
  expect(m.deadline()).toBe(13_000);
  m.runnerThinking(true, 6000);
  expect(m.deadline()).toBeNull();
  m.runnerThinking(false, 9000);
  expect(m.deadline()).toBe(17_000);
  m.caller(true, 10_000);
  m.caller(false, 12_000);
  expect(m.deadline()).toBe(20_000);
  expect(m.check(20_000)).toEqual([{ kind: 'silence', durationMs: 8000 }]);
  expect(m.deadline()).toBe(42_000);
});

test('prompts after each silence event do not keep a silent caller on the line forever', () => {
  const m = new IdleMonitor({ silenceTimeoutMs: 1000, idleTimeoutMs: 5000 }, 0);
  let now = 0;
  const fired: string[] = [];
  for (let i = 0; i < 10 && !fired.includes('idle_timeout'); i++) {
    now = m.deadline()!;
    for (const a of m.check(now)) fired.push(a.kind);
    if (fired.at(-1) === 'silence') {
      m.agent(true, now + 100);
      m.agent(false, now + 1100);
    }
  }
  expect(fired).toEqual(['silence', 'silence', 'silence', 'silence', 'idle_timeout']);
});
