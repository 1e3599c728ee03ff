import { z } from 'zod';
import { deepEqual } from '../expr/evaluate.js';
import { EventLog } from '../engine/events.js';
import type { DialogMachine, DialogMachineOptions, MachineSource } from '../machine.js';
import type { LlmProvider } from '../llm/types.js';
import { fold } from '../engine/state.js';
import type { Playbook } from '../playbook/playbook.js';

/**
 * Evaluation: scripted conversations with expectations, persona self-play, and replay of a
 * recorded call against a changed playbook. All of it runs through the same `DialogMachine`, so
 * rules mode evaluates offline and LLM mode evaluates the real prompts.
 */

const Expect = z.strictObject({
  checkpoint: z.string().optional(),
  slots: z.record(z.string(), z.unknown()).optional(),
  ended: z.boolean().optional(),
  outcome: z.string().optional(),
  reply_contains: z.string().optional(),
  reply_matches: z.string().optional(),
});

export const EvalScriptSchema = z.strictObject({
  name: z.string(),
  turns: z.array(z.strictObject({ say: z.string().min(1), expect: Expect.optional() })).min(1),
  expect_final: Expect.optional(),
});
export type EvalScript = z.infer<typeof EvalScriptSchema>;
/** A simulated caller in a suite file (`replies` scripts it offline; otherwise an LLM plays it). */
export const PersonaSchema = z.strictObject({
  name: z.string(),
  goal: z.string(),
  traits: z.string().optional(),
  max_turns: z.number().int().positive().default(12),
  replies: z.array(z.string()).optional(),
  ground_truth_slots: z.record(z.string(), z.unknown()).default({}),
});

export const EvalSuiteSchema = z
  .strictObject({ scripts: z.array(EvalScriptSchema).default([]), personas: z.array(PersonaSchema).default([]) })
  .refine((s) => s.scripts.length + s.personas.length > 0, 'a suite needs scripts or personas');

export interface Failure {
  turn: number | 'final';
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface ScriptResult {
  name: string;
  passed: boolean;
  failures: Failure[];
  turns: number;
  completed: boolean;
  outcome: string | null;
  /** Fraction of expected final slots that matched (1 when none were expected). */
  slotAccuracy: number;
  repairs: number;
  degraded: number;
  transcript: Array<{ role: string; text: string }>;
}

type Factory = () => DialogMachine;

const norm = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);

function check(machine: DialogMachine, reply: string, expect: z.infer<typeof Expect> | undefined, turn: number | 'final', failures: Failure[]): { matched: number; total: number } {
  let matched = 0;
  let total = 0;
  if (!expect) return { matched, total };
  const state = machine.playbookEngine?.runtime.state;
  const checkpoint = machine.state.checkpoint as string | null;
  if (expect.checkpoint !== undefined && checkpoint !== expect.checkpoint && !checkpoint?.endsWith(`.${expect.checkpoint}`)) {
    failures.push({ turn, field: 'checkpoint', expected: expect.checkpoint, actual: checkpoint });
  }
  for (const [key, want] of Object.entries(expect.slots ?? {})) {
    total += 1;
    const got = state?.slots[key]?.value ?? null;
    if (deepEqual(norm(got), norm(want))) matched += 1;
    else failures.push({ turn, field: `slots.${key}`, expected: want, actual: got });
  }
  if (expect.ended !== undefined && machine.isComplete !== expect.ended) failures.push({ turn, field: 'ended', expected: expect.ended, actual: machine.isComplete });
  if (expect.outcome !== undefined && (state?.outcome ?? null) !== expect.outcome) failures.push({ turn, field: 'outcome', expected: expect.outcome, actual: state?.outcome ?? null });
  if (expect.reply_contains !== undefined && !reply.toLowerCase().includes(expect.reply_contains.toLowerCase())) failures.push({ turn, field: 'reply', expected: expect.reply_contains, actual: reply });
  if (expect.reply_matches !== undefined && !new RegExp(expect.reply_matches, 'i').test(reply)) failures.push({ turn, field: 'reply', expected: expect.reply_matches, actual: reply });
  return { matched, total };
}

/** Run one scripted conversation and check every expectation. */
export async function runScript(factory: Factory, script: EvalScript): Promise<ScriptResult> {
  const machine = factory();
  const failures: Failure[] = [];
  await machine.start();
  let turns = 0;
  let last = '';
  for (const [i, t] of script.turns.entries()) {
    if (machine.isComplete) {
      failures.push({ turn: i + 1, field: 'ended', expected: false, actual: true });
      break;
    }
    last = (await machine.turn(t.say)).text;
    turns += 1;
    check(machine, last, t.expect, i + 1, failures);
  }
  const final = check(machine, last, script.expect_final, 'final', failures);
  const state = machine.playbookEngine?.runtime.state;
  return {
    name: script.name,
    passed: failures.length === 0,
    failures,
    turns,
    completed: machine.isComplete,
    outcome: state?.outcome ?? null,
    slotAccuracy: final.total === 0 ? 1 : final.matched / final.total,
    repairs: state?.repairCount ?? 0,
    degraded: state?.degradedCount ?? 0,
    transcript: machine.chatContext().map((m) => ({ role: m.role, text: m.content })),
  };
}

/** A simulated caller. `replies` scripts it (offline); otherwise `user` (an LLM) plays it. */
export interface SelfPlayPersona {
  name: string;
  goal: string;
  traits?: string;
  maxTurns?: number;
  groundTruthSlots?: Record<string, unknown>;
  replies?: string[];
}

export interface SelfPlayResult {
  persona: string;
  completed: boolean;
  outcome: string | null;
  turns: number;
  turnsPerCheckpoint: number;
  slotAccuracy: number;
  slotDiffs: Array<{ key: string; expected: unknown; actual: unknown }>;
  repairs: number;
  degraded: number;
  eventLogJsonl: string;
}

/** Let a simulated caller talk to the playbook until the call ends or `maxTurns`. */
export async function runSelfPlay(factory: Factory, persona: SelfPlayPersona, user?: LlmProvider): Promise<SelfPlayResult> {
  const machine = factory();
  let agent = (await machine.start()).text;
  const maxTurns = persona.maxTurns ?? 12;
  let turns = 0;
  const replies = [...(persona.replies ?? [])];
  while (!machine.isComplete && turns < maxTurns) {
    let said: string | undefined;
    if (persona.replies) said = replies.shift();
    else if (user) {
      const transcript = machine.chatContext().slice(-10);
      const completion = await user.complete({
        purpose: 'persona',
        messages: [
          { role: 'system', content: `You are a caller on the phone. ${persona.traits ?? ''}\nYour goal: ${persona.goal}\nReply with what you say next, one or two short sentences. Say goodbye when you are done.` },
          ...transcript.map((m) => (m.role === 'assistant' ? { role: 'user' as const, content: m.content } : { role: 'assistant' as const, content: m.content })),
          ...(transcript.length === 0 ? [{ role: 'user' as const, content: agent || '[the agent is silent]' }] : []),
        ],
      });
      said = completion.text.trim();
    }
    if (!said) break;
    agent = (await machine.turn(said)).text;
    turns += 1;
  }
  const engine = machine.playbookEngine;
  const state = engine?.runtime.state;
  const diffs: SelfPlayResult['slotDiffs'] = [];
  const truth = persona.groundTruthSlots ?? {};
  for (const [key, expected] of Object.entries(truth)) {
    const actual = state?.slots[key]?.value ?? null;
    if (!deepEqual(norm(actual), norm(expected))) diffs.push({ key, expected, actual });
  }
  const visited = new Set([...(state?.completed ?? []), state?.checkpoint ?? '']).size || 1;
  return {
    persona: persona.name,
    completed: machine.isComplete,
    outcome: state?.outcome ?? null,
    turns,
    turnsPerCheckpoint: turns / visited,
    slotAccuracy: Object.keys(truth).length === 0 ? 1 : 1 - diffs.length / Object.keys(truth).length,
    slotDiffs: diffs,
    repairs: state?.repairCount ?? 0,
    degraded: state?.degradedCount ?? 0,
    eventLogJsonl: engine?.log.toJsonl() ?? '',
  };
}

/** Weighted objective: 0.4 completion + 0.3 slot accuracy + 0.2 smoothness + 0.1 (1 - repair rate). */
export function scoreReport(results: ReadonlyArray<{ completed: boolean; slotAccuracy: number; turns: number; repairs: number; turnsPerCheckpoint?: number }>): {
  completionRate: number;
  meanSlotAccuracy: number;
  smoothness: number;
  repairRate: number;
  objective: number;
} {
  const n = results.length || 1;
  const completionRate = results.filter((r) => r.completed).length / n;
  const meanSlotAccuracy = results.reduce((s, r) => s + r.slotAccuracy, 0) / n;
  const tpc = results.reduce((s, r) => s + (r.turnsPerCheckpoint ?? 1), 0) / n;
  const smoothness = 1 / (1 + Math.max(0, tpc - 1));
  const turns = results.reduce((s, r) => s + r.turns, 0) || 1;
  const repairRate = Math.min(1, results.reduce((s, r) => s + r.repairs, 0) / turns);
  return { completionRate, meanSlotAccuracy, smoothness, repairRate, objective: 0.4 * completionRate + 0.3 * meanSlotAccuracy + 0.2 * smoothness + 0.1 * (1 - repairRate) };
}

export interface ReplayDiff {
  turn: number;
  kind: 'checkpoint' | 'slot' | 'ended';
  key?: string;
  recorded: unknown;
  replayed: unknown;
}

export interface ReplayReport {
  turns: number;
  diffs: ReplayDiff[];
  stable: boolean;
}

/**
 * Replay a recorded call's caller utterances against a (changed) playbook and compare, turn by
 * turn, where each side stood afterwards: checkpoint, slot values, ended. Both sides are compared
 * as folded state, so writes made by pipelines or policies are never mistaken for Director diffs.
 */
export async function replayLog(recorded: Playbook, jsonl: string, source: MachineSource, make: (source: MachineSource, options: DialogMachineOptions) => DialogMachine, options: DialogMachineOptions = {}): Promise<ReplayReport> {
  const log = EventLog.fromJsonl(jsonl);
  const events = log.events;
  const startedAt = events.find((e) => e.type === 'session_start');
  const clock = startedAt && startedAt.type === 'session_start' ? () => new Date(startedAt.started_at) : options.clock;
  const machine = make(source, { ...options, clock });
  await machine.start();
  const userIdx = events.map((e, i) => (e.type === 'utterance' && e.role === 'user' ? i : -1)).filter((i) => i >= 0);
  const diffs: ReplayDiff[] = [];
  for (const [n, idx] of userIdx.entries()) {
    const utter = events[idx]!;
    if (utter.type !== 'utterance') continue;
    await machine.turn(utter.text, { language: utter.language });
    const end = userIdx[n + 1] ?? events.length;
    const was = fold(events.slice(0, end), recorded);
    const now = machine.playbookEngine!.runtime.state;
    const turn = n + 1;
    if (was.checkpoint !== now.checkpoint) diffs.push({ turn, kind: 'checkpoint', recorded: was.checkpoint, replayed: now.checkpoint });
    for (const key of new Set([...Object.keys(was.slots), ...Object.keys(now.slots)])) {
      const a = was.slots[key]?.value ?? null;
      const b = now.slots[key]?.value ?? null;
      if (!deepEqual(a, b)) diffs.push({ turn, kind: 'slot', key, recorded: a, replayed: b });
    }
    if (was.ended !== now.ended) diffs.push({ turn, kind: 'ended', recorded: was.ended, replayed: now.ended });
    if (now.ended) break;
  }
  return { turns: userIdx.length, diffs, stable: diffs.length === 0 };
}
