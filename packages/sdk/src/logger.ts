/**
 * A tiny structured logger. The SDK logs through this interface only, so any logger with the
 * same shape (notably a `pino` logger) can be passed in. The default implementation writes one
 * JSON object per line to stderr.
 *
 * The SDK never puts transcripts, phone numbers or keys in log records: it logs lengths and ids.
 */

/** Severity, lowest first. `silent` turns the default logger off. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Structured fields attached to one record. */
export type LogFields = Record<string, unknown>;

/** The logging surface the SDK uses: `(fields, message)` per level and child loggers with bindings. */
export interface Logger {
  debug(fields: LogFields, msg?: string): void;
  info(fields: LogFields, msg?: string): void;
  warn(fields: LogFields, msg?: string): void;
  error(fields: LogFields, msg?: string): void;
  /** A logger that adds `bindings` to every record. */
  child(bindings: LogFields): Logger;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

/** True when `value` names a log level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVEL_RANK, value);
}

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Records below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Fields on every record. */
  bindings?: LogFields;
  /** Where each JSON line goes (without the trailing newline). Default: stderr. */
  write?: (line: string) => void;
}

/** Field names whose values are replaced by `***` wherever they appear at the top level. */
const SECRET_FIELDS = new Set(['apikey', 'api_key', 'authorization', 'token', 'call_token', 'password', 'secret']);

function serialize(value: unknown): unknown {
  if (value instanceof Error) {
    const out: LogFields = { type: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.stack) out.stack = value.stack;
    return out;
  }
  return value;
}

/** A logger writing JSON lines (`{"level","time","msg",...fields}`) to stderr or `write`. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stderr.write(line + '\n'));
  const make = (bindings: LogFields): Logger => {
    const emit = (level: Exclude<LogLevel, 'silent'>, fields: LogFields, msg?: string): void => {
      if (LEVEL_RANK[level] < threshold) return;
      const record: LogFields = { level, time: new Date().toISOString(), ...bindings };
      for (const [key, value] of Object.entries(fields)) {
        record[key] = SECRET_FIELDS.has(key.toLowerCase()) ? '***' : serialize(value);
      }
      if (msg !== undefined) record.msg = msg;
      let line: string;
      try {
        line = JSON.stringify(record);
      } catch {
        line = JSON.stringify({ level, time: record.time, msg, note: 'fields not serializable' });
      }
      write(line);
    };
    return {
      debug: (fields, msg) => emit('debug', fields, msg),
      info: (fields, msg) => emit('info', fields, msg),
      warn: (fields, msg) => emit('warn', fields, msg),
      error: (fields, msg) => emit('error', fields, msg),
      child: (extra) => make({ ...bindings, ...extra }),
    };
  };
  return make({ name: 'unpod', ...options.bindings });
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/** Options accepted wherever the SDK builds its logger. */
export interface LoggerOptions {
  /** Use this logger (e.g. a pino instance) instead of the default JSON-lines logger. */
  logger?: Logger;
  /** Level of the default logger; falls back to `UNPOD_LOG_LEVEL`, then `info`. */
  logLevel?: LogLevel;
}

/**
 * The logger the SDK uses: `options.logger` when given, else a JSON-lines stderr logger whose
 * level is `options.logLevel`, else `UNPOD_LOG_LEVEL`, else `info`. An unknown `UNPOD_LOG_LEVEL`
 * fails fast.
 */
export function resolveLogger(options: LoggerOptions = {}, env: NodeJS.ProcessEnv = process.env): Logger {
  if (options.logger) return options.logger;
  if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) {
    throw new TypeError(`logLevel must be one of debug, info, warn, error, silent (got "${String(options.logLevel)}")`);
  }
  const fromEnv = env.UNPOD_LOG_LEVEL?.trim().toLowerCase();
  if (fromEnv && !isLogLevel(fromEnv)) {
    throw new TypeError(`UNPOD_LOG_LEVEL must be one of debug, info, warn, error, silent (got "${fromEnv}")`);
  }
  const level = options.logLevel ?? (fromEnv as LogLevel | undefined) ?? 'info';
  return createJsonLogger({ level });
}
