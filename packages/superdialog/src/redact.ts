/**
 * Secret redaction for everything this package records or logs: tool calls in the event log,
 * log fields, error text. Keys that look secret are masked whatever their value; values that look
 * like credentials (bearer tokens, provider keys, URL userinfo) are masked wherever they appear.
 */

const SECRET_KEY = /secret|token|password|passwd|api[-_ ]?key|apikey|auth|credential|bearer|jwt|signature|private[-_ ]?key|access[-_ ]?key|otp|\bpin\b|^pin$|cvv|ssn/i;

export const MASK = '***';

/** True when a field or parameter name suggests its value is a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Mask credentials that appear inside free text. */
export function redactText(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${MASK}`)
    .replace(/\b(sk|pk|rk|ct)[-_][A-Za-z0-9_-]{4,}/g, `$1_${MASK}`)
    .replace(/(\/\/)[^/@\s:]+:[^/@\s]+@/g, `$1${MASK}@`)
    .replace(/([?&][^=&#\s]*(?:secret|token|password|key|auth|signature|otp|pin)[^=&#\s]*=)[^&#\s]*/gi, `$1${MASK}`);
}

/** `url` with userinfo removed and secret-looking query values masked. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretKey(name)) parsed.searchParams.set(name, MASK);
  }
  return parsed.toString();
}

/** A deep copy of `value` with secret-keyed fields masked and credential-looking strings scrubbed. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 20) return MASK;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? MASK : redactValue(v, depth + 1);
    return out;
  }
  return value;
}

/** Structured logger shape (pino-compatible); the package never logs transcripts or secrets. */
export interface Logger {
  debug(fields: Record<string, unknown>, msg?: string): void;
  info(fields: Record<string, unknown>, msg?: string): void;
  warn(fields: Record<string, unknown>, msg?: string): void;
  error(fields: Record<string, unknown>, msg?: string): void;
}

const noop = (): void => undefined;

/** A logger that drops everything (the default). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Wrap `logger` so every record's fields and message pass through redaction first. */
export function redactingLogger(logger: Logger): Logger {
  const wrap =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, msg?: string): void =>
      logger[level](redactValue(fields) as Record<string, unknown>, msg === undefined ? undefined : redactText(msg));
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
