import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createPgSchema, type PgSchema } from '@unpod/testkit/postgres';
import { runUnpod, unpodCliPath } from '@unpod/testkit/server';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATION_NAMES } from '../control/store/migrations/index.js';

/**
 * The `unpod` CLI as users run it: real processes of the built CLI, synchronised only on the lines
 * they print and on their exit, never on sleeps.
 */

/** Blank values unset any UNPOD_* the developer's shell exported (config treats blank as unset). */
const CLEAN_ENV = {
  UNPOD_HOST: '',
  UNPOD_PORT: '',
  UNPOD_DATA_DIR: '',
  UNPOD_DATABASE_URL: '',
  UNPOD_PUBLIC_URL: '',
  UNPOD_NODE_ID: '',
  UNPOD_LOG_LEVEL: 'warn',
};

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line matching `re`; rejects if the process exits first. */
  line(re: RegExp): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [unpodCliPath(), ...args], { env: { ...process.env, ...CLEAN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    stdout += l + '\n';
    lines.push(l);
    for (const w of [...waiters]) {
      const m = w.re.exec(l);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    line(re) {
      for (const l of lines) {
        const m = re.exec(l);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`unpod ${args[0]} exited (${code ?? signal}) before printing ${re}: ${stderr.slice(-1500)}`)));
      });
    },
  };
}

const run = (args: string[], env: Record<string, string> = {}) => runUnpod(args, { ...CLEAN_ENV, ...env });

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'unpod-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function pgSchema(): Promise<PgSchema> {
  const schema = await createPgSchema('cli');
  cleanups.push(() => schema.drop());
  return schema;
}

/** A failure at boot: non-zero exit, exactly one line on stderr, nothing on stdout. */
function expectOneLineFailure(out: { code: number; stdout: string; stderr: string }, code: number, mentions: RegExp): void {
  expect(out.code, out.stderr).toBe(code);
  const lines = out.stderr.trim().split('\n');
  expect(lines, out.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^unpod: /);
  expect(lines[0]).toMatch(mentions);
  expect(out.stdout).toBe('');
}

describe('unpod keys create', () => {
  it('creates a missing space and prints a new sk_ key alone on stdout, once', async () => {
    const dataDir = await tempDir();
    const first = await run(['keys', 'create', '--name', 'ci', '--space', 'brand-new', '--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^sk_[A-Za-z0-9_-]{40,}\n$/);
    expect(first.stderr).toMatch(/Created space "brand-new" \(SPC_\w+\); new key AK_\w+ "ci"\. Store it now: it is not shown again\./);
    const key = first.stdout.trim();

    const second = await run(['keys', 'create', '--name', 'ci2', '--space', 'brand-new', '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^Space "brand-new"/);
    expect(second.stdout.trim()).not.toBe(key);

    const list = await run(['keys', 'list', '--space', 'brand-new', '--data-dir', dataDir]);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    expect(list.stdout).toContain(`sk_${key.slice(3, 7)}…${key.slice(-4)}`);
    expect(list.stdout).not.toContain(key);
  });

  it('--json prints the key with its space for scripts', async () => {
    const dataDir = await tempDir();
    const out = await run(['keys', 'create', '--name', 'ci', '--space', 'json-space', '--json', '--data-dir', dataDir]);
    expect(out.code).toBe(0);
    const key = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(key).toMatchObject({ name: 'ci', space_name: 'json-space', status: 'active', key: expect.stringMatching(/^sk_/), space_id: expect.stringMatching(/^SPC_/) });
  });

  it('revokes by id; revoking an unknown id fails with one line', async () => {
    const dataDir = await tempDir();
    const created = JSON.parse((await run(['keys', 'create', '--name', 'x', '--space', 's', '--json', '--data-dir', dataDir])).stdout) as { id: string };
    const revoked = await run(['keys', 'revoke', created.id, '--space', 's', '--data-dir', dataDir]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${created.id} `));
    expect((await run(['keys', 'list', '--space', 's', '--data-dir', dataDir])).stdout).toMatch(/revoked/);
    expectOneLineFailure(await run(['keys', 'revoke', 'AK_nope', '--space', 's', '--data-dir', dataDir]), 1, /no key AK_nope in space "s"/);
  });
});

describe('unpod migrate', () => {
  it('is idempotent on SQLite', async () => {
    const dataDir = await tempDir();
    const first = await run(['migrate', '--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`unpod migrate: sqlite at ${path.join(dataDir, 'unpod.db')}: applied ${MIGRATION_NAMES.join(', ')} (${MIGRATION_NAMES.length} migrations in total)\n`);
    const second = await run(['migrate', '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already up to date/);
  });

  it('is idempotent on PostgreSQL, and never prints the password', async () => {
    const dataDir = await tempDir();
    const { url, schema } = await pgSchema();
    const withPassword = url.replace('postgres://postgres@', 'postgres://postgres:not-needed-pw@');
    const first = await run(['migrate', '--data-dir', dataDir], { UNPOD_DATABASE_URL: withPassword });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^unpod migrate: postgres at .*\\(schema ${schema}\\): applied 001_initial`));
    expect(first.stdout + first.stderr).not.toContain('not-needed-pw');
    const second = await run(['migrate', '--database-url', url, '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already up to date/);
  });
});

describe('bad configuration fails at boot with a one-line reason', () => {
  it.each([
    ['UNPOD_PORT=abc', { UNPOD_PORT: 'abc' }, [], /UNPOD_PORT: "abc" is not a port number/],
    ['UNPOD_PORT=70000', { UNPOD_PORT: '70000' }, [], /UNPOD_PORT: "70000" is not a port number/],
    ['--port -1', {}, ['--port', '-1'], /--port: "-1" is not a port number/],
    ['UNPOD_DATABASE_URL=mysql://', { UNPOD_DATABASE_URL: 'mysql://root@localhost/unpod' }, [], /invalid UNPOD_DATABASE_URL \/ --database-url: must start with postgres:\/\//],
    ['UNPOD_LOG_LEVEL=loud', { UNPOD_LOG_LEVEL: 'loud' }, [], /invalid UNPOD_LOG_LEVEL/],
    ['UNPOD_PUBLIC_URL not absolute', { UNPOD_PUBLIC_URL: 'example.com' }, [], /invalid UNPOD_PUBLIC_URL/],
  ] as const)('serve with %s exits 2', async (_label, env, flags, reason) => {
    const dataDir = await tempDir();
    // A --port flag would override UNPOD_PORT, so the env cases run without one.
    const port = 'UNPOD_PORT' in env || flags.length > 0 ? [] : ['--port', '0'];
    expectOneLineFailure(await run(['serve', ...port, '--data-dir', dataDir, ...flags], env), 2, reason);
  });

  it('serve with an unreachable PostgreSQL exits 1, naming it without the password', async () => {
    const dataDir = await tempDir();
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const out = await run(['serve', '--port', '0', '--data-dir', dataDir], { UNPOD_DATABASE_URL: 'postgres://unpod:s3cret-pw@127.0.0.1:1/unpod' });
    expectOneLineFailure(out, 1, /cannot connect to PostgreSQL at postgres:\/\/unpod:\*\*\*@127\.0\.0\.1:1\/unpod/);
    expect(out.stderr).not.toContain('s3cret-pw');
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);
  });

  it('serve on a port in use exits 1 with a hint', async () => {
    const dataDir = await tempDir();
    const first = start(['serve', '--port', '0', '--data-dir', dataDir]);
    const port = (await first.line(/^unpod listening on http:\/\/127\.0\.0\.1:(\d+)$/))[1]!;
    const otherDir = await tempDir();
    expectOneLineFailure(await run(['serve', '--port', port, '--data-dir', otherDir]), 1, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  });
});

describe('unpod serve', () => {
  it('prints its URL for --port 0, serves, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = await tempDir();
    const server = start(['serve', '--port', '0', '--data-dir', dataDir]);
    const url = (await server.line(/^unpod listening on (http:\/\/127\.0\.0\.1:\d+)$/))[1]!;
    expect(url).not.toMatch(/:0$/);

    const health = await fetch(`${url}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'sqlite' });
    const runtime = JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number; url: string };
    expect(runtime).toMatchObject({ pid: server.child.pid, url });

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toMatch(/SIGTERM received, shutting down/);
    expect(server.stderr()).not.toMatch(/shutdown failed|Error|at .*\.js:\d+/);
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);
    await expect(fetch(`${url}/v1/health`)).rejects.toThrow();
  });

  it('serves PostgreSQL and stops cleanly on SIGINT', async () => {
    const dataDir = await tempDir();
    const { url: databaseUrl } = await pgSchema();
    const server = start(['serve', '--port', '0', '--data-dir', dataDir], { UNPOD_DATABASE_URL: databaseUrl });
    const url = (await server.line(/^unpod listening on (\S+)$/))[1]!;
    expect(await (await fetch(`${url}/v1/health`)).json()).toMatchObject({ status: 'ok', database: 'postgres' });
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});

describe('unpod dev', () => {
  it('prints URL and key, writes dev.env; a second dev on the same data dir says "already running" and exits 0', async () => {
    const dataDir = await tempDir();
    const dev = start(['dev', '--port', '0', '--data-dir', dataDir]);
    const url = (await dev.line(/^unpod listening on (\S+)$/))[1]!;
    expect(dev.stdout()).toContain(`URL        ${url}`);
    const key = /API key {4}(sk_\S+)/.exec(dev.stdout())?.[1];
    expect(key).toBeDefined();

    const envFile = path.join(dataDir, 'dev.env');
    expect(await readFile(envFile, 'utf8')).toBe(`UNPOD_BASE_URL=${url}\nUNPOD_API_KEY=${key}\n`);
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect((await fetch(`${url}/v1/pipes`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);

    const second = await run(['dev', '--port', '0', '--data-dir', dataDir]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`is already running \\(pid ${dev.child.pid}\\); nothing new was started`));
    expect(second.stdout).toContain(`URL        ${url}`);
    expect(second.stdout).toContain(`API key    ${key}`);
    expect(second.stdout).not.toMatch(/unpod listening on/);
    expect(second.stderr).not.toMatch(/Error|EADDRINUSE|SQLITE_BUSY/);

    // The first stack is unharmed and still the one in dev.env.
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    expect(await readFile(envFile, 'utf8')).toBe(`UNPOD_BASE_URL=${url}\nUNPOD_API_KEY=${key}\n`);

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toEqual({ code: 0, signal: null });
  });

  it('restarts over a stale runtime file and reuses the valid dev key', async () => {
    const dataDir = await tempDir();
    const first = start(['dev', '--port', '0', '--data-dir', dataDir]);
    await first.line(/^unpod listening on /);
    const key = /API key {4}(sk_\S+)/.exec(first.stdout())![1]!;
    // A crash leaves server.json behind with a pid that no longer runs.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(true);

    const second = start(['dev', '--port', '0', '--data-dir', dataDir]);
    const url = (await second.line(/^unpod listening on (\S+)$/))[1]!;
    expect(second.stdout()).toMatch(/dev stack is up/);
    expect(second.stdout()).toContain(`API key    ${key}`);
    expect((await fetch(`${url}/v1/pipes`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('writes a fresh key when the one in dev.env was revoked', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, 'dev.env'), 'UNPOD_BASE_URL=http://old\nUNPOD_API_KEY=sk_revoked_or_unknown\n');
    const dev = start(['dev', '--port', '0', '--data-dir', dataDir]);
    await dev.line(/^unpod listening on /);
    const key = /API key {4}(sk_\S+)/.exec(dev.stdout())![1]!;
    expect(key).not.toBe('sk_revoked_or_unknown');
    expect(await readFile(path.join(dataDir, 'dev.env'), 'utf8')).toContain(`UNPOD_API_KEY=${key}\n`);
  });
});
