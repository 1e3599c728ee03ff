import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

const load = (flags: Parameters<typeof loadConfig>[0], env: NodeJS.ProcessEnv = {}) => loadConfig(flags, env, '/tmp');
const PG = { UNPOD_DATABASE_URL: 'postgres://u@127.0.0.1/db' };

describe('cluster settings (UNPOD_REDIS_URL / --redis-url)', () => {
  it('is off without a Redis URL', () => {
    expect(load({}).cluster).toBeNull();
  });

  it('reads the URL, prefix and node TTL, with defaults; the flag wins over the env', () => {
    expect(load({}, { ...PG, UNPOD_REDIS_URL: 'redis://127.0.0.1:6379' }).cluster).toEqual({ redisUrl: 'redis://127.0.0.1:6379', redisPrefix: 'unpod:', nodeTtlMs: 10_000 });
    const env = { ...PG, UNPOD_REDIS_URL: 'redis://a:6379', UNPOD_REDIS_PREFIX: 'prod-eu:', UNPOD_NODE_TTL_MS: '3000' };
    expect(load({ redisUrl: 'rediss://b:6380/2' }, env).cluster).toEqual({ redisUrl: 'rediss://b:6380/2', redisPrefix: 'prod-eu:', nodeTtlMs: 3000 });
  });

  it('needs PostgreSQL: nodes share one database', () => {
    expect(() => load({ redisUrl: 'redis://127.0.0.1:6379' })).toThrow(ConfigError);
    expect(() => load({ redisUrl: 'redis://127.0.0.1:6379' })).toThrow(/share one PostgreSQL/);
  });

  it('refuses a bad URL (without echoing its password), prefix or TTL with a clear message', () => {
    expect(() => load({}, { ...PG, UNPOD_REDIS_URL: 'http://x:secret@host' })).toThrow(/not a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => load({}, { ...PG, UNPOD_REDIS_URL: 'http://x:secret@host' })).not.toThrow(/secret/);
    expect(() => load({}, { ...PG, UNPOD_REDIS_URL: 'redis://h', UNPOD_REDIS_PREFIX: 'bad prefix' })).toThrow(/UNPOD_REDIS_PREFIX/);
    expect(() => load({}, { ...PG, UNPOD_REDIS_URL: 'redis://h', UNPOD_NODE_TTL_MS: '10' })).toThrow(/UNPOD_NODE_TTL_MS/);
    expect(() => load({}, { ...PG, UNPOD_REDIS_URL: 'redis://h', UNPOD_NODE_TTL_MS: 'soon' })).toThrow(/UNPOD_NODE_TTL_MS/);
  });
});
