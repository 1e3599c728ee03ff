import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './db.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDb(): Promise<{ file: string; db: BetterSqlite3.Database }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'unpod-sqlite-'));
  const file = path.join(dir, 'test.db');
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  cleanups.push(() => {
    if (db.open) db.close();
  });
  return { file, db };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SQLite prepared statement cache', () => {
  it('hands out one prepared statement per SQL text', async () => {
    const { db } = await tempDb();
    const cached = withStatementCache(db);
    const a = cached.prepare('select 1 as one');
    expect(cached.prepare('select 1 as one')).toBe(a);
    expect(cached.prepare('select 2 as two')).not.toBe(a);
    expect(a.all([])).toEqual([{ one: 1 }]);
  });

  it('never shares a statement that is still being iterated', async () => {
    const { db } = await tempDb();
    db.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const cached = withStatementCache(db);
    const first = cached.prepare('select n from t order by n');
    const iterator = first.iterate([]);
    iterator.next();
    const second = cached.prepare('select n from t order by n');
    expect(second).not.toBe(first);
    expect(second.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    iterator.return?.();
    expect(cached.prepare('select n from t order by n')).toBe(first);
  });

  it('drops the least recently used statement beyond its size', async () => {
    const { db } = await tempDb();
    const cached = withStatementCache(db, 2);
    const one = cached.prepare('select 1');
    const two = cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(one);
    cached.prepare('select 3');
    expect(cached.prepare('select 1')).toBe(one);
    expect(cached.prepare('select 2')).not.toBe(two);
  });
});

describe('background WAL checkpoints', () => {
  it('copies the WAL into the database file from a worker while the writer checkpoints nothing itself', async () => {
    const { file, db } = await tempDb();
    db.pragma('wal_autocheckpoint = 0');
    const failures: string[] = [];
    const checkpointer = new WalCheckpointer(file, (reason) => failures.push(reason), 20);
    cleanups.push(() => checkpointer.close());
    db.exec('create table t (payload text)');
    const insert = db.prepare('insert into t values (?)');
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run('x'.repeat(1000));
    })();
    // Only a checkpoint moves pages from the WAL into the main file.
    await until('the worker to checkpoint', () => statSync(file).size > 400_000);
    expect(failures).toEqual([]);
    await checkpointer.close();
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 500 });
  });

  it('reports a worker that cannot run, so the writer can checkpoint inline again', async () => {
    const failures: string[] = [];
    const checkpointer = new WalCheckpointer(path.join(tmpdir(), 'unpod-no-such-dir', 'x', 'test.db'), (reason) => failures.push(reason), 20);
    cleanups.push(() => checkpointer.close());
    await until('the failure report', () => failures.length > 0);
    expect(failures).toHaveLength(1);
  });
});
