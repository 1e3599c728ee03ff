import type { ServerToClientFrame } from '@unpod/protocol';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { AgentRunner } from 'unpod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bookingEntrypoint, loadBookingPlaybook } from './agent.js';
import { Calendar } from './calendar.js';

/** A text-call client: frames queued in arrival order, `until` skips to the first match. */
class TextClient {
  readonly frames: ServerToClientFrame[] = [];
  private wake: (() => void) | null = null;
  private cursor = 0;
  closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerToClientFrame);
      this.wake?.();
    });
    ws.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(url: string): Promise<TextClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TextClient(ws)));
      ws.once('error', reject);
    });
  }

  say(text: string): void {
    this.ws.send(JSON.stringify({ event: 'user.text', text }));
  }

  async until<E extends ServerToClientFrame['event']>(event: E): Promise<Extract<ServerToClientFrame, { event: E }>> {
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!;
        if (f.event === event) return f as Extract<ServerToClientFrame, { event: E }>;
      }
      if (this.closed) throw new Error(`socket closed before ${event}; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Send `text` and return the agent's reply (its `agent.text.end`). */
  async turn(text: string): Promise<string> {
    this.say(text);
    return (await this.until('agent.text.end')).text;
  }

  close(): void {
    this.ws.close();
  }
}

describe('booking agent over a real text call (unpod serve + AgentRunner)', () => {
  let server: TestServer | undefined;
  let runner: AgentRunner | undefined;
  const agentId = `booking-e2e-${Math.random().toString(36).slice(2, 8)}`;
  const calendar = new Calendar();

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${server!.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${server!.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    server = await startTestServer();
    const pipe = await api('POST', '/v1/pipes', { name: 'Lotus Wellness', agent_id: agentId });
    expect(pipe.status).toBe(201);
    const loaded = await loadBookingPlaybook();
    runner = new AgentRunner({
      agentId,
      apiKey: server.apiKey,
      baseUrl: server.baseUrl,
      env: {},
      logLevel: 'silent',
      drainTimeoutMs: 0,
      entrypoint: bookingEntrypoint(loaded, { calendar, clock: () => new Date('2026-03-10T09:00:00Z') }),
    });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.shutdown();
    await server?.close();
  });

  it('drives the playbook to a booking and the agent ends the call', async () => {
    const call = await api('POST', '/v1/calls', { transport: 'text', agent_id: agentId });
    expect(call.status).toBe(201);
    const client = await TextClient.open(String(call.body.client_url));
    expect((await client.until('agent.text.end')).text).toMatch(/^Hello, this is Mira from Lotus Wellness\./);
    expect(await client.turn('I would like a facial')).toBe('A facial, lovely. Which day would suit you?');
    expect(await client.turn('tomorrow at half past two in the afternoon')).toBe('Perfect. May I have your name for the booking?');
    expect(await client.turn('my name is Ines')).toBe("So that's a facial on Wednesday 11 March at 2:30 pm for Ines. Shall I book it?");
    expect(await client.turn('yes, book it')).toBe("You're all set, Ines. Your facial is booked for Wednesday 11 March at 2:30 pm, reference LW-1001. Thank you for calling!");
    const ended = await client.until('call.ended');
    expect(ended.reason).toBe('agent_end_call');
    expect(client.frames.some((f) => f.event === 'agent.text.delta')).toBe(true);
    expect(calendar.all.map((b) => b.reference)).toEqual(['LW-1001']);
    client.close();
    const stored = await api('GET', `/v1/calls/${String(call.body.id)}`);
    expect((stored.body.transcript as Array<{ role: string }>).map((t) => t.role)).toEqual(['agent', 'user', 'agent', 'user', 'agent', 'user', 'agent', 'user', 'agent']);
  });
});
