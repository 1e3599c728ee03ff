import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** An open store: the typed query builder plus what kind of engine sits behind it. */
export interface Db {
  kysely: Kysely<Database>;
  kind: 'sqlite' | 'postgres';
  /** Human-readable location without credentials, for logs and `unpod migrate` output. */
  location: string;
  /** PostgreSQL: the schema this store lives in (from `?schema=`, else the connection's current schema). */
  schema?: string;
  close(): Promise<void>;
}

export interface DbOptions {
  /** `postgres://...` (optionally `?schema=NAME`), `sqlite:PATH`, `sqlite::memory:`, or null for the default file. */
  databaseUrl: string | null;
  dataDir: string;
  /** Max PostgreSQL connections in this process's pool. */
  poolSize?: number;
  /**
   * SQLite file: checkpoint the WAL from a worker thread instead of inside commits (long-running
   * servers; see `WalCheckpointer`). `warn` hears if that stops working.
   */
  backgroundCheckpoint?: { warn: (message: string) => void };
}

/** Open the configured store. SQLite runs in WAL mode with foreign keys enforced. */
export async function openDb(options: DbOptions): Promise<Db> {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options.poolSize ?? 10);
  const file = url?.startsWith('sqlite:') ? url.slice('sqlite:'.length) : path.join(options.dataDir, 'unpod.db');
  return openSqlite(file === ':memory:' ? ':memory:' : path.resolve(file), options.backgroundCheckpoint);
}

function openSqlite(file: string, backgroundCheckpoint: DbOptions['backgroundCheckpoint']): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  let checkpointer: WalCheckpointer | null = null;
  if (backgroundCheckpoint && file !== ':memory:') {
    const inlinePages = database.pragma('wal_autocheckpoint', { simple: true }) as number;
    database.pragma('wal_autocheckpoint = 0');
    checkpointer = new WalCheckpointer(file, (reason) => {
      if (database.open) database.pragma(`wal_autocheckpoint = ${inlinePages}`);
      backgroundCheckpoint.warn(`background WAL checkpoints stopped (${reason}); checkpointing inside commits again`);
    });
  }
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return {
    kysely,
    kind: 'sqlite',
    location: file,
    close: async () => {
      await checkpointer?.close();
      await kysely.destroy();
    },
  };
}

/** Prepared statements kept per SQL text; the store issues a few dozen distinct shapes. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query it runs, and compiling SQL costs more than running
 * a small insert or lookup. Reuse prepared statements per SQL text (least recently used are
 * dropped). A statement still being iterated (`busy`) is never handed out twice.
 */
export function withStatementCache(database: BetterSqlite3.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare: (sqlText) => {
      const cached = cache.get(sqlText);
      if (cached && !cached.busy) {
        cache.delete(sqlText);
        cache.set(sqlText, cached);
        return cached;
      }
      const stmt = database.prepare(sqlText);
      if (!cached) {
        cache.set(sqlText, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Db> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema "${schema}" in UNPOD_DATABASE_URL: lower-case letters, digits and _ only`);
  }
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: poolSize,
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // Fail fast with a clear reason instead of on the first request.
  const client = await pool.connect().catch(async (err: unknown) => {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(parsed)}: ${err instanceof Error ? err.message : String(err)}`);
  });
  let current: string | undefined;
  try {
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    current = (await client.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s ?? undefined;
  } finally {
    client.release();
  }
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    kind: 'postgres',
    location: redactUrl(parsed) + (schema ? ` (schema ${schema})` : ''),
    ...(current ? { schema: current } : {}),
    close: () => kysely.destroy(),
  };
}

function redactUrl(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return copy.toString();
}

/** Cheap reachability probe for health endpoints. */
export async function pingDb(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db.kysely);
    return true;
  } catch {
    return false;
  }
}
