import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** URL of the Redis used by tests. */
export const TEST_REDIS_URL = process.env.UNPOD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own in the test Redis; `drop()` deletes every key under it. */
export interface RedisPrefix {
  url: string;
  prefix: string;
  /** Keys currently under the prefix (assertions on cleanup). */
  keys(): Promise<string[]>;
  drop(): Promise<void>;
}

/** A unique prefix (`t<hex>:`) so parallel test files never share keys or channels. */
export function createRedisPrefix(label = 't'): RedisPrefix {
  const prefix = `${label}${randomBytes(5).toString('hex')}:`;
  const scan = async (redis: Redis): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  };
  const withRedis = async <T>(fn: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  };
  return {
    url: TEST_REDIS_URL,
    prefix,
    keys: () => withRedis(scan),
    drop: () =>
      withRedis(async (redis) => {
        const keys = await scan(redis);
        for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      }),
  };
}
