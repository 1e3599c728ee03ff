import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Base URL of the PostgreSQL used by tests (trust auth, database `test`). */
export const TEST_PG_URL = process.env.UNPOD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An isolated schema in the test database; `url` selects it through `?schema=`. */
export interface PgSchema {
  schema: string;
  url: string;
  drop(): Promise<void>;
}

/** Create a uniquely named schema so parallel test files never share tables. */
export async function createPgSchema(prefix = 't'): Promise<PgSchema> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  return {
    schema,
    url,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
