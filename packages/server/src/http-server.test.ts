import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HttpServer } from './http-server.js';

/** The accept backlog of the socket listening on `port`, from `ss` (Linux); null without `ss`. */
function listenBacklog(port: number): number | null {
  let out: string;
  try {
    out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  } catch {
    return null;
  }
  // LISTEN  Recv-Q  Send-Q(backlog)  Local  Peer
  const fields = out.trim().split(/\s+/);
  return Number(fields[2]);
}

describe('HttpServer', () => {
  // Regression: with Node's default backlog (511) a burst of calls overflowed the accept queue;
  // dropped SYNs cost runners a 1 s + 3 s retransmit and their bridge dials timed out.
  it.runIf(process.platform === 'linux')('listens with a deep accept backlog so bursts of call sockets are not dropped', async () => {
    const http = new HttpServer(new Hono(), pino({ level: 'silent' }));
    const port = await http.listen(0, '127.0.0.1');
    try {
      const backlog = listenBacklog(port);
      if (backlog === null) return;
      const cap = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
      expect(backlog).toBe(Math.min(4096, cap));
    } finally {
      await http.close();
    }
  });
});
