import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { BridgeConnection } from './bridge-connection.js';
import { dialBridge } from './bridge-dial.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((r) => s.close(r));
  }
});

/**
 * A bridge dialed the way the runner dials it, to a bare `ws` server (which offers compression)
 * that completes the handshake and then records what it receives.
 */
async function connect(): Promise<{ conn: BridgeConnection; received: unknown[]; closed: Promise<number>; extensions: string }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  const received: unknown[] = [];
  let onClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  let extensions = '';
  wss.once('connection', (socket) => {
    extensions = socket.extensions;
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { event: string };
      if (frame.event !== 'hello') return void received.push(frame);
      const ids = { session_id: 'c1', job_id: 'j1', room_id: 'c1' };
      socket.send(JSON.stringify({ event: 'hello.ack', protocol_version: 2, negotiated_events: [], negotiated_verbs: [], call_id: 'c1', ...ids }));
      socket.send(JSON.stringify({ event: 'call.started', metadata: {}, ...ids }));
    });
    socket.on('close', (code) => onClosed(code));
  });
  const { conn } = await dialBridge({
    bridgeUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/bridge`,
    callToken: 'ct_test',
    signal: new AbortController().signal,
    openTimeoutMs: 5_000,
    handshakeTimeoutMs: 5_000,
    retryDelaysMs: [],
    logger: silentLogger,
  });
  return { conn, received, closed, extensions };
}

describe('bridge connection writes', () => {
  it('sends verbs of one tick together and in order', async () => {
    const { conn, received } = await connect();
    conn.send({ event: 'agent.text.delta', text: 'a' });
    conn.send({ event: 'agent.text.delta', text: 'b' });
    conn.send({ event: 'agent.text.end' });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([{ event: 'agent.text.delta', text: 'a' }, { event: 'agent.text.delta', text: 'b' }, { event: 'agent.text.end' }]);
    conn.close();
  });

  it('delivers verbs sent just before close, then closes with the code given', async () => {
    const { conn, received, closed } = await connect();
    conn.send({ event: 'agent.say', text: 'bye' });
    conn.send({ event: 'agent.end_call', reason: 'completed' });
    conn.close(1000, 'call ended');
    expect(await closed).toBe(1000);
    expect(received).toEqual([{ event: 'agent.say', text: 'bye' }, { event: 'agent.end_call', reason: 'completed' }]);
  });

  it('does not ask for compression', async () => {
    const { conn, extensions } = await connect();
    expect(extensions).toBe('');
    conn.close();
  });
});
