/** The Redis probe against the machine's real Redis, a closed port, and a server that refuses AUTH. */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { parseRedisUrl, pingRedis } from './redis-ping.js';

const REDIS_URL = process.env.UNPOD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('pingRedis', () => {
  test('a live Redis answers PONG', async () => {
    const result = await pingRedis(REDIS_URL);
    expect(result).toMatchObject({ ok: true });
    expect(result.error).toBeUndefined();
  });

  test('a closed port is reported as refused', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect(await pingRedis(`redis://127.0.0.1:${port}`)).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
  });

  test('a server that never answers times out within the bound', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const result = await pingRedis(`redis://127.0.0.1:${(silent.address() as AddressInfo).port}`, 200);
      expect(result).toMatchObject({ ok: false, error: 'no answer within 200 ms' });
    } finally {
      silent.close();
    }
  });

  test('an AUTH error is reported without the password', async () => {
    // Speaks RESP: refuses AUTH like a Redis with a different password.
    const fake = createServer((socket) => socket.on('data', () => socket.write('-WRONGPASS invalid username-password pair\r\n')));
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const result = await pingRedis(`redis://user:s3cret@127.0.0.1:${(fake.address() as AddressInfo).port}`);
      expect(result.ok).toBe(false);
      expect(result.error).toContain('WRONGPASS');
      expect(result.error).not.toContain('s3cret');
    } finally {
      fake.close();
    }
  });

  test('URLs are parsed and bad ones refused', async () => {
    expect(parseRedisUrl('rediss://u:p%40ss@cache.local:6380/2')).toEqual({ host: 'cache.local', port: 6380, tls: true, username: 'u', password: 'p@ss' });
    expect(parseRedisUrl('redis://127.0.0.1')).toMatchObject({ port: 6379, tls: false, password: null });
    expect(await pingRedis('http://127.0.0.1:6379')).toMatchObject({ ok: false, error: 'invalid redis URL: scheme http: is not redis: or rediss:' });
  });
});
