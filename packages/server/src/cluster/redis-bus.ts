import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { assertChannel, HandlerTable, type BusHandler, type BusMessage, type ClusterBus } from './bus.js';
import { connectRedis, quitRedis, type RedisTarget } from './redis.js';

/**
 * `ClusterBus` over Redis pub/sub: one publishing connection (shared with other commands when
 * given) and one subscriber connection per node. The Redis channel is `<prefix>bus:<channel>`.
 * Subscriptions survive a Redis reconnect (ioredis re-subscribes); messages published while a
 * node was disconnected are lost, as with any pub/sub.
 */
export class RedisClusterBus implements ClusterBus {
  private readonly handlers = new HandlerTable();
  private closed = false;

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly ownsPub: boolean,
    private readonly logger: Logger,
  ) {
    sub.on('message', (redisChannel: string, text: string) => this.onMessage(redisChannel, text));
  }

  /** Connect; `publisher` reuses an existing command connection (it is not closed by `close()`). */
  static async connect(target: RedisTarget, logger: Logger, publisher?: Redis): Promise<RedisClusterBus> {
    const sub = await connectRedis(target, logger, 'unpod-bus-sub');
    const pub = publisher ?? (await connectRedis(target, logger, 'unpod-bus-pub'));
    return new RedisClusterBus(pub, sub, `${target.prefix}bus:`, publisher === undefined, logger);
  }

  async publish(channel: string, message: BusMessage): Promise<void> {
    assertChannel(channel);
    if (this.closed) throw new Error('cluster bus is closed');
    await this.pub.publish(this.prefix + channel, JSON.stringify(message));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    assertChannel(channel);
    if (this.closed) throw new Error('cluster bus is closed');
    if (this.handlers.add(channel, handler)) {
      try {
        await this.sub.subscribe(this.prefix + channel);
      } catch (err) {
        this.handlers.remove(channel, handler);
        throw err;
      }
    }
    return () => {
      if (this.handlers.remove(channel, handler) && !this.closed) {
        this.sub.unsubscribe(this.prefix + channel).catch((err: unknown) => this.logger.debug({ err }, 'bus unsubscribe failed'));
      }
    };
  }

  private onMessage(redisChannel: string, text: string): void {
    if (!redisChannel.startsWith(this.prefix)) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.logger.warn({ channel: redisChannel }, 'bus message is not JSON; dropped');
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.logger.warn({ channel: redisChannel }, 'bus message is not a JSON object; dropped');
      return;
    }
    this.handlers.deliver(redisChannel.slice(this.prefix.length), message as BusMessage, (err) =>
      this.logger.error({ err, channel: redisChannel }, 'bus handler threw'),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await quitRedis(this.sub);
    if (this.ownsPub) await quitRedis(this.pub);
  }
}
