import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads `process.env`. Flags win over env, env over defaults. Invalid values
 * fail at boot with a one-line reason (`ConfigError`), never later.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const ConfigSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  dataDir: z.string().min(1),
  databaseUrl: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
    .nullable(),
  publicUrl: z.string().url('must be an absolute URL such as http://example.com:7700').nullable(),
  nodeId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (max 64)'),
  logLevel: LogLevel,
  maxBodyBytes: z.number().int().positive(),
});

/** Validated server configuration. */
export type ServerConfig = z.infer<typeof ConfigSchema> & {
  /** `sqlite` for the embedded store (a file in `dataDir`), `postgres` when `databaseUrl` says so. */
  databaseKind: 'sqlite' | 'postgres';
};

/** Flags a CLI command may pass; each overrides its env variable. */
export interface ConfigFlags {
  host?: string | undefined;
  port?: string | number | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  publicUrl?: string | undefined;
  nodeId?: string | undefined;
  logLevel?: string | undefined;
}

/** Env variables the server reads, documented in the README. */
export const ENV_VARS = [
  'UNPOD_HOST',
  'UNPOD_PORT',
  'UNPOD_DATA_DIR',
  'UNPOD_DATABASE_URL',
  'UNPOD_PUBLIC_URL',
  'UNPOD_NODE_ID',
  'UNPOD_LOG_LEVEL',
] as const;

function parsePort(raw: string | number | undefined, source: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${source}: "${raw}" is not a port number (0-65535)`);
  return n;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Build and validate the configuration from flags and the environment. */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  const port = parsePort(flags.port, '--port') ?? parsePort(blankToUndefined(env.UNPOD_PORT), 'UNPOD_PORT') ?? 7700;
  const dataDir = path.resolve(cwd, flags.dataDir ?? blankToUndefined(env.UNPOD_DATA_DIR) ?? '.unpod');
  const candidate = {
    host: flags.host ?? blankToUndefined(env.UNPOD_HOST) ?? '127.0.0.1',
    port,
    dataDir,
    databaseUrl: flags.databaseUrl ?? blankToUndefined(env.UNPOD_DATABASE_URL) ?? null,
    publicUrl: flags.publicUrl ?? blankToUndefined(env.UNPOD_PUBLIC_URL) ?? null,
    nodeId: flags.nodeId ?? blankToUndefined(env.UNPOD_NODE_ID) ?? defaultNodeId(),
    logLevel: (flags.logLevel ?? blankToUndefined(env.UNPOD_LOG_LEVEL) ?? 'info').toLowerCase(),
    maxBodyBytes: 1024 * 1024,
  };
  const result = ConfigSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? 'config');
    throw new ConfigError(`invalid ${describeKey(key)}: ${issue.message}`);
  }
  const databaseKind = result.data.databaseUrl?.startsWith('postgres') ? 'postgres' : 'sqlite';
  return { ...result.data, databaseKind };
}

function describeKey(key: string): string {
  const names: Record<string, string> = {
    databaseUrl: 'UNPOD_DATABASE_URL / --database-url',
    publicUrl: 'UNPOD_PUBLIC_URL / --public-url',
    nodeId: 'UNPOD_NODE_ID / --node-id',
    logLevel: 'UNPOD_LOG_LEVEL / --log-level',
    host: 'UNPOD_HOST / --host',
    dataDir: 'UNPOD_DATA_DIR / --data-dir',
  };
  return names[key] ?? key;
}

function defaultNodeId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40) || 'node';
  return `${host}-${randomBytes(3).toString('hex')}`;
}
