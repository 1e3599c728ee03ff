import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerConfig } from '../config.js';
import { Store } from '../control/store/store.js';
import { RUNTIME_FILE, UnpodServer, type RuntimeInfo } from '../server.js';
import { closeOnSignals, withTelephony } from './serve.js';

/** Written by `unpod dev`: `source .unpod/dev.env` gives another terminal the key and URL. */
export const DEV_ENV_FILE = 'dev.env';

/** A stack already serving this data dir, if its process is alive and answers health checks. */
async function findRunningStack(dataDir: string): Promise<RuntimeInfo | undefined> {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(await readFile(path.join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined;
  }
  try {
    const res = await fetch(`${info.url}/v1/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Reuse the dev key from dev.env while it is valid; otherwise create one. */
async function devKey(store: Store, dataDir: string, spaceName: string): Promise<{ key: string; reused: boolean; spaceId: string }> {
  const { space } = await store.spaces.ensure(spaceName);
  try {
    const env = await readFile(path.join(dataDir, DEV_ENV_FILE), 'utf8');
    const existing = /^UNPOD_API_KEY=(\S+)$/m.exec(env)?.[1];
    if (existing) {
      const identity = await store.apiKeys.authenticate(existing);
      if (identity?.spaceId === space.id) return { key: existing, reused: true, spaceId: space.id };
    }
  } catch {
    // No dev.env yet.
  }
  const created = await store.apiKeys.create(space.id, 'dev');
  return { key: created.key, reused: false, spaceId: space.id };
}

function banner(url: string, key: string, dataDir: string, note: string, dashboardLine?: string): string {
  return [
    '',
    `  Unpod ${note}`,
    '',
    ...(dashboardLine ? [dashboardLine] : []),
    `  URL        ${url}`,
    `  API key    ${key}`,
    `  Env file   ${path.join(dataDir, DEV_ENV_FILE)}   (source it in another terminal)`,
    '',
    '  Try it:',
    `    curl -s ${url}/v1/voice-profiles -H "Authorization: Bearer ${key}"`,
    `    curl -s -X POST ${url}/v1/pipes -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
    `         -d '{"name":"demo","agent_id":"echo-agent","voice_profile":"VP_embedded_en"}'`,
    '',
  ].join('\n');
}

export async function runDev(config: ServerConfig, spaceName: string): Promise<void> {
  const running = await findRunningStack(config.dataDir);
  if (running) {
    const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
    try {
      const { key } = await devKey(store, config.dataDir, spaceName);
      await writeDevEnv(config.dataDir, running.url, key);
      const dashboard = `  Dashboard  ${running.url}/   (sign in with the API key below; a one-time link is printed only by the process that started the stack)`;
      process.stdout.write(banner(running.url, key, config.dataDir, `is already running (pid ${running.pid}); nothing new was started.`, dashboard) + '\n');
    } finally {
      await store.close();
    }
    return;
  }
  const server = await UnpodServer.start(config);
  const { telephony, close } = await withTelephony(server);
  closeOnSignals(close);
  const { key, spaceId } = await devKey(server.store, config.dataDir, spaceName);
  await writeDevEnv(config.dataDir, server.url, key);
  process.stdout.write(banner(server.url, key, config.dataDir, 'dev stack is up. Ctrl-C stops it.', dashboardLine(server, spaceId)) + '\n');
  if (telephony) process.stdout.write(`${telephony.listeningLine}\n`);
  process.stdout.write(`unpod listening on ${server.url}\n`);
}

/** The dashboard URL with a fresh one-time login link, or how to get the dashboard. */
function dashboardLine(server: UnpodServer, spaceId: string): string {
  if (!server.dashboard) return '  Dashboard  not built: run `npm run build`, then restart';
  const { token } = server.loginLinks.issue(spaceId);
  return `  Dashboard  ${server.url}/?login=${token}   (one-time sign-in link, valid 10 minutes)`;
}

async function writeDevEnv(dataDir: string, url: string, key: string): Promise<void> {
  await writeFile(path.join(dataDir, DEV_ENV_FILE), `UNPOD_BASE_URL=${url}\nUNPOD_API_KEY=${key}\n`, { mode: 0o600 });
}
