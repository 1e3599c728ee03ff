import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BehaviourState, TranscriptScript, type VendorBehaviour, type VendorRequest } from './behaviour.js';

/** One scripted utterance: its transcript, or its final segments in order (Deepgram finalises long speech in pieces). */
export type DeepgramUtterance = string | string[];

/** A connection as the fake saw it. */
export interface DeepgramConnection extends VendorRequest {
  /** Query parameters of the `/v1/listen` URL. */
  params: Record<string, string>;
  /** JSON control messages received (`Finalize`, `KeepAlive`, `CloseStream`), in order. */
  controls: string[];
  /** Close code the client sent or the fake used, once closed. */
  closeCode: number | null;
}

/**
 * A local server speaking Deepgram's live transcription protocol (`GET /v1/listen` upgraded to a
 * WebSocket): the handshake needs `Authorization: Token <key>` (else HTTP 401 with
 * `{ err_code, err_msg, request_id }`) and `encoding=linear16` with a `sample_rate` (else 400).
 * Binary frames are audio. While audio arrives it sends interim `Results` (`is_final: false`,
 * growing prefixes of the scripted words) when `interim_results=true`, and `is_final: true`
 * segments for all but the last segment of a multi-segment utterance. `{"type":"Finalize"}`
 * flushes the utterance: `Results` with `is_final: true`, `speech_final: true`,
 * `from_finalize: true`, followed by `UtteranceEnd` when `utterance_end_ms` was set.
 * `{"type":"CloseStream"}` answers `Metadata` and closes with 1000. See {@link VendorBehaviour}
 * for failure modes; `close-mid-stream` closes with 1011 (`NET-0000`) by default, or e.g. 1008
 * (`DATA-0000`, audio it cannot decode).
 */
export class FakeDeepgram {
  /** The first accepted key. */
  get apiKey(): string {
    return this.apiKeys[0]!;
  }

  /** Base URL for the adapter (`ws://127.0.0.1:<port>`). */
  readonly url: string;
  readonly connections: DeepgramConnection[] = [];
  private readonly script = new TranscriptScript<DeepgramUtterance>('hello from deepgram');
  private readonly behaviour = new BehaviourState();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    /** Keys the fake accepts (the first is `apiKey`). */
    readonly apiKeys: readonly string[],
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${port}`;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts the fake; the adapter must present `apiKey` (or one of several). */
  static async start(options: { apiKey?: string | string[] } = {}): Promise<FakeDeepgram> {
    const server = createServer((_req, res) => res.writeHead(405).end());
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const keys = options.apiKey ?? 'dg-test-key';
    const fake = new FakeDeepgram(server, wss, typeof keys === 'string' ? [keys] : keys);
    server.on('upgrade', (req, socket, head) => fake.upgrade(req, socket as Socket, head));
    return fake;
  }

  /** Transcripts of the next utterances, in order. */
  scriptUtterances(...utterances: DeepgramUtterance[]): void {
    this.script.push(...utterances);
  }

  behave(behaviour: VendorBehaviour): void {
    this.behaviour.set(behaviour);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private later(ms: number, run: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, ms);
    this.timers.add(t);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = Object.fromEntries(url.searchParams);
    const behaviour = this.behaviour.take();
    const rate = Number(params['sample_rate']);
    const conn: DeepgramConnection = {
      method: req.method ?? 'GET',
      url: req.url ?? '',
      headers: req.headers,
      behaviour: behaviour.mode,
      audioBytes: 0,
      sampleRateHz: Number.isFinite(rate) ? rate : null,
      params,
      controls: [],
      closeCode: null,
    };
    this.connections.push(conn);
    const refuse = (status: number, code: string, msg: string): void => {
      const body = JSON.stringify({ err_code: code, err_msg: msg, request_id: `req-${this.connections.length}` });
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== '/v1/listen') return refuse(404, 'NOT_FOUND', 'Not found.');
    if (!this.apiKeys.some((k) => req.headers.authorization === `Token ${k}`)) return refuse(401, 'INVALID_AUTH', 'Invalid credentials.');
    if (behaviour.mode === 'http-error') return refuse(behaviour.status, behaviour.status === 429 ? 'TOO_MANY_REQUESTS' : 'ERROR', 'Scripted failure.');
    if (params['encoding'] !== 'linear16' || conn.sampleRateHz === null) return refuse(400, 'Bad Request', 'encoding=linear16 needs sample_rate.');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, conn, behaviour));
  }

  private serve(ws: WebSocket, conn: DeepgramConnection, behaviour: VendorBehaviour): void {
    const interim = conn.params['interim_results'] === 'true';
    const rate = conn.sampleRateHz!;
    let utterance: string[] | null = null;
    let finalsSent = 0;
    let frames = 0;
    /** Stream timeline: seconds of audio received so far, and where the open utterance began. */
    let streamBytes = 0;
    let uttStartBytes = 0;
    let closedByFake = false;
    const secs = (bytes: number): number => bytes / 2 / rate;
    const send = (msg: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    };
    const results = (words: string[], isFinal: boolean, extra: Record<string, unknown> = {}): void => {
      const start = secs(uttStartBytes);
      const duration = secs(streamBytes) - start;
      const per = words.length > 0 ? duration / words.length : 0;
      send({
        type: 'Results',
        channel_index: [0, 1],
        duration,
        start,
        is_final: isFinal,
        speech_final: false,
        channel: {
          alternatives: [
            {
              transcript: words.join(' '),
              confidence: 0.93,
              words: words.map((w, i) => ({ word: w.toLowerCase(), start: start + i * per, end: start + (i + 1) * per, confidence: 0.93, punctuated_word: w })),
            },
          ],
        },
        metadata: { request_id: 'fake', model_info: { name: conn.params['model'] ?? 'general' } },
        ...extra,
      });
      if (isFinal) uttStartBytes = streamBytes;
    };
    if (behaviour.mode === 'die-after') this.later(behaviour.ms, () => ws.terminate());
    ws.on('close', (code) => {
      conn.closeCode ??= code;
    });
    ws.on('message', (data, isBinary) => {
      if (closedByFake) return;
      if (isBinary) {
        const bytes = (data as Buffer).length;
        conn.audioBytes += bytes;
        streamBytes += bytes;
        frames++;
        if (behaviour.mode === 'close-mid-stream' && conn.audioBytes >= (behaviour.afterBytes ?? 0)) {
          closedByFake = true;
          const code = behaviour.code ?? 1011;
          conn.closeCode = code;
          ws.close(code, behaviour.reason ?? (code === 1008 ? 'DATA-0000' : 'NET-0000'));
          return;
        }
        if (behaviour.mode === 'stall') return;
        if (behaviour.mode === 'garbage') return send('<html>upstream error</html>');
        utterance ??= segmentsOf(this.script.next());
        // All but the last segment are finalised while audio still flows, one per frame.
        if (finalsSent < utterance.length - 1 && frames % 2 === 0) {
          results(words(utterance[finalsSent]!), true);
          finalsSent++;
        } else if (interim) {
          const open = words(utterance[finalsSent] ?? '');
          results(open.slice(0, Math.max(1, Math.min(open.length - 1, Math.ceil(frames / 2)))), false);
        }
        return;
      }
      let type: unknown;
      try {
        type = (JSON.parse(String(data)) as { type?: unknown }).type;
      } catch {
        type = undefined;
      }
      conn.controls.push(typeof type === 'string' ? type : 'invalid');
      if (behaviour.mode === 'stall') return;
      if (type === 'Finalize') {
        if (behaviour.mode === 'garbage') return send({ type: 'Results', channel: {} });
        const segs = utterance ?? (conn.audioBytes > 0 ? segmentsOf(this.script.next()) : ['']);
        const rest = segs.slice(finalsSent).join(' ');
        results(words(rest), true, { speech_final: true, from_finalize: true });
        if (conn.params['utterance_end_ms'] !== undefined) send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: secs(streamBytes) });
        utterance = null;
        finalsSent = 0;
        frames = 0;
      } else if (type === 'CloseStream') {
        send({ type: 'Metadata', request_id: 'fake', duration: secs(streamBytes), channels: 1 });
        closedByFake = true;
        ws.close(1000);
      }
    });
  }
}

function segmentsOf(u: DeepgramUtterance): string[] {
  return typeof u === 'string' ? [u] : u.length === 0 ? [''] : u;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}
