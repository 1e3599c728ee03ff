/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit untyped, YAML-shaped playbook objects in place */
import { describe, expect, it } from 'vitest';
import { DialogMachine } from '../machine.js';
import { Playbook } from '../playbook/playbook.js';
import { scriptedHttp, SPA_CLOCK, spaPlaybook } from '../testing/spa.js';
import { replayLog, runScript, runSelfPlay, scoreReport } from './eval.js';

const factory = (playbook = spaPlaybook()) => () => new DialogMachine(playbook, { clock: SPA_CLOCK, http: scriptedHttp({ status: 201, data: { ref: 'E1' } }) });

describe('evaluation', () => {
  it('runs scripted conversations and reports every unmet expectation', async () => {
    const ok = await runScript(factory(), {
      name: 'happy path',
      turns: [
        { say: 'massage on 2026-03-13 for 2', expect: { checkpoint: 'collect', slots: { service: 'massage', guests: 2 } } },
        { say: 'yes' },
        { say: 'I am Jo', expect: { ended: true, reply_contains: 'reference is E1' } },
      ],
      expect_final: { outcome: 'booked', slots: { name: 'jo', date: '2026-03-13' } },
    });
    expect(ok).toMatchObject({ passed: true, completed: true, outcome: 'booked', slotAccuracy: 1, turns: 3 });

    const bad = await runScript(factory(), {
      name: 'wrong expectations',
      turns: [{ say: 'a facial', expect: { checkpoint: 'book', slots: { service: 'sauna' }, reply_matches: '^Goodbye' } }],
      expect_final: { ended: true },
    });
    expect(bad.passed).toBe(false);
    expect(bad.failures.map((f) => f.field)).toEqual(['checkpoint', 'slots.service', 'reply', 'ended']);
  });

  it('persona self-play: completion, slot accuracy against ground truth, score', async () => {
    const good = await runSelfPlay(factory(), { name: 'cooperative', goal: 'book a sauna', replies: ['sauna for 3 on friday', 'yes', 'name is Ada'], groundTruthSlots: { service: 'sauna', guests: 3, name: 'Ada' } });
    expect(good).toMatchObject({ completed: true, outcome: 'booked', slotAccuracy: 1, slotDiffs: [] });
    const vague = await runSelfPlay(factory(), { name: 'vague', goal: 'unsure', maxTurns: 3, replies: ['hmm', 'maybe', 'not sure'], groundTruthSlots: { service: 'facial' } });
    expect(vague).toMatchObject({ completed: false, turns: 3, slotAccuracy: 0, slotDiffs: [{ key: 'service', expected: 'facial', actual: null }] });
    const score = scoreReport([good, vague]);
    expect(score.completionRate).toBe(0.5);
    expect(score.meanSlotAccuracy).toBe(0.5);
    expect(score.objective).toBeGreaterThan(0.4);
    expect(score.objective).toBeLessThan(1);
  });

  it('replays a recorded call: stable on the same playbook, diffs on a changed one (pipeline writes never count as diffs)', async () => {
    const recorded = factory()();
    await recorded.start();
    for (const t of ['deep tissue on 2026-03-13 for 2', 'yes', 'name is Kai']) await recorded.turn(t);
    const log = recorded.exportLog({ raw: true });
    const make = (s: ConstructorParameters<typeof DialogMachine>[0], o: ConstructorParameters<typeof DialogMachine>[1]) => new DialogMachine(s, { ...o, http: scriptedHttp({ status: 201, data: { ref: 'E1' } }) });
    const same = await replayLog(spaPlaybook(), log, spaPlaybook(), make);
    expect(same).toMatchObject({ turns: 3, stable: true, diffs: [] });

    const spec = structuredClone(spaPlaybook().spec) as Record<string, any>;
    spec.journeys.spa.checkpoints[1].slots.service.synonyms = {};
    const changed = await replayLog(spaPlaybook(), log, Playbook.fromSpec(spec), make);
    expect(changed.stable).toBe(false);
    expect(changed.diffs[0]).toMatchObject({ turn: 1, kind: 'slot', key: 'service', recorded: 'massage', replayed: null });
  });
});
