import { startTestNode, type TestNode } from './test-node.js';
import type { OrchestratorTimings } from '../timings.js';

/** The stores every store-touching test runs against. */
export const DATABASES = ['sqlite', 'postgres'] as const;
export type TestDatabase = (typeof DATABASES)[number];

/** Creates a PostgreSQL schema and returns its URL and a drop function (from `@unpod/testkit/postgres`). */
export type SchemaFactory = () => Promise<{ url: string; drop(): Promise<void> }>;

/** Start a node on `db`; the returned close also drops the PostgreSQL schema. */
export async function nodeOn(db: TestDatabase, createSchema: SchemaFactory, timings?: Partial<OrchestratorTimings>): Promise<TestNode> {
  const schema = db === 'postgres' ? await createSchema() : undefined;
  const node = await startTestNode({ databaseUrl: schema?.url, ...(timings ? { timings } : {}) });
  const close = node.close.bind(node);
  node.close = async () => {
    await close();
    await schema?.drop();
  };
  return node;
}

/** Run `fn` against a node of its own (for tests that shorten a timer), closing it afterwards. */
export async function withNode<T>(db: TestDatabase, createSchema: SchemaFactory, timings: Partial<OrchestratorTimings>, fn: (node: TestNode) => Promise<T>): Promise<T> {
  const node = await nodeOn(db, createSchema, timings);
  try {
    return await fn(node);
  } finally {
    await node.close();
  }
}
