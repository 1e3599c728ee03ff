import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { FakeTtsVendor, type FakeTtsVendorOptions, type LiveRequest } from './fake-vendor.js';
import { sendAudioMessages } from './ws-stream.js';

const PATH = /^\/v1\/text-to-speech\/([^/]+)\/stream-input$/;
const RATES_HZ = [8000, 16_000, 22_050, 24_000, 44_100, 48_000];

/**
 * ElevenLabs input streaming as documented for `wss://…/v1/text-to-speech/{voice_id}/stream-input`:
 * key in the `xi-api-key` header (a bad key refuses the handshake), `model_id` and `output_format`
 * (`pcm_<rate>`) in the query. The client sends `{ text: " " }` first, then text (ending in a
 * space, optionally `flush: true`), then `{ text: "" }` to end input. The fake answers
 * `{ audio: <base64 PCM>, isFinal: false, … }` messages, then `{ isFinal: true }`, then closes.
 * Injected statuses refuse the handshake with that status.
 */
export class FakeElevenLabsTts extends FakeTtsVendor {
  private readonly pending = new WeakMap<IncomingMessage, LiveRequest>();

  static start(options: FakeTtsVendorOptions = {}): Promise<FakeElevenLabsTts> {
    return new FakeElevenLabsTts(options).listen();
  }

  protected handleHttp(): void {
    throw new Error('ElevenLabs streaming input is WebSocket only');
  }

  protected override checkUpgrade(req: IncomingMessage, url: URL): { status: number; body: string } | null {
    if (!PATH.test(url.pathname)) return { status: 404, body: JSON.stringify({ detail: 'Not Found' }) };
    if (this.badKey(req.headers['xi-api-key'])) {
      return { status: 401, body: JSON.stringify({ detail: { status: 'invalid_api_key', message: 'Invalid API key' } }) };
    }
    const format = /^pcm_(\d+)$/.exec(url.searchParams.get('output_format') ?? '');
    if (format === null || !RATES_HZ.includes(Number(format[1]))) {
      return { status: 400, body: JSON.stringify({ detail: { status: 'invalid_output_format', message: 'this fake only renders pcm_<rate>' } }) };
    }
    const live = this.begin(req, url, null);
    const failure = live.plan.failure;
    if (failure?.kind === 'status') {
      live.settle('failed');
      return { status: failure.status, body: JSON.stringify({ detail: { status: 'injected', message: failure.message ?? 'injected failure' } }) };
    }
    this.pending.set(req, live);
    return null;
  }

  protected override handleSocket(socket: WebSocket, req: IncomingMessage, url: URL): void {
    const live = this.pending.get(req)!;
    const rate = Number(/^pcm_(\d+)$/.exec(url.searchParams.get('output_format') ?? '')![1]);
    const gone = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    void gone.then(() => live.settle('client_aborted'));
    let buffered = '';
    let spoken = '';
    let chain = Promise.resolve(true);
    const speak = (text: string, last: boolean): void => {
      chain = chain.then(async (ok) => {
        if (!ok) return false;
        if (text.trim().length > 0) {
          spoken += text;
          const samples = await this.render(live, text.trim(), rate);
          live.record.text = spoken.trim();
          ok = await sendAudioMessages({
            live,
            socket,
            samples,
            sampleRateHz: rate,
            chunkMs: this.chunkMs,
            message: (audio) => ({ audio, isFinal: false, normalizedAlignment: null, alignment: null }),
            gone,
            waitForRelease: (g) => this.waitForRelease(g),
          });
        }
        if (ok && last) {
          socket.send(JSON.stringify({ isFinal: true }));
          live.settle('completed');
          socket.close(1000);
        }
        return ok;
      });
    };
    socket.on('message', (data) => {
      let message: { text?: unknown; flush?: unknown };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        socket.close(1003, 'messages must be JSON');
        return;
      }
      live.record.messages.push(message);
      if (typeof message.text !== 'string') {
        socket.send(JSON.stringify({ message: 'text is required', error: 'invalid_request', code: 1008 }));
        socket.close(1008, 'text is required');
        return;
      }
      if (live.record.messages.length === 1) {
        if (message.text !== ' ') socket.close(1008, 'the first message must have text " "');
        return;
      }
      if (message.text === '') {
        speak(buffered, true);
        buffered = '';
        return;
      }
      buffered += message.text;
      if (message.flush === true) {
        speak(buffered, false);
        buffered = '';
      }
    });
  }
}
