import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptUpgrade, closeSocket, createUpgradeServer, sendJson } from './ws.js';

interface Pair {
  server: WebSocket;
  /** The TCP socket under `server`. */
  raw: Socket;
  client: WebSocket;
  received: unknown[];
  closed: Promise<number>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function pair(clientOptions: { perMessageDeflate: boolean } = { perMessageDeflate: false }): Promise<Pair> {
  const wss = createUpgradeServer();
  const http = createServer();
  servers.push(http);
  const accepted = new Promise<{ ws: WebSocket; raw: Socket }>((resolve) => {
    http.on('upgrade', (req, socket, head) => {
      void acceptUpgrade(wss, req, socket, head).then((ws) => resolve({ ws: ws!, raw: socket as Socket }));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, clientOptions);
  const received: unknown[] = [];
  client.on('message', (data) => received.push(JSON.parse(data.toString())));
  const closed = new Promise<number>((resolve) => client.on('close', (code) => resolve(code)));
  await new Promise((r) => client.once('open', r));
  const { ws, raw } = await accepted;
  return { server: ws, raw, client, received, closed };
}

describe('server WebSocket writes', () => {
  it('holds the frames of one tick and releases them together, in order, before the next I/O', async () => {
    const { server, raw, client, received } = await pair();
    for (let i = 0; i < 5; i++) expect(sendJson(server, { event: 'n', i })).toBe(true);
    expect(raw.writableCorked).toBeGreaterThan(0);
    await new Promise((r) => process.nextTick(r));
    expect(raw.writableCorked).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([0, 1, 2, 3, 4].map((i) => ({ event: 'n', i })));
    client.close();
  });

  it('delivers frames sent just before a close, then the close code', async () => {
    const { server, received, closed } = await pair();
    sendJson(server, { event: 'call.ended', reason: 'api_hangup' });
    sendJson(server, { event: 'after' });
    closeSocket(server, 1000, 'call ended');
    expect(await closed).toBe(1000);
    expect(received).toEqual([{ event: 'call.ended', reason: 'api_hangup' }, { event: 'after' }]);
  });

  it('declines compression even when a client offers it', async () => {
    const { client } = await pair({ perMessageDeflate: true });
    expect(client.extensions).toBe('');
    client.close();
  });
});
