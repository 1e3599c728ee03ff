import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPgSchema, type PgSchema } from '@unpod/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, nowIso } from '../ids.js';
import { CallLogWriter } from './call-log-writer.js';
import { CallLogRepo, type CallLogEntry } from './repos/call-log.js';
import { Store } from './store.js';

const turn = (callId: string, seq: number, text: string): CallLogEntry => ({
  kind: 'turn',
  callId,
  turn: { seq, role: seq % 2 ? 'user' : 'agent', text, at: nowIso(), interrupted: false, heard_text: null },
});
const metrics = (callId: string, turnId: number, ttft: number): CallLogEntry => ({
  kind: 'metrics',
  callId,
  metrics: { turn_id: turnId, stt_ms: null, agent_ttft_ms: ttft, tts_ttfb_ms: null, ttfa_ms: ttft, agent_total_ms: ttft + 1, interrupted: false },
});
const event = (callId: string, type: string): CallLogEntry => ({ kind: 'event', callId, id: newId('call'), at: nowIso(), type, data: { type } });

/** A repo that counts the batches it is handed. */
class CountingRepo extends CallLogRepo {
  readonly batches: number[] = [];
  override write(entries: readonly CallLogEntry[]): Promise<void> {
    this.batches.push(entries.length);
    return super.write(entries);
  }
}

describe.each(['sqlite', 'postgres'] as const)('call log writes (%s)', (kind) => {
  let store: Store;
  let dataDir: string;
  let pg: PgSchema | undefined;
  let spaceId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-calllog-'));
    if (kind === 'postgres') pg = await createPgSchema('calllog');
    store = await Store.open({ databaseUrl: pg?.url ?? null, dataDir, migrate: true });
    spaceId = (await store.spaces.ensure('calllog')).space.id;
  });
  afterAll(async () => {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
    await pg?.drop();
  });

  const newCall = async () =>
    (
      await store.calls.create(spaceId, {
        pipe_id: null,
        agent_id: 'agent',
        direction: 'inbound',
        transport: 'text',
        from_number: null,
        to_number: null,
        instructions: null,
        data: {},
        node_id: null,
      })
    ).id;

  const writer = (delayMs = 5) => {
    const repo = new CountingRepo(store.db.kysely, store.db.kind);
    return { repo, writer: new CallLogWriter(repo, delayMs) };
  };

  it('writes what arrives within the window as one batch; once the last write resolves, every row is stored in order', async () => {
    const [a, b] = [await newCall(), await newCall()];
    const { repo, writer: w } = writer(20);
    const writes: Array<Promise<void>> = [];
    for (let seq = 1; seq <= 6; seq++) {
      writes.push(w.write(turn(a, seq, `a${seq}`)), w.write(turn(b, seq, `b${seq}`)));
      if (seq % 2 === 0) writes.push(w.write(metrics(a, seq / 2, seq)), w.write(metrics(b, seq / 2, seq)));
    }
    writes.push(w.write(event(a, 'first')), w.write(event(a, 'second')));
    await writes.at(-1);
    expect(repo.batches).toEqual([writes.length]);
    expect((await store.calls.transcript(a)).map((t) => t.text)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect((await store.calls.transcript(b)).map((t) => t.text)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
    expect((await store.calls.turnMetrics(a)).map((m) => [m.turn_id, m.agent_ttft_ms])).toEqual([[1, 2], [2, 4], [3, 6]]);
    expect((await store.calls.events(a)).map((e) => e.type)).toEqual(['first', 'second']);
    await Promise.all(writes);
  });

  it('keeps the last of several metric writes for one turn in a batch, and replaces stored metrics', async () => {
    const call = await newCall();
    const { writer: w } = writer();
    await w.write(metrics(call, 1, 10));
    void w.write(metrics(call, 1, 20));
    await w.write(metrics(call, 1, 30));
    expect((await store.calls.turnMetrics(call)).map((m) => m.agent_ttft_ms)).toEqual([30]);
  });

  it('splits large batches into several statements in one transaction', async () => {
    const call = await newCall();
    const { repo, writer: w } = writer(20);
    const writes = Array.from({ length: 150 }, (_, i) => w.write(turn(call, i + 1, `t${i + 1}`)));
    writes.push(w.write(metrics(call, 1, 1)), w.write(event(call, 'done')));
    await Promise.all(writes);
    expect(repo.batches).toEqual([152]);
    const transcript = await store.calls.transcript(call);
    expect(transcript.map((t) => t.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  });

  it('fails only the entry that cannot be written; the rest of its batch is stored', async () => {
    const call = await newCall();
    const { writer: w } = writer(20);
    const good = w.write(turn(call, 1, 'kept'));
    const bad = w.write(turn('SCL_doesnotexist', 1, 'orphan'));
    const alsoGood = w.write(event(call, 'kept too'));
    await expect(bad).rejects.toThrow();
    await Promise.all([good, alsoGood]);
    expect((await store.calls.transcript(call)).map((t) => t.text)).toEqual(['kept']);
    expect((await store.calls.events(call)).map((e) => e.type)).toEqual(['kept too']);
  });

  it('flushSoon and drain write at once instead of waiting out the window', async () => {
    const call = await newCall();
    const { writer: w } = writer(60_000);
    const started = performance.now();
    const first = w.write(turn(call, 1, 'one'));
    w.flushSoon();
    await first;
    const second = w.write(turn(call, 2, 'two'));
    await w.drain();
    await second;
    expect(performance.now() - started).toBeLessThan(10_000);
    expect((await store.calls.transcript(call)).map((t) => t.text)).toEqual(['one', 'two']);
  });
});
