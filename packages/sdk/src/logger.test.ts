import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createJsonLogger, resolveLogger, type Logger } from './logger.js';

describe('JSON-lines logger', () => {
  it('writes one JSON object per record with level, time, bindings and fields; drops lower levels', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'info', write: (l) => lines.push(l) }).child({ worker_id: 'w#1' });
    log.debug({ x: 1 }, 'hidden');
    log.info({ job_id: 'j1' }, 'job accepted');
    log.error({ err: new Error('boom') }, 'failed');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ level: 'info', name: 'unpod', worker_id: 'w#1', job_id: 'j1', msg: 'job accepted' });
    expect(typeof first.time).toBe('string');
    expect(JSON.parse(lines[1]!).err).toMatchObject({ type: 'Error', message: 'boom' });
  });

  it('masks fields named like secrets', () => {
    const lines: string[] = [];
    createJsonLogger({ write: (l) => lines.push(l) }).info({ apiKey: 'sk_live_1', token: 't', authorization: 'Bearer x' }, 'm');
    expect(JSON.parse(lines[0]!)).toMatchObject({ apiKey: '***', token: '***', authorization: '***' });
  });

  it('level from the logLevel option, else UNPOD_LOG_LEVEL, else info; a bad env value fails fast', () => {
    expect(() => resolveLogger({}, { UNPOD_LOG_LEVEL: 'loud' })).toThrow(/UNPOD_LOG_LEVEL/);
    const given: Logger = createJsonLogger({ level: 'silent' });
    expect(resolveLogger({ logger: given }, { UNPOD_LOG_LEVEL: 'loud' })).toBe(given);
  });

  it('accepts a pino logger as is', () => {
    const log: Logger = pino({ level: 'silent' });
    log.child({ a: 1 }).info({ b: 2 }, 'typed and callable');
  });
});
