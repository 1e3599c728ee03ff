import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** Where a node's shared state lives in Redis. */
export interface RedisTarget {
  /** `redis://host:port/db` (or `rediss://`). */
  url: string;
  /** Prepended to every key and channel, so several clusters (or tests) share one Redis. */
  prefix: string;
}

/**
 * Open a command connection and wait until it is ready. Commands issued while the connection is
 * down fail after one retry instead of queueing forever, so a dead Redis surfaces as errors.
 * Auto-pipelining batches commands issued in the same tick into one round trip.
 */
export async function connectRedis(target: RedisTarget, logger: Logger, name: string): Promise<Redis> {
  const redis = new Redis(target.url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectionName: name,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    logger.warn({ err: err.message, connection: name }, 'redis connection error');
  });
  redis.on('ready', () => (lastError = ''));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at ${redactUrl(target.url)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return redis;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

/** Close a connection politely, falling back to a hard disconnect. */
export async function quitRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
