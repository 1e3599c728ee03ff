import { FrameSocket, type Frame } from './frame-socket.js';
import type { Call, TranscriptTurn, TurnMetrics } from '@unpod/protocol';
import type { HelloOptions, RawRunner } from './raw-runner.js';
import type { TestNode } from './test-node.js';

let seq = 0;

/** A fresh agent id, so tests sharing a node never see each other's runners. */
export function uniqueAgent(prefix = 'agent'): string {
  return `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Create a pipe for `agentId` (defaults: no greeting) and return it. */
export async function createPipe(node: TestNode, agentId: string, fields: Record<string, unknown> = {}, key?: string): Promise<Frame> {
  const res = await node.api('POST', '/v1/pipes', { name: `pipe ${agentId}`, agent_id: agentId, ...fields }, key);
  if (res.status !== 201) throw new Error(`pipe create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface LiveTextCall {
  call: Frame;
  callId: string;
  client: FrameSocket;
  bridge: FrameSocket;
  assign: Frame;
  helloAck: Frame;
  callStarted: Frame;
}

/**
 * `POST /v1/calls` (text) while `runner` accepts the assignment, dials the bridge and completes
 * the handshake; then connect the client to `client_url`.
 */
export async function startTextCall(
  node: TestNode,
  runner: RawRunner,
  body: Record<string, unknown>,
  options: { hello?: HelloOptions; connectClient?: boolean } = {},
): Promise<LiveTextCall> {
  const accepted = runner.acceptNext(options.hello);
  const created = await node.api('POST', '/v1/calls', { transport: 'text', ...body });
  if (created.status !== 201) throw new Error(`call create failed: ${created.status} ${JSON.stringify(created.body)}`);
  if (!created.body.client_url) throw new Error(`call has no client_url: ${JSON.stringify(created.body)}`);
  const { assign, bridge, helloAck, callStarted } = await accepted;
  const client = options.connectClient === false ? (null as unknown as FrameSocket) : await FrameSocket.open(created.body.client_url);
  return { call: created.body, callId: created.body.id, client, bridge, assign, helloAck, callStarted };
}

/** A call as `GET /v1/calls/{id}` returns it. */
export type CallDetail = Call & { transcript: TranscriptTurn[]; turn_metrics: TurnMetrics[] };

/** Wait until the call has ended on this node and return it with transcript and metrics. */
export async function finishedCall(node: TestNode, callId: string, key?: string): Promise<CallDetail> {
  const live = node.server.orchestrator.liveCall(callId);
  if (live) await live.finished;
  const res = await node.api('GET', `/v1/calls/${callId}`, undefined, key);
  return res.body;
}
