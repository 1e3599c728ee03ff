import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { unpodCliPath } from '@unpod/testkit/server';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardBuilt, defaultDashboardDir } from '../control/http/dashboard-static.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** `unpod dev` as a real process; resolves its banner once the server listens. */
async function startDev(): Promise<{ banner: string; url: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'unpod-dev-dash-'));
  const child = spawn(process.execPath, [unpodCliPath(), 'dev', '--port', '0', '--sip-port', 'off', '--data-dir', dataDir], {
    env: { ...process.env, UNPOD_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const m = /^unpod listening on (\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`unpod dev exited (${String(code)}): ${lines.join('\n')}`)));
  });
  return { banner: lines.join('\n'), url };
}

describe('unpod dev and the dashboard', () => {
  it('prints a one-time sign-in link to the served dashboard (or says how to build it)', async () => {
    const { banner, url } = await startDev();
    if (!dashboardBuilt(defaultDashboardDir())) {
      expect(banner).toMatch(/Dashboard {2}not built: run `npm run build`/);
      return;
    }
    const link = new RegExp(`Dashboard {2}(${url.replace(/[.]/g, '\\.')}/\\?login=(ll_[A-Za-z0-9_-]+))`).exec(banner);
    expect(link, banner).not.toBeNull();
    const page = await fetch(link![1]!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);

    const exchange = () => fetch(`${url}/v1/auth/login-link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link![2] }) });
    const first = await exchange();
    expect(first.status).toBe(201);
    const { api_key } = (await first.json()) as { api_key: string };
    expect((await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${api_key}` } })).status).toBe(200);
    expect((await exchange()).status).toBe(401);
  });
});
