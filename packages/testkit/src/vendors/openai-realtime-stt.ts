import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BehaviourState, TranscriptScript, type VendorBehaviour, type VendorRequest } from './behaviour.js';

/** A realtime transcription connection as the fake saw it. */
export interface OpenAiRealtimeConnection extends VendorRequest {
  /** Query parameters of the `/v1/realtime` URL. */
  params: Record<string, string>;
  /** Client event types received, in order (`input_audio_buffer.append` included). */
  events: string[];
  /** Every `session.update` `session` object received, in order. */
  sessionUpdates: Record<string, unknown>[];
  /** Close code the client sent or the fake used, once closed. */
  closeCode: number | null;
}

/**
 * A local server speaking OpenAI's realtime transcription protocol: `GET /v1/realtime?intent=transcription`
 * upgraded to a WebSocket with `Authorization: Bearer <key>` (else HTTP 401 with
 * `{ error: { message, type, code: "invalid_api_key" } }`). It sends `session.created`; each
 * `session.update` with `session.type: "transcription"` is answered with `session.updated`
 * (anything else with an `error` event). `input_audio_buffer.append` `{ audio }` (base64 PCM16)
 * fills the buffer; the first append of a buffer answers a
 * `conversation.item.input_audio_transcription.delta` with the scripted transcript's first word.
 * `input_audio_buffer.commit` answers `input_audio_buffer.committed` `{ item_id }`, one delta per
 * remaining word and `conversation.item.input_audio_transcription.completed` `{ item_id, transcript }`;
 * a commit of less than 100 ms of audio is an `error` (`input_audio_buffer_commit_empty`).
 * Failure modes as {@link VendorBehaviour}: `close-mid-stream` closes with `code` (default 1011),
 * `garbage` answers a non-JSON text frame, `stall` answers nothing after `session.updated`.
 */
export class FakeOpenAiRealtimeStt {
  /** Base URL for the adapter (`http://127.0.0.1:<port>/v1`, turned into `ws://` by the adapter). */
  readonly url: string;
  readonly connections: OpenAiRealtimeConnection[] = [];
  private readonly script = new TranscriptScript<string>('Hello from OpenAI realtime.');
  private readonly behaviour = new BehaviourState();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Sends an `error` event instead of `session.updated` when set (e.g. a rate limit). */
  private errorEvent: { type: string; code: string; message: string } | null = null;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly apiKey: string,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/v1`;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(options: { apiKey?: string } = {}): Promise<FakeOpenAiRealtimeStt> {
    const server = createServer((_req, res) => res.writeHead(405).end());
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeOpenAiRealtimeStt(server, wss, options.apiKey ?? 'sk-openai-test');
    server.on('upgrade', (req, socket, head) => fake.upgrade(req, socket as Socket, head));
    return fake;
  }

  /** Transcripts of the next utterances, in order. */
  scriptUtterances(...utterances: string[]): void {
    this.script.push(...utterances);
  }

  behave(behaviour: VendorBehaviour): void {
    this.behaviour.set(behaviour);
  }

  /** The next connection gets this `error` event in answer to its first `session.update`. */
  failSessionWith(error: { type: string; code: string; message: string }): void {
    this.errorEvent = error;
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
    const behaviour = this.behaviour.take();
    const conn: OpenAiRealtimeConnection = {
      method: req.method ?? 'GET',
      url: req.url ?? '',
      headers: req.headers,
      behaviour: behaviour.mode,
      audioBytes: 0,
      sampleRateHz: null,
      params: Object.fromEntries(url.searchParams),
      events: [],
      sessionUpdates: [],
      closeCode: null,
    };
    this.connections.push(conn);
    const refuse = (status: number, type: string, code: string, message: string): void => {
      const body = JSON.stringify({ error: { message, type, param: null, code } });
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== '/v1/realtime') return refuse(404, 'invalid_request_error', 'not_found', 'Not found.');
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${this.apiKey}`) {
      // OpenAI echoes a masked form of the key it got.
      return refuse(401, 'invalid_request_error', 'invalid_api_key', `Incorrect API key provided: ${auth.replace(/^Bearer /, '').slice(0, 6)}****. You can find your API key at https://platform.openai.com/account/api-keys.`);
    }
    if (behaviour.mode === 'http-error') {
      const status = behaviour.status;
      return refuse(status, status === 429 ? 'requests' : 'server_error', status === 429 ? 'rate_limit_exceeded' : 'server_error', 'Scripted failure.');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, conn, behaviour));
  }

  private serve(ws: WebSocket, conn: OpenAiRealtimeConnection, behaviour: VendorBehaviour): void {
    let seq = 0;
    const id = (prefix: string): string => `${prefix}_${this.connections.length}_${++seq}`;
    let bufferBytes = 0;
    let itemId: string | null = null;
    let words: string[] = [];
    let closedByFake = false;
    const errorEvent = this.errorEvent;
    this.errorEvent = null;
    const send = (msg: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(typeof msg === 'string' ? msg : JSON.stringify({ event_id: id('event'), ...(msg as object) }));
    };
    const error = (type: string, code: string, message: string): void => send({ type: 'error', error: { type, code, message, param: null, event_id: null } });
    const delta = (item: string, text: string): void => send({ type: 'conversation.item.input_audio_transcription.delta', item_id: item, content_index: 0, delta: text });
    if (behaviour.mode === 'die-after') this.later(behaviour.ms, () => ws.terminate());
    ws.on('close', (code) => {
      conn.closeCode ??= code;
    });
    send({ type: 'session.created', session: { object: 'realtime.session', type: 'transcription', id: id('sess') } });
    ws.on('message', (data, isBinary) => {
      if (closedByFake) return;
      let event: { type?: unknown; audio?: unknown; session?: unknown };
      try {
        if (isBinary) throw new Error('binary');
        event = JSON.parse(String(data)) as typeof event;
      } catch {
        return error('invalid_request_error', 'invalid_json', 'The server could not parse the event.');
      }
      const type = typeof event.type === 'string' ? event.type : 'invalid';
      conn.events.push(type);
      if (type === 'session.update') {
        const session = (event.session ?? {}) as Record<string, unknown>;
        conn.sessionUpdates.push(session);
        const format = ((session['audio'] as { input?: { format?: { rate?: unknown } } } | undefined)?.input?.format?.rate);
        if (typeof format === 'number') conn.sampleRateHz = format;
        if (errorEvent) return error(errorEvent.type, errorEvent.code, errorEvent.message);
        if (session['type'] !== 'transcription') return error('invalid_request_error', 'invalid_value', "Invalid value for 'session.type'.");
        return send({ type: 'session.updated', session: { object: 'realtime.session', ...session } });
      }
      if (behaviour.mode === 'stall') return;
      if (type === 'input_audio_buffer.append') {
        if (typeof event.audio !== 'string') return error('invalid_request_error', 'missing_required_parameter', "Missing required parameter: 'audio'.");
        const bytes = Buffer.from(event.audio, 'base64').length;
        conn.audioBytes += bytes;
        if (behaviour.mode === 'close-mid-stream' && conn.audioBytes >= (behaviour.afterBytes ?? 0)) {
          closedByFake = true;
          const code = behaviour.code ?? 1011;
          conn.closeCode = code;
          ws.close(code, behaviour.reason ?? 'internal_error');
          return;
        }
        if (behaviour.mode === 'garbage') return send('<html>upstream error</html>');
        if (bufferBytes === 0) {
          itemId = id('item');
          words = this.script.next().split(/\s+/).filter((w) => w !== '');
          if (words.length > 0) delta(itemId, words[0]!);
        }
        bufferBytes += bytes;
        return;
      }
      if (type === 'input_audio_buffer.commit') {
        // 100 ms of PCM16 at 24 kHz.
        if (bufferBytes < 4800 || itemId === null) {
          return error('invalid_request_error', 'input_audio_buffer_commit_empty', 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio.');
        }
        const item = itemId;
        const said = words;
        bufferBytes = 0;
        itemId = null;
        send({ type: 'input_audio_buffer.committed', previous_item_id: null, item_id: item });
        for (let i = 1; i < said.length; i++) delta(item, ` ${said[i]!}`);
        send({ type: 'conversation.item.input_audio_transcription.completed', item_id: item, content_index: 0, transcript: said.join(' '), usage: { type: 'duration', seconds: 1 } });
        return;
      }
      if (type === 'input_audio_buffer.clear') {
        bufferBytes = 0;
        itemId = null;
        return send({ type: 'input_audio_buffer.cleared' });
      }
      return error('invalid_request_error', 'unknown_event', `Invalid value: '${type}'.`);
    });
  }
}
