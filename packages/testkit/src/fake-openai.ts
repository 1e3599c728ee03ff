import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FrameLog } from './fake-frame-log.js';

/**
 * A local HTTP server speaking the OpenAI chat-completions streaming protocol
 * (`POST /v1/chat/completions` with `stream: true`): `text/event-stream` with one
 * `chat.completion.chunk` per `data:` line (`choices[0].delta.content`, `delta.tool_calls`
 * fragments carrying index / id / function.name / argument pieces, a final chunk with
 * `finish_reason`), a usage-only chunk (`choices: []`) when the request set
 * `stream_options.include_usage`, then `data: [DONE]`. Errors are `{ error: { message, type,
 * param, code } }` JSON bodies with the matching status. Responses are scripted per request.
 */

/** A tool call the fake model makes. */
export interface FakeToolCall {
  id: string;
  name: string;
  /** Full JSON arguments string; streamed in `argumentPieces` pieces. */
  arguments: string;
  argumentPieces?: number;
}

/** One scripted response. */
export type FakeOpenAIResponse =
  | {
      kind: 'stream';
      /** Content deltas, one chunk each. */
      content?: string[];
      toolCalls?: FakeToolCall[];
      usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };
      /**
       * Stop after `content` and wait for `release()` or the client to disconnect; then send
       * `afterRelease` deltas and finish normally (if the client is still there).
       */
      hold?: boolean;
      afterRelease?: string[];
    }
  | { kind: 'error'; status: number; message: string; type: string; code: string | null };

/** A request as the fake received it. */
export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Resolves true if the client disconnected before the response finished, false if it finished. */
  outcome: Promise<'completed' | 'client_aborted'>;
}

/** The fake server. */
export class FakeOpenAI {
  /** API root to configure as `baseUrl`, e.g. `http://127.0.0.1:1234/v1`. */
  readonly baseUrl: string;
  /** Every request, in order. */
  readonly requests = new FrameLog<RecordedRequest>();
  private readonly script: FakeOpenAIResponse[] = [];
  private releaseHeld: (() => void) | null = null;
  private releasedPromise: Promise<void>;

  private constructor(private readonly server: Server) {
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/v1`;
    this.releasedPromise = new Promise((resolve) => (this.releaseHeld = resolve));
  }

  /** Listen on 127.0.0.1, port 0. */
  static async start(): Promise<FakeOpenAI> {
    const holder: { fake: FakeOpenAI | null } = { fake: null };
    const server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => void holder.fake?.handle(req.url ?? '/', req.headers, raw, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeOpenAI(server);
    return holder.fake;
  }

  /** Script the next responses, in order. */
  enqueue(...responses: FakeOpenAIResponse[]): void {
    this.script.push(...responses);
  }

  /** Let the streams held so far continue (later `hold` responses wait for the next call). */
  release(): void {
    const release = this.releaseHeld;
    this.releasedPromise = new Promise((resolve) => (this.releaseHeld = resolve));
    release?.();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(path: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // Recorded as empty; the test will notice.
    }
    let settle!: (outcome: 'completed' | 'client_aborted') => void;
    const outcome = new Promise<'completed' | 'client_aborted'>((resolve) => (settle = resolve));
    res.on('close', () => settle(res.writableFinished ? 'completed' : 'client_aborted'));
    this.requests.push({ path, headers, body, outcome });

    if (path !== '/v1/chat/completions') return this.sendError(res, { kind: 'error', status: 404, message: 'Unknown path', type: 'invalid_request_error', code: null });
    if (!headers.authorization?.startsWith('Bearer ')) {
      return this.sendError(res, { kind: 'error', status: 401, message: 'You didn\'t provide an API key.', type: 'invalid_request_error', code: null });
    }
    const next = this.script.shift() ?? { kind: 'error', status: 500, message: 'no response scripted', type: 'server_error', code: null };
    if (next.kind === 'error') return this.sendError(res, next);

    const model = typeof body.model === 'string' ? body.model : 'fake-model';
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model, system_fingerprint: null };
    const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const write = (data: unknown): void => {
      if (!res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const delta = (d: Record<string, unknown>, finish: string | null = null): void =>
      write({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    delta({ role: 'assistant', content: '', refusal: null });
    for (const text of next.content ?? []) delta({ content: text });
    if (next.hold) {
      await Promise.race([this.releasedPromise, outcome]);
      for (const text of next.afterRelease ?? []) delta({ content: text });
    }
    (next.toolCalls ?? []).forEach((call, index) => {
      delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
      const pieces = Math.max(1, call.argumentPieces ?? 2);
      const size = Math.ceil(call.arguments.length / pieces) || 1;
      for (let i = 0; i < call.arguments.length; i += size) delta({ tool_calls: [{ index, function: { arguments: call.arguments.slice(i, i + size) } }] });
    });
    delta({}, next.toolCalls?.length ? 'tool_calls' : 'stop');
    if (includeUsage) {
      const u = next.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
      write({
        ...base,
        choices: [],
        usage: {
          prompt_tokens: u.prompt_tokens,
          completion_tokens: u.completion_tokens,
          total_tokens: u.prompt_tokens + u.completion_tokens,
          prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      });
    }
    if (!res.destroyed) res.end('data: [DONE]\n\n');
  }

  private sendError(res: ServerResponse, e: Extract<FakeOpenAIResponse, { kind: 'error' }>): void {
    res.writeHead(e.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: e.message, type: e.type, param: null, code: e.code } }));
  }
}
