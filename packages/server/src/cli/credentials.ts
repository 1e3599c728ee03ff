import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEV_ENV_FILE } from './dev.js';

/** Server URL and API key from flags, then env, then the `unpod dev` env file of the data dir. */
export async function clientCredentials(opts: { baseUrl?: string | undefined; apiKey?: string | undefined; dataDir: string }): Promise<{ baseUrl: string; apiKey: string }> {
  let fileEnv: Record<string, string> = {};
  try {
    const text = await readFile(path.join(opts.dataDir, DEV_ENV_FILE), 'utf8');
    fileEnv = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  } catch {
    // No dev env file: flags or env must provide both.
  }
  const baseUrl = opts.baseUrl ?? process.env.UNPOD_BASE_URL ?? fileEnv.UNPOD_BASE_URL;
  const apiKey = opts.apiKey ?? process.env.UNPOD_API_KEY ?? fileEnv.UNPOD_API_KEY;
  if (!baseUrl || !apiKey) {
    throw new Error('no server to talk to: pass --base-url and --api-key, set UNPOD_BASE_URL and UNPOD_API_KEY, or run `unpod dev` first');
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey };
}
