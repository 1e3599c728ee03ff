import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stderr. Keys, tokens and phone numbers never go into messages; the
 * redact list is a second line of defence for fields that might carry them.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'unpod', ...bindings },
      redact: {
        paths: ['authorization', 'apiKey', 'api_key', 'key', 'password', 'token', 'call_token', '*.password', '*.token', '*.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
