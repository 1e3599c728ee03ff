import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/**
 * A Redis reachability probe: one short-lived connection that sends `AUTH` (when the URL carries
 * credentials) and `PING` in RESP and expects `+PONG`. Dependency-free on purpose: readiness must
 * not share a connection pool with the work it reports on, and a probe needs no client library.
 */

export interface RedisPingResult {
  ok: boolean;
  /** Round trip of the probe in milliseconds (also when it failed). */
  latencyMs: number;
  /** Why it failed; never contains the password. */
  error?: string;
}

/** `redis://[user:password@]host[:port][/db]` or `rediss://` for TLS. */
export function parseRedisUrl(url: string): { host: string; port: number; tls: boolean; username: string | null; password: string | null } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('not a URL (expected redis://host:port)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`scheme ${parsed.protocol} is not redis: or rediss:`);
  if (!parsed.hostname) throw new Error('no host in the URL');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    tls: parsed.protocol === 'rediss:',
    username: parsed.username ? decodeURIComponent(parsed.username) : null,
    password: parsed.password ? decodeURIComponent(parsed.password) : null,
  };
}

function command(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/** Ping the Redis at `url`; resolves (never rejects) within about `timeoutMs`. */
export function pingRedis(url: string, timeoutMs = 1000): Promise<RedisPingResult> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  let target: ReturnType<typeof parseRedisUrl>;
  try {
    target = parseRedisUrl(url);
  } catch (err) {
    return Promise.resolve({ ok: false, latencyMs: 0, error: `invalid redis URL: ${(err as Error).message}` });
  }
  return new Promise((resolve) => {
    const options = { host: target.host, port: target.port };
    const socket: Socket = target.tls ? connectTls({ ...options, servername: target.host }) : connectTcp(options);
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(error === undefined ? { ok: true, latencyMs: elapsed() } : { ok: false, latencyMs: elapsed(), error });
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    // Replies expected in order: +OK for AUTH (if sent), then +PONG.
    const expected: string[] = [];
    let out = '';
    if (target.password !== null) {
      out += target.username ? command('AUTH', target.username, target.password) : command('AUTH', target.password);
      expected.push('+OK');
    }
    out += command('PING');
    expected.push('+PONG');
    let buffered = '';
    socket.once(target.tls ? 'secureConnect' : 'connect', () => socket.write(out));
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const want = expected.shift();
        if (line !== want) return finish(line.startsWith('-') ? `redis answered ${line.slice(1, 120)}` : 'unexpected reply from redis');
        if (expected.length === 0) return finish();
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.on('close', () => finish('connection closed before PONG'));
  });
}
