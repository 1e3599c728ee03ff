/**
 * Test-only harness for the REST suites: the real control app driven in-process through
 * `app.request()` (no port) over a real `Store` on SQLite (temp dir) or PostgreSQL (fresh schema).
 *
 * The `.mts` extension is deliberate: the package build compiles `src/**\/*.ts` and vitest collects
 * `*.test.ts`, so this module is neither shipped nor run as a suite of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { LiveEvent, WorkerView } from '@unpod/protocol';
import { createPgSchema, type PgSchema } from '@unpod/testkit/postgres';
import { loadConfig } from '../../config.js';
import type { LiveCalls, WorkerDirectory } from '../services.js';
import type { CallRecord } from '../store/repos/calls.js';
import { Store } from '../store/store.js';
import { createControlApp, type ControlDeps } from './app.js';

export const DATABASES = ['sqlite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASES)[number];

/** Records what the REST layer asked of the live side; hangup finishes the call like the orchestrator. */
export class RecordingLiveCalls implements LiveCalls {
  readonly launched: CallRecord[] = [];
  readonly hungUp: string[] = [];
  /** Calls a test declares live on this node, with what they published so far. */
  readonly live = new Map<string, LiveEvent[]>();

  liveEvents(callId: string): readonly LiveEvent[] | undefined {
    return this.live.get(callId);
  }

  constructor(private readonly store: () => Store) {}

  launch(call: CallRecord): Promise<{ client_url?: string }> {
    this.launched.push(call);
    return Promise.resolve(call.transport === 'sip' ? {} : { client_url: `ws://test.invalid/v1/calls/${call.id}/client?token=ct_test` });
  }

  async hangup(call: CallRecord): Promise<void> {
    this.hungUp.push(call.id);
    await this.store().calls.finish(call.id, 'api_hangup');
  }
}

/** A worker directory whose contents each test sets; remembers the filters it was asked for. */
export class FakeWorkers implements WorkerDirectory {
  readonly bySpace = new Map<string, WorkerView[]>();
  readonly queries: Array<{ spaceId: string; agent_id?: string | undefined }> = [];

  list(spaceId: string, filter: { agent_id?: string | undefined }): WorkerView[] {
    this.queries.push({ spaceId, ...filter });
    return (this.bySpace.get(spaceId) ?? []).filter((w) => filter.agent_id === undefined || w.agent_id === filter.agent_id);
  }
}

export function workerView(workerId: string, agentId: string): WorkerView {
  return {
    worker_id: workerId,
    agent_id: agentId,
    pool: 'default',
    max_concurrent: 4,
    in_flight: 0,
    active_jobs: 0,
    has_capacity: true,
    draining: false,
    last_heartbeat_age_s: 1,
    connected_at: '2026-01-01T00:00:00.000Z',
    hostname: null,
    address: null,
    region: null,
    deployment: null,
    node_id: 'test-node',
  };
}

export interface RequestOptions {
  /** JSON-encoded as the body with `Content-Type: application/json`. */
  json?: unknown;
  /** Sent verbatim; `Content-Type` comes from `headers` only. */
  raw?: string;
  headers?: Record<string, string>;
  /** API key to send; `null` sends none. Default: the harness's own key. */
  key?: string | null;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  // Response bodies are checked field by field in the tests; `any` keeps those checks readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface Harness {
  kind: DatabaseKind;
  store: Store;
  live: RecordingLiveCalls;
  workers: FakeWorkers;
  /** Key and space of the default tenant. */
  key: string;
  spaceId: string;
  request(method: string, urlPath: string, options?: RequestOptions): Promise<ApiResponse>;
  /** The raw response (streams, binary bodies), with the harness key unless `key` says otherwise. */
  raw(urlPath: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  /** A fresh space with its own key. */
  newTenant(): Promise<{ key: string; spaceId: string }>;
  close(): Promise<void>;
}

let tenantCounter = 0;

/** Optional services a suite wires in (live events, login links, voice samples, dashboard files). */
export type HarnessExtras = Pick<ControlDeps, 'events' | 'loginLinks' | 'voiceSamples' | 'dashboardDir'>;

export async function openHarness(kind: DatabaseKind, extras: HarnessExtras = {}): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-rest-'));
  let pg: PgSchema | undefined;
  if (kind === 'postgres') pg = await createPgSchema('rest');
  const config = loadConfig({ dataDir, databaseUrl: pg?.url, port: 0, nodeId: 'test-node', logLevel: 'silent' }, {});
  let store: Store;
  try {
    store = await Store.open({ databaseUrl: config.databaseUrl, dataDir, migrate: true });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    await pg?.drop();
    throw err;
  }
  const live = new RecordingLiveCalls(() => store);
  const workers = new FakeWorkers();
  const app = createControlApp({ store, config, logger: pino({ level: 'silent' }), liveCalls: live, workers, startedAtMs: Date.now(), ...extras });

  const newTenant = async () => {
    const { space } = await store.spaces.ensure(`tenant-${process.pid}-${++tenantCounter}-${Math.random().toString(36).slice(2, 8)}`);
    const created = await store.apiKeys.create(space.id, 'test');
    return { key: created.key, spaceId: space.id };
  };
  const own = await newTenant();

  const request = async (method: string, urlPath: string, options: RequestOptions = {}): Promise<ApiResponse> => {
    const headers = new Headers(options.headers);
    const key = options.key === undefined ? own.key : options.key;
    if (key !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
    let body: string | undefined = options.raw;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const res = await app.request(urlPath, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };

  return {
    kind,
    store,
    live,
    workers,
    key: own.key,
    spaceId: own.spaceId,
    request,
    raw: (urlPath, init = {}) => {
      const headers = new Headers(init.headers);
      const key = init.key === undefined ? own.key : init.key;
      if (key !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
      return Promise.resolve(app.request(urlPath, { ...init, headers }));
    },
    newTenant,
    async close() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
      await pg?.drop();
    },
  };
}

let numberSeq = 0;
/** A phone number not used before in this process (numbers are unique across all spaces). */
export function freshNumber(): string {
  numberSeq += 1;
  return `+44207${String(numberSeq).padStart(6, '0')}`;
}

/** Error responses are `{error: {code, message, field?}}` and never leak internals. */
export function expectErrorShape(res: ApiResponse): { code: string; message: string; field?: string } {
  if (res.status < 400) throw new Error(`expected an error status, got ${res.status}: ${res.text.slice(0, 300)}`);
  if (res.status >= 500) throw new Error(`unexpected ${res.status}: ${res.text.slice(0, 300)}`);
  const error = (res.body as { error?: { code: string; message: string; field?: string } } | undefined)?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') throw new Error(`not an error body: ${res.text.slice(0, 300)}`);
  if (/\n\s+at\s|node_modules|\.ts:\d+|\.js:\d+|SQLITE_|sqlite3|syntax error at/i.test(res.text)) throw new Error(`error body leaks internals: ${res.text.slice(0, 300)}`);
  return error;
}
