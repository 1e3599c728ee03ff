import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { FRAME_NAMES, ServerToClientFrame, parseFrame, type ServerToClientFrame as ServerFrame } from '@unpod/protocol';
import { DEV_ENV_FILE } from './dev.js';

export interface ChatOptions {
  agentId?: string | undefined;
  pipeId?: string | undefined;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  dataDir: string;
}

/** Key and URL from flags, then env, then the `unpod dev` env file of the data dir. */
async function credentials(opts: ChatOptions): Promise<{ baseUrl: string; apiKey: string }> {
  let fileEnv: Record<string, string> = {};
  try {
    const text = await readFile(path.join(opts.dataDir, DEV_ENV_FILE), 'utf8');
    fileEnv = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  } catch {
    // No dev env file: flags or env must provide both.
  }
  const baseUrl = opts.baseUrl ?? process.env.UNPOD_BASE_URL ?? fileEnv.UNPOD_BASE_URL;
  const apiKey = opts.apiKey ?? process.env.UNPOD_API_KEY ?? fileEnv.UNPOD_API_KEY;
  if (!baseUrl || !apiKey) {
    throw new Error('no server to talk to: pass --base-url and --api-key, set UNPOD_BASE_URL and UNPOD_API_KEY, or run `unpod dev` first');
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey };
}

/**
 * `unpod chat`: a text call from the terminal. Interactive on a TTY; with piped stdin each line
 * is one user turn, sent after the previous agent reply ended (scriptable).
 */
export async function runChat(opts: ChatOptions): Promise<void> {
  if (!opts.agentId && !opts.pipeId) throw new Error('pass --agent-id or --pipe-id');
  const { baseUrl, apiKey } = await credentials(opts);
  const res = await fetch(`${baseUrl}/v1/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ transport: 'text', ...(opts.agentId ? { agent_id: opts.agentId } : {}), ...(opts.pipeId ? { pipe_id: opts.pipeId } : {}) }),
  });
  const call = (await res.json()) as { id?: string; client_url?: string; status?: string; end_reason?: string; error?: { code: string; message: string } };
  if (!res.ok || !call.id) throw new Error(`cannot start a call: ${call.error?.code ?? res.status}: ${call.error?.message ?? 'unexpected response'}`);
  if (!call.client_url) throw new Error(`call ${call.id} ended before it started (${call.end_reason ?? call.status}): ${call.error?.message ?? ''}`);

  const out = process.stdout;
  const interactive = process.stdin.isTTY === true;
  const socket = new WebSocket(call.client_url, { perMessageDeflate: false });
  const lines = createInterface({ input: process.stdin, terminal: interactive });
  const pending: string[] = [];
  let agentBusy = true;
  let ended = false;

  const sendNext = () => {
    if (agentBusy || ended || socket.readyState !== WebSocket.OPEN) return;
    const text = pending.shift();
    if (text === undefined) return;
    agentBusy = true;
    socket.send(JSON.stringify({ event: 'user.text', text }));
  };

  await new Promise<void>((resolve, reject) => {
    socket.on('error', (err) => reject(new Error(`call socket error: ${err.message}`)));
    socket.on('open', () => {
      if (interactive) out.write(`Connected to call ${call.id}. Type a message; Ctrl-D hangs up.\n`);
    });
    socket.on('message', (data) => {
      const parsed = parseFrame<ServerFrame>(data.toString(), ServerToClientFrame, 'event', FRAME_NAMES.serverToClient);
      if (!parsed.ok) return;
      const frame = parsed.frame;
      switch (frame.event) {
        case 'agent.text.delta':
          out.write(frame.text);
          break;
        case 'agent.text.end':
          out.write('\n');
          break;
        case 'error':
          out.write(`\n[error ${frame.code}: ${frame.message}]\n`);
          break;
        case 'call.ended':
          ended = true;
          out.write(`\n[call ended: ${frame.reason}] Details: GET ${baseUrl}/v1/calls/${call.id}\n`);
          socket.close();
          break;
        case 'state':
          // `listening` means the agent's turn (greeting or reply) is over: the next turn is ours.
          if (frame.state === 'listening') {
            agentBusy = false;
            sendNext();
          }
          break;
        case 'call.connected':
        case 'user.interrupted':
          break;
      }
    });
    socket.on('close', () => {
      lines.close();
      resolve();
    });
    lines.on('line', (line) => {
      const text = line.trim();
      if (text) pending.push(text);
      sendNext();
    });
    lines.on('close', () => {
      const hangUpWhenDone = () => {
        if (ended || socket.readyState !== WebSocket.OPEN) return;
        if (pending.length === 0 && !agentBusy) socket.send(JSON.stringify({ event: 'hangup' }));
        else setTimeout(hangUpWhenDone, 50).unref();
      };
      hangUpWhenDone();
    });
  });
}
