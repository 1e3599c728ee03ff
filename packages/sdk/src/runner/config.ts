import { resolveBaseUrlList } from '../base-url.js';
import { resolveLogger, type Logger, type LoggerOptions } from '../logger.js';
import type { CallContext } from './call-context.js';
import { RunnerConfigError } from './errors.js';
import { detectHostInfo, type HostInfo } from './host-info.js';

/**
 * Timer values of the runtime. The defaults follow the reference wire protocol; override them only
 * in tests or on unusual networks.
 */
export interface RunnerTiming {
  /** Bridge WebSocket open timeout per attempt (spec 3.5: 5 s). */
  bridgeOpenTimeoutMs: number;
  /** Sleeps between bridge dial attempts; attempts = length + 1 (spec 3.5: 0.2 s, 0.4 s). */
  bridgeRetryDelaysMs: readonly number[];
  /** `hello` -> `hello.ack` -> `call.started` must complete within this (spec 4.1: 10 s). */
  handshakeTimeoutMs: number;
  /** Reconnect ladder base and cap (spec 3.4: 1 s -> 30 s). */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** How long to wait for `registered` after sending `register` before reconnecting. */
  registerTimeoutMs: number;
  /** After `agent.end_call`, how long to wait for the server to close the bridge itself. */
  endCallGraceMs: number;
  /** After bridges are force-closed (cancel, shutdown), how long to wait for entrypoints to return. */
  closeGraceMs: number;
  /** How long a finished turn waits for the server's `turn.metrics` before `turn_complete` fires. */
  turnMetricsWaitMs: number;
  /** Uniform [0, 1) source for reconnect jitter. */
  random: () => number;
}

/** Defaults of {@link RunnerTiming}. */
export const DEFAULT_TIMING: Readonly<RunnerTiming> = Object.freeze({
  bridgeOpenTimeoutMs: 5_000,
  bridgeRetryDelaysMs: [200, 400],
  handshakeTimeoutMs: 10_000,
  reconnectBaseMs: 1_000,
  reconnectMaxMs: 30_000,
  registerTimeoutMs: 10_000,
  endCallGraceMs: 15_000,
  closeGraceMs: 5_000,
  turnMetricsWaitMs: 2_000,
  random: Math.random,
});

/** The developer's per-call function; the call lasts until it returns (usually `await ctx.session.run()`). */
export type Entrypoint = (ctx: CallContext) => Promise<void> | void;

/** Options of `new AgentRunner(...)`. */
export interface AgentRunnerOptions extends LoggerOptions {
  /** Rendezvous key: must equal the `agent_id` your numbers/pipes route to. */
  agentId: string;
  /** Called once per call after the bridge handshake. */
  entrypoint: Entrypoint;
  /** Calls handled at once (dialing + live); advertised as `max_concurrent`. Default `UNPOD_MAX_CONCURRENT_CALLS`, else 50. */
  maxConcurrentCalls?: number;
  /** `sk_...` key; defaults to `UNPOD_API_KEY`. Required. */
  apiKey?: string;
  /**
   * Server base (see `resolveBaseUrls`); defaults to `UNPOD_BASE_URL`, then `http://127.0.0.1:7700`.
   * A comma-separated value lists several nodes of one cluster (see `baseUrls`).
   */
  baseUrl?: string;
  /**
   * Several nodes of one cluster: the runner connects to the first and, whenever its control
   * socket fails or drops, tries the next one (round robin, with the usual jittered backoff).
   * Wins over `baseUrl`.
   */
  baseUrls?: readonly string[];
  /** How long `shutdown()` waits for live calls before ending them. Default 60 000. */
  drainTimeoutMs?: number;
  /** Register in the `<agentId>@dev` pool, which ordinary routing never picks. Default false. */
  devMode?: boolean;
  /** Placement overrides (win over `UNPOD_WORKER_*` and detection). */
  hostInfo?: Partial<HostInfo>;
  /** Voice profile ids advertised in `capabilities.voice_profiles`. Default `[]`. */
  voiceProfiles?: string[];
  /** Timer overrides (tests). */
  timing?: Partial<RunnerTiming>;
  /** Environment to read instead of `process.env` (tests). */
  env?: NodeJS.ProcessEnv;
}

/** Options after validation and environment fallbacks. */
export interface RunnerConfig {
  agentId: string;
  entrypoint: Entrypoint;
  maxConcurrentCalls: number;
  apiKey: string;
  /** The first of `controlUrls`. */
  controlUrl: string;
  /** Control socket URL of each configured node, tried in turn. */
  controlUrls: string[];
  drainTimeoutMs: number;
  pool: string;
  hostInfo: HostInfo;
  voiceProfiles: string[];
  timing: RunnerTiming;
  logger: Logger;
}

/** Path of the runner control socket on the server. */
export const CONTROL_PATH = '/v1/internal/workers';

function invalid(message: string): never {
  throw new RunnerConfigError('invalid_option', message);
}

/** Validate options and apply environment fallbacks; the only place the runner reads the environment. */
export function resolveRunnerConfig(options: AgentRunnerOptions): RunnerConfig {
  const env = options.env ?? process.env;
  const { agentId } = options;
  if (typeof agentId !== 'string' || !/^[^\s#]{1,180}$/.test(agentId)) {
    invalid('agentId must be 1-180 characters without whitespace or "#"');
  }
  if (typeof options.entrypoint !== 'function') invalid('entrypoint must be a function (ctx) => Promise<void>');
  const envMax = (env.UNPOD_MAX_CONCURRENT_CALLS ?? '').trim();
  const maxConcurrentCalls = options.maxConcurrentCalls ?? (envMax === '' ? 50 : Number(envMax));
  if (!Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1 || maxConcurrentCalls > 100_000) {
    invalid(
      options.maxConcurrentCalls === undefined && envMax !== ''
        ? `UNPOD_MAX_CONCURRENT_CALLS must be an integer between 1 and 100000 (got "${envMax}")`
        : 'maxConcurrentCalls must be an integer between 1 and 100000',
    );
  }
  const drainTimeoutMs = options.drainTimeoutMs ?? 60_000;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs < 0) invalid('drainTimeoutMs must be a number >= 0');
  const apiKey = (options.apiKey ?? env.UNPOD_API_KEY ?? '').trim();
  if (!apiKey) {
    throw new RunnerConfigError('missing_api_key', 'no API key: pass apiKey or set UNPOD_API_KEY (an sk_... key from your Unpod server)');
  }
  let controlUrls: string[];
  try {
    controlUrls = resolveBaseUrlList(options.baseUrls ?? options.baseUrl, env).map((b) => b.ws + CONTROL_PATH);
  } catch (err) {
    invalid(err instanceof Error ? err.message : String(err));
  }
  const timing: RunnerTiming = { ...DEFAULT_TIMING, ...options.timing };
  if (timing.bridgeRetryDelaysMs.length > 10) invalid('timing.bridgeRetryDelaysMs allows at most 10 retries');
  return {
    agentId,
    entrypoint: options.entrypoint,
    maxConcurrentCalls,
    apiKey,
    controlUrl: controlUrls[0]!,
    controlUrls,
    drainTimeoutMs,
    pool: options.devMode ? `${agentId}@dev` : agentId,
    hostInfo: detectHostInfo(env, options.hostInfo),
    voiceProfiles: [...(options.voiceProfiles ?? [])],
    timing,
    logger: resolveLogger(options, env),
  };
}
