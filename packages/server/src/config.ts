import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CLOUD_ENV_VARS, loadCloudConfig, type CloudConfig } from './cloud-config.js';
import { loadRecordingsConfig, RECORDINGS_ENV_VARS, type RecordingsConfig } from './ops/recordings/config.js';

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
  /** Most pocketsphinx decoders loaded at once (~100 MB each); one serves one caller while they speak. */
  sttDecoders: z.number().int().min(1).max(64),
  /** Modules adding speech providers (`UNPOD_SPEECH_PLUGINS`, comma-separated paths; see `speech/plugins.ts`). */
  speechPlugins: z.array(z.string().min(1)),
});

/** Telephony (SIP signalling and RTP media). */
export interface SipConfig {
  /** False with `--sip-port off`. */
  enabled: boolean;
  /** UDP and TCP port; 0 = any free port (the actual ports are printed at startup). */
  port: number;
  /** True when the port came from a flag or env: then a port in use is fatal, not a warning. */
  portExplicit: boolean;
  /** Address the SIP and RTP sockets bind to (default: the HTTP `host`). */
  bindAddress: string;
  /** Address advertised in Contact, Via and SDP; null = the bind address, or this machine's first IPv4 when binding a wildcard. */
  publicAddress: string | null;
  /** Inclusive RTP port range (even RTP port, RTCP on the next). */
  rtpPortMin: number;
  rtpPortMax: number;
  /** Outbound calls: CANCEL when the callee has not answered within this long. */
  answerTimeoutS: number;
  /**
   * `pipeline`: calls run the speech pipeline of their voice profile. `media-only` (a test and
   * benchmark profile): no STT, agent text from cached TTS, caller audio through the energy VAD only.
   */
  voice: 'pipeline' | 'media-only';
}

/** Scale-out: several nodes sharing runners through Redis (null when this node is alone). */
export interface ClusterConfig {
  /** `redis://` or `rediss://` URL (`UNPOD_REDIS_URL` / `--redis-url`). */
  redisUrl: string;
  /** Prefix of every Redis key and channel (`UNPOD_REDIS_PREFIX`, default `unpod:`). */
  redisPrefix: string;
  /** A node silent this long is dead and swept by a survivor (`UNPOD_NODE_TTL_MS`, default 10000). */
  nodeTtlMs: number;
}

/** Validated server configuration. */
export type ServerConfig = z.infer<typeof ConfigSchema> & {
  /** `sqlite` for the embedded store (a file in `dataDir`), `postgres` when `databaseUrl` says so. */
  databaseKind: 'sqlite' | 'postgres';
  sip: SipConfig;
  /** Master key for stored credentials and server-wide cloud speech keys. */
  cloud: CloudConfig;
  /** Scale-out over Redis (`UNPOD_REDIS_URL`); null on a node that runs alone. */
  cluster: ClusterConfig | null;
  /** The cluster's Redis URL (`cluster.redisUrl`), checked by `/readyz`; null on a single node. */
  redisUrl: string | null;
  /** Where call recordings are kept (`UNPOD_RECORDINGS_*`). */
  recordings: RecordingsConfig;
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
  /** `off` disables SIP. */
  sipPort?: string | number | undefined;
  /** `MIN-MAX`, e.g. `10000-20000`. */
  rtpPorts?: string | undefined;
  /** Public address for SIP Contact/Via and SDP. */
  sipHost?: string | undefined;
  /** Address the SIP/RTP sockets bind to. */
  sipBind?: string | undefined;
  sipAnswerTimeout?: string | number | undefined;
  /** `redis://...`: join the cluster sharing this Redis. */
  redisUrl?: string | undefined;
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
  'UNPOD_SIP_PORT',
  'UNPOD_RTP_PORTS',
  'UNPOD_SIP_ADDRESS',
  'UNPOD_SIP_BIND',
  'UNPOD_SIP_ANSWER_TIMEOUT_S',
  'UNPOD_SIP_VOICE',
  ...CLOUD_ENV_VARS,
  'UNPOD_REDIS_URL',
  'UNPOD_REDIS_PREFIX',
  'UNPOD_NODE_TTL_MS',
  ...RECORDINGS_ENV_VARS,
] as const;

function parsePort(raw: string | number | undefined, source: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${source}: "${raw}" is not a port number (0-65535)`);
  return n;
}

function parseCount(raw: string | undefined, source: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new ConfigError(`${source}: "${raw}" is not a whole number from 1 to 64`);
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
    sttDecoders: parseCount(blankToUndefined(env.UNPOD_STT_DECODERS), 'UNPOD_STT_DECODERS') ?? 4,
    speechPlugins: (blankToUndefined(env.UNPOD_SPEECH_PLUGINS) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => (s.startsWith('.') ? path.resolve(cwd, s) : s)),
  };
  const result = ConfigSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? 'config');
    throw new ConfigError(`invalid ${describeKey(key)}: ${issue.message}`);
  }
  const databaseKind = result.data.databaseUrl?.startsWith('postgres') ? 'postgres' : 'sqlite';
  const cluster = loadClusterConfig(flags, env);
  if (cluster && databaseKind !== 'postgres') {
    throw new ConfigError('UNPOD_REDIS_URL / --redis-url: nodes of a cluster share one PostgreSQL database; set UNPOD_DATABASE_URL to postgres://...');
  }
  const recordings = loadRecordingsConfig(env, dataDir, cwd, (message) => new ConfigError(message));
  return {
    ...result.data,
    databaseKind,
    sip: loadSipConfig(flags, env, result.data.host),
    cluster,
    redisUrl: cluster?.redisUrl ?? null,
    recordings,
    cloud: loadCloudConfig(env),
  };
}

function loadClusterConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv): ClusterConfig | null {
  const redisUrl = flags.redisUrl ?? blankToUndefined(env.UNPOD_REDIS_URL);
  if (redisUrl === undefined) return null;
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl)) throw new ConfigError(`UNPOD_REDIS_URL / --redis-url: "${redisUrl.replace(/:[^:@/]*@/, ':***@')}" is not a redis:// or rediss:// URL`);
  const redisPrefix = blankToUndefined(env.UNPOD_REDIS_PREFIX) ?? 'unpod:';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix)) throw new ConfigError(`UNPOD_REDIS_PREFIX: "${redisPrefix}" may hold only letters, digits and _ . : - (max 64)`);
  const rawTtl = blankToUndefined(env.UNPOD_NODE_TTL_MS) ?? '10000';
  const nodeTtlMs = Number(rawTtl);
  if (!Number.isInteger(nodeTtlMs) || nodeTtlMs < 300 || nodeTtlMs > 600_000) throw new ConfigError(`UNPOD_NODE_TTL_MS: "${rawTtl}" is not a whole number of milliseconds from 300 to 600000`);
  return { redisUrl, redisPrefix, nodeTtlMs };
}

function loadSipConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv, host: string): SipConfig {
  const rawPort = flags.sipPort ?? blankToUndefined(env.UNPOD_SIP_PORT);
  const portSource = flags.sipPort !== undefined ? '--sip-port' : 'UNPOD_SIP_PORT';
  const enabled = !(typeof rawPort === 'string' && rawPort.toLowerCase() === 'off');
  const port = enabled ? (parsePort(rawPort, portSource) ?? 5060) : 0;
  const rawRange = flags.rtpPorts ?? blankToUndefined(env.UNPOD_RTP_PORTS) ?? '10000-20000';
  const rangeSource = flags.rtpPorts !== undefined ? '--rtp-ports' : 'UNPOD_RTP_PORTS';
  const range = /^(\d{1,5})-(\d{1,5})$/.exec(rawRange.trim());
  const rtpPortMin = range ? Number(range[1]) : NaN;
  const rtpPortMax = range ? Number(range[2]) : NaN;
  if (!range || rtpPortMin < 1024 || rtpPortMax > 65535 || rtpPortMax - rtpPortMin < 3) {
    throw new ConfigError(`${rangeSource}: "${rawRange}" is not a port range MIN-MAX within 1024-65535 holding at least two port pairs`);
  }
  const publicAddress = flags.sipHost ?? blankToUndefined(env.UNPOD_SIP_ADDRESS) ?? null;
  if (publicAddress !== null && !/^[A-Za-z0-9.:-]+$/.test(publicAddress)) {
    throw new ConfigError(`--sip-host / UNPOD_SIP_ADDRESS: "${publicAddress}" is not an IP address or host name`);
  }
  const bindAddress = flags.sipBind ?? blankToUndefined(env.UNPOD_SIP_BIND) ?? host;
  const rawTimeout = flags.sipAnswerTimeout ?? blankToUndefined(env.UNPOD_SIP_ANSWER_TIMEOUT_S) ?? 30;
  const answerTimeoutS = typeof rawTimeout === 'number' ? rawTimeout : Number(rawTimeout);
  if (!Number.isFinite(answerTimeoutS) || answerTimeoutS <= 0 || answerTimeoutS > 600) {
    throw new ConfigError(`--sip-answer-timeout / UNPOD_SIP_ANSWER_TIMEOUT_S: "${String(rawTimeout)}" is not a number of seconds (0-600)`);
  }
  const voice = blankToUndefined(env.UNPOD_SIP_VOICE) ?? 'pipeline';
  if (voice !== 'pipeline' && voice !== 'media-only') throw new ConfigError(`UNPOD_SIP_VOICE: "${voice}" is not pipeline or media-only`);
  return { enabled, port, portExplicit: rawPort !== undefined, bindAddress, publicAddress, rtpPortMin, rtpPortMax, answerTimeoutS, voice };
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
