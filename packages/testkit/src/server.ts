import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createPgSchema, type PgSchema } from './postgres.js';

export interface TestServerOptions {
  /** `sqlite` (default) or `postgres` (a fresh schema in the local `test` database). */
  database?: 'sqlite' | 'postgres';
  /** Reuse a data dir (e.g. to restart a server over the same SQLite file). */
  dataDir?: string;
  /** Reuse a database URL (e.g. a PostgreSQL schema shared by several nodes). */
  databaseUrl?: string;
  /** Extra environment for the server process. */
  env?: Record<string, string>;
  /** Extra CLI flags for `unpod serve`. */
  args?: string[];
  /** Space the test key belongs to (default: a fresh random name). */
  space?: string;
  /**
   * Speech plugin modules the server loads at boot (`UNPOD_SPEECH_PLUGINS`): absolute paths of
   * modules exporting `registerSpeechProviders(registry)`, e.g. {@link faultySpeechPluginPath}.
   */
  speechPlugins?: string[];
}

/** The built `faulty-speech` plugin of this package (misbehaving STT/TTS providers for failover tests). */
export function faultySpeechPluginPath(): string {
  return path.join(path.dirname(require.resolve('@unpod/testkit/package.json')), 'dist', 'faulty-speech.js');
}

/** A real `unpod serve` process on a free port, with a fresh API key. */
export interface TestServer {
  baseUrl: string;
  apiKey: string;
  spaceId: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** SIP ports from the `unpod sip listening on udp:PORT tcp:PORT` line (start with `--sip-port 0`); undefined when SIP is off. */
  sip: { udpPort: number; tcpPort: number } | undefined;
  process: ChildProcess;
  /** Create another key, in a new space unless `space` names an existing one. */
  createKey(space?: string): Promise<{ key: string; spaceId: string }>;
  /** Kill the process without cleanup (crash simulation); the data dir stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stop the process (SIGTERM) and remove temporary data unless it was passed in. */
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** Path of the built CLI; tests run after `npm run build`. */
export function unpodCliPath(): string {
  const pkg = require.resolve('@unpod/server/package.json');
  return path.join(path.dirname(pkg), 'bin', 'unpod.js');
}

/** Run an `unpod` command to completion and return its stdout. */
export function runUnpod(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [unpodCliPath(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Start `unpod serve --port 0` and wait for its "listening" line. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'unpod-test-')));
  let pg: PgSchema | undefined;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl && options.database === 'postgres') {
    pg = await createPgSchema();
    databaseUrl = pg.url;
  }
  const env: Record<string, string> = {
    UNPOD_LOG_LEVEL: process.env.UNPOD_TEST_LOG_LEVEL ?? 'warn',
    ...(databaseUrl ? { UNPOD_DATABASE_URL: databaseUrl } : {}),
    ...(options.speechPlugins?.length ? { UNPOD_SPEECH_PLUGINS: options.speechPlugins.join(',') } : {}),
    ...options.env,
  };
  const base = ['--data-dir', dataDir];
  const space = options.space ?? `test-${Math.random().toString(36).slice(2, 10)}`;
  const created = await runUnpod(['keys', 'create', '--name', 'test', '--space', space, '--json', ...base], env);
  if (created.code !== 0) throw new Error(`unpod keys create failed: ${created.stderr}`);
  const key = JSON.parse(created.stdout) as { key: string; space_id: string };

  const child = spawn(process.execPath, [unpodCliPath(), 'serve', '--port', '0', ...base, ...(options.args ?? [])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.UNPOD_TEST_SERVER_LOGS) process.stderr.write(d);
  });
  let sip: TestServer['sip'];
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const s = /^unpod sip listening on udp:(\d+) tcp:(\d+)/.exec(line);
      if (s) sip = { udpPort: Number(s[1]), tcpPort: Number(s[2]) };
      const m = /^unpod listening on (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`unpod serve exited with ${code} before listening: ${stderr.slice(-2000)}`)));
  });

  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));

  return {
    baseUrl,
    apiKey: key.key,
    spaceId: key.space_id,
    dataDir,
    databaseUrl,
    sip,
    process: child,
    async createKey(spaceName?: string) {
      const out = await runUnpod(['keys', 'create', '--name', 'test', '--space', spaceName ?? `test-${Math.random().toString(36).slice(2, 10)}`, '--json', ...base], env);
      if (out.code !== 0) throw new Error(`unpod keys create failed: ${out.stderr}`);
      const k = JSON.parse(out.stdout) as { key: string; space_id: string };
      return { key: k.key, spaceId: k.space_id };
    },
    async kill(signal = 'SIGKILL') {
      if (!exited) child.kill(signal);
      await exitPromise;
    },
    async close() {
      if (!exited) child.kill('SIGTERM');
      await exitPromise;
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      await pg?.drop();
    },
  };
}
