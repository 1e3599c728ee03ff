import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { FakeTtsVendor, type FakeTtsVendorOptions, type LiveRequest } from './fake-vendor.js';
import { sendAudioMessages } from './ws-stream.js';

const RATES_HZ = [8000, 16_000, 22_050, 24_000, 44_100, 48_000];

/**
 * Cartesia as documented for `wss://…/tts/websocket`: `X-API-Key` header (or `?api_key=`) and a
 * `Cartesia-Version` header (or `?cartesia_version=`); a bad key refuses the handshake with 401.
 * A generation request `{ model_id, transcript, voice: { mode: "id", id }, context_id,
 * output_format: { container: "raw", encoding: "pcm_s16le", sample_rate } }` is answered with
 * `{ type: "chunk", data, done: false, status_code: 206, context_id }` messages and then
 * `{ type: "done", done: true, … }`; failures with `{ type: "error", done: true, status_code,
 * title, message, context_id }`. `{ context_id, cancel: true }` stops a context. Injected 401/403
 * refuse the handshake; other injected statuses arrive as `error` messages.
 */
export class FakeCartesiaTts extends FakeTtsVendor {
  private readonly pending = new WeakMap<IncomingMessage, LiveRequest>();

  static start(options: FakeTtsVendorOptions = {}): Promise<FakeCartesiaTts> {
    return new FakeCartesiaTts(options).listen();
  }

  protected handleHttp(): void {
    throw new Error('this fake serves the Cartesia WebSocket only');
  }

  protected override checkUpgrade(req: IncomingMessage, url: URL): { status: number; body: string } | null {
    if (url.pathname !== '/tts/websocket') return { status: 404, body: JSON.stringify({ error: 'not found' }) };
    const key = req.headers['x-api-key'] ?? url.searchParams.get('api_key');
    if (this.badKey(key)) return { status: 401, body: JSON.stringify({ error: 'Invalid API key' }) };
    if ((req.headers['cartesia-version'] ?? url.searchParams.get('cartesia_version')) === undefined) {
      return { status: 400, body: JSON.stringify({ error: 'Cartesia-Version is required' }) };
    }
    const live = this.begin(req, url, null);
    const failure = live.plan.failure;
    if (failure?.kind === 'status' && (failure.status === 401 || failure.status === 403)) {
      live.settle('failed');
      return { status: failure.status, body: JSON.stringify({ error: failure.message ?? 'injected failure' }) };
    }
    this.pending.set(req, live);
    return null;
  }

  protected override handleSocket(socket: WebSocket, req: IncomingMessage): void {
    const live = this.pending.get(req)!;
    const gone = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    void gone.then(() => live.settle('client_aborted'));
    const cancelled = new Set<string>();
    socket.on('message', (data) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        socket.send(JSON.stringify({ type: 'error', done: true, status_code: 400, title: 'Invalid request', message: 'message is not JSON' }));
        return;
      }
      live.record.messages.push(message);
      const contextId = typeof message['context_id'] === 'string' ? message['context_id'] : '';
      if (message['cancel'] === true) {
        cancelled.add(contextId);
        live.settle('client_aborted');
        return;
      }
      void this.generate(socket, live, message, contextId, gone, cancelled);
    });
  }

  private async generate(socket: WebSocket, live: LiveRequest, message: Record<string, unknown>, contextId: string, gone: Promise<void>, cancelled: Set<string>): Promise<void> {
    const error = (status: number, title: string, detail: string): void => {
      socket.send(JSON.stringify({ type: 'error', done: true, status_code: status, title, message: detail, error_code: 'invalid_request', context_id: contextId }));
    };
    const failure = live.plan.failure;
    if (failure?.kind === 'status') {
      live.settle('failed');
      return error(failure.status, 'Injected failure', failure.message ?? 'injected failure');
    }
    const format = message['output_format'] as { container?: unknown; encoding?: unknown; sample_rate?: unknown } | undefined;
    const voice = message['voice'] as { mode?: unknown; id?: unknown } | undefined;
    const rate = Number(format?.sample_rate);
    const problem =
      typeof message['model_id'] !== 'string'
        ? 'model_id is required'
        : typeof message['transcript'] !== 'string' || message['transcript'].length === 0
          ? 'transcript is required'
          : contextId.length === 0
            ? 'context_id is required'
            : voice?.mode !== 'id' || typeof voice.id !== 'string'
              ? 'voice must be { mode: "id", id }'
              : format?.container !== 'raw' || format.encoding !== 'pcm_s16le' || !RATES_HZ.includes(rate)
                ? 'this fake only renders raw pcm_s16le at a documented rate'
                : null;
    if (problem !== null) {
      live.settle('failed');
      return error(400, 'Invalid request', problem);
    }
    const samples = await this.render(live, message['transcript'] as string, rate);
    const ok = await sendAudioMessages({
      live,
      socket,
      samples,
      sampleRateHz: rate,
      chunkMs: this.chunkMs,
      message: (data) => ({ type: 'chunk', data, done: false, status_code: 206, step_time: 12, context_id: contextId }),
      stopped: () => cancelled.has(contextId),
      gone,
      waitForRelease: (g) => this.waitForRelease(g),
    });
    if (ok && !cancelled.has(contextId)) {
      socket.send(JSON.stringify({ type: 'done', done: true, status_code: 206, context_id: contextId }));
      live.settle('completed');
    }
  }
}
