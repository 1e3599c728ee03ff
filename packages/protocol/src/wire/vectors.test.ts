import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AgentTransferFrame, RunnerToWorkerFrame, UserTextFrame, WorkerToRunnerFrame } from './bridge.js';
import { ClientToServerFrame, ServerToClientFrame } from './client.js';
import { MAX_FRAME_BYTES } from './close-codes.js';
import { JobAckFrame, JobAssignFrame, OrchestratorToRunnerFrame, RegisteredFrame, RunnerToOrchestratorFrame } from './control.js';
import { FRAME_NAMES } from './names.js';
import { parseFrame } from './parse.js';

/**
 * Shared wire vectors (`packages/protocol/vectors/*.json`): frames built from the field tables of
 * the reference spec, section 3.3 (runner control) and section 4 (bridge), plus the text-transport
 * client frames. Other implementations (the SDK, a Python port) can replay the same files.
 *
 * A vector's `frame` is the text frame: a string is sent verbatim, anything else as its JSON.
 */
interface Vector {
  name: string;
  spec: string;
  direction: Direction;
  frame: unknown;
  valid: boolean;
  /** Valid vectors: fields (e.g. defaults) the parsed frame must contain. */
  expect?: Record<string, unknown>;
  /** Invalid vectors: the `parseFrame` failure kind. */
  kind?: 'not_json' | 'not_object' | 'unknown' | 'invalid';
}

type Direction = keyof typeof FRAME_NAMES;

type Union = z.ZodDiscriminatedUnion<Array<z.ZodObject>, string>;
const DIRECTIONS: Record<Direction, { schema: Union; key: 'type' | 'event' }> = {
  runnerToOrchestrator: { schema: RunnerToOrchestratorFrame as unknown as Union, key: 'type' },
  orchestratorToRunner: { schema: OrchestratorToRunnerFrame as unknown as Union, key: 'type' },
  workerToRunner: { schema: WorkerToRunnerFrame as unknown as Union, key: 'event' },
  runnerToWorker: { schema: RunnerToWorkerFrame as unknown as Union, key: 'event' },
  clientToServer: { schema: ClientToServerFrame as unknown as Union, key: 'event' },
  serverToClient: { schema: ServerToClientFrame as unknown as Union, key: 'event' },
};

const load = (file: string): Vector[] => JSON.parse(readFileSync(new URL(`../../vectors/${file}`, import.meta.url), 'utf8')) as Vector[];
const FILES = { 'control.json': load('control.json'), 'bridge.json': load('bridge.json'), 'client.json': load('client.json') };
const ALL = Object.values(FILES).flat();

const textOf = (v: Vector): string => (typeof v.frame === 'string' ? v.frame : JSON.stringify(v.frame));
const parse = (raw: string, direction: Direction) => {
  const { schema, key } = DIRECTIONS[direction];
  return parseFrame(raw, schema, key, FRAME_NAMES[direction]);
};

describe('wire vector files', () => {
  it.each(Object.entries(FILES))('%s is well-formed', (_file, vectors) => {
    expect(vectors.length).toBeGreaterThan(10);
    for (const v of vectors) {
      expect(Object.keys(DIRECTIONS), v.name).toContain(v.direction);
      expect(v.name.length).toBeGreaterThan(3);
      expect(v.spec.length).toBeGreaterThan(2);
      expect(typeof v.valid).toBe('boolean');
      if (v.valid) expect(v.kind, v.name).toBeUndefined();
      else expect(['not_json', 'not_object', 'unknown', 'invalid'], v.name).toContain(v.kind);
    }
    const ids = vectors.map((v) => `${v.direction}|${v.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps each file to its protocol', () => {
    const directions = (file: keyof typeof FILES) => new Set(FILES[file].map((v) => v.direction));
    expect([...directions('control.json')].sort()).toEqual(['orchestratorToRunner', 'runnerToOrchestrator']);
    expect([...directions('bridge.json')].sort()).toEqual(['runnerToWorker', 'workerToRunner']);
    expect([...directions('client.json')].sort()).toEqual(['clientToServer', 'serverToClient']);
  });
});

describe.each(Object.keys(DIRECTIONS) as Direction[])('%s vectors', (direction) => {
  const vectors = ALL.filter((v) => v.direction === direction);
  const { schema, key } = DIRECTIONS[direction];
  const options = new Map(schema.options.map((o) => [String((o.shape[key] as z.ZodLiteral).value), o]));

  it.each(vectors.map((v) => [`${v.valid ? 'valid' : `invalid (${v.kind})`}: ${v.name} [spec ${v.spec}]`, v] as const))('%s', (_label, v) => {
    const result = parse(textOf(v), direction);
    if (v.valid) {
      if (!result.ok) throw new Error(`expected valid, got ${result.kind}: ${result.message}`);
      // Loose objects: every field sent comes back (unknown ones pass through), defaults are added.
      expect(result.frame).toMatchObject(v.frame as object);
      if (v.expect) expect(result.frame).toMatchObject(v.expect);
    } else {
      expect(result.ok, `expected ${v.kind}`).toBe(false);
      if (!result.ok) {
        expect(result.kind).toBe(v.kind);
        expect(result.message.length).toBeGreaterThan(0);
        if (v.kind === 'unknown') expect(result.name).toBe((v.frame as Record<string, unknown>)[key]);
      }
    }
  });

  it.each([...FRAME_NAMES[direction]])('%s: has a valid vector without any optional field, and the valid ones cover every field', (name) => {
    const option = options.get(name)!;
    const fields = Object.keys(option.shape).filter((f) => f !== key);
    const optional = new Set(fields.filter((f) => (option.shape[f] as z.ZodType).safeParse(undefined).success));
    const valid = vectors.filter((v) => v.valid && typeof v.frame === 'object' && (v.frame as Record<string, unknown>)[key] === name);
    expect(valid.length, `no valid vector for ${name}`).toBeGreaterThan(0);

    const sentKeys = (v: Vector) => Object.keys(v.frame as object).filter((f) => f !== key);
    expect(valid.some((v) => sentKeys(v).every((f) => !optional.has(f))), `no minimal vector for ${name}`).toBe(true);
    const covered = new Set(valid.flatMap(sentKeys));
    expect(fields.filter((f) => !covered.has(f)), `fields of ${name} no valid vector sends`).toEqual([]);
  });

  it('has an invalid vector for every frame that has a required field or a constrained one', () => {
    const invalidNames = new Set(vectors.filter((v) => v.kind === 'invalid').map((v) => (v.frame as Record<string, unknown> | null)?.[key]));
    const constrained = [...FRAME_NAMES[direction]].filter((name) => {
      const shape = options.get(name)!.shape;
      return Object.keys(shape).some((f) => f !== key && !(shape[f] as z.ZodType).safeParse(undefined).success);
    });
    expect(constrained.filter((n) => !invalidNames.has(n))).toEqual([]);
    expect(vectors.some((v) => v.kind === 'unknown')).toBe(true);
  });
});

describe('parseFrame edge cases', () => {
  it.each(['', '{', '{"type":"heartbeat",}', 'undefined', "{'type':'x'}"])('not JSON: %j', (raw) => {
    const result = parse(raw, 'runnerToOrchestrator');
    expect(result).toMatchObject({ ok: false, kind: 'not_json' });
  });

  it.each(['[]', '1', '"text"', 'true', 'null'])('JSON but not an object: %s', (raw) => {
    expect(parse(raw, 'workerToRunner')).toMatchObject({ ok: false, kind: 'not_object' });
  });

  it('accepts a frame of exactly MAX_FRAME_BYTES and refuses one byte more as too_big', () => {
    const frameOf = (bytes: number) => {
      const head = '{"event":"agent.text.delta","text":"';
      return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
    };
    expect(frameOf(MAX_FRAME_BYTES).length).toBe(MAX_FRAME_BYTES);
    expect(parse(frameOf(MAX_FRAME_BYTES), 'runnerToWorker').ok).toBe(true);
    expect(parse(frameOf(MAX_FRAME_BYTES + 1), 'runnerToWorker')).toMatchObject({ ok: false, kind: 'too_big' });
  });

  it('measures the limit in UTF-8 bytes, not characters', () => {
    // 3 bytes per character in UTF-8: under the limit in characters, over it in bytes.
    const text = '€'.repeat(Math.ceil(MAX_FRAME_BYTES / 3));
    const raw = JSON.stringify({ event: 'agent.text.delta', text });
    expect(raw.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(parse(raw, 'runnerToWorker')).toMatchObject({ ok: false, kind: 'too_big' });
    const fits = JSON.stringify({ event: 'agent.text.delta', text: '€'.repeat(Math.floor((MAX_FRAME_BYTES - 100) / 3)) });
    expect(parse(fits, 'runnerToWorker').ok).toBe(true);
  });

  it('reports the bad field of a known frame as invalid with its name', () => {
    const result = parse('{"type":"job.assign","job_id":"j","call_id":"c","agent_id":"a","bridge_url":"u"}', 'orchestratorToRunner');
    expect(result).toMatchObject({ ok: false, kind: 'invalid', name: 'job.assign' });
    if (!result.ok) expect(result.message).toContain('call_token');
  });
});

/** Defaults a peer relies on when the other side omits a field (spec 3.3 and 4.3). */
describe('frame defaults', () => {
  it('job.assign: assign_id "" and deadline_ms 2000 (spec 3.3)', () => {
    const frame = JobAssignFrame.parse({ type: 'job.assign', job_id: 'j', call_id: 'c', agent_id: 'a', bridge_url: 'ws://h', call_token: 't' });
    expect(frame.assign_id).toBe('');
    expect(frame.deadline_ms).toBe(2000);
    expect(frame.metadata).toEqual({});
  });

  it('job.ack: assign_id "" and reason null (spec 3.3)', () => {
    expect(JobAckFrame.parse({ type: 'job.ack', job_id: 'j', accepted: true })).toMatchObject({ assign_id: '', reason: null });
  });

  it('registered: heartbeat_interval_s 30 and no transport_ack (spec 3.3)', () => {
    const frame = RegisteredFrame.parse({ type: 'registered' });
    expect(frame.heartbeat_interval_s).toBe(30);
    expect('transport_ack' in frame).toBe(false);
  });

  it('user.text: is_final true (spec 4.2)', () => {
    expect(UserTextFrame.parse({ event: 'user.text', text: 'hi' }).is_final).toBe(true);
    expect(UserTextFrame.parse({ event: 'user.text', text: 'hi', is_final: false }).is_final).toBe(false);
  });

  it('agent.transfer: transfer_type number, mode cold, announcement "" (spec 4.3)', () => {
    expect(AgentTransferFrame.parse({ event: 'agent.transfer', target: '+14155550100' })).toEqual({
      event: 'agent.transfer',
      target: '+14155550100',
      transfer_type: 'number',
      mode: 'cold',
      announcement: '',
    });
  });
});
