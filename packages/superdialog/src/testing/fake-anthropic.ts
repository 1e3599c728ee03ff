import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking Anthropic's Messages streaming protocol (`POST /v1/messages`,
 * `stream: true`): `message_start` (with usage incl. cache reads/writes), per block
 * `content_block_start` / `content_block_delta` (`text_delta`, `input_json_delta`) /
 * `content_block_stop`, `message_delta` (stop reason, output tokens), `message_stop`. Errors are
 * `{ type: "error", error: { type, message } }` bodies. Responses are scripted per request.
 */

export type FakeAnthropicResponse =
  | {
      kind: 'stream';
      text?: string[];
      toolUses?: Array<{ id: string; name: string; json: string[] }>;
      usage?: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
    }
  | { kind: 'error'; status: number; type: string; message: string };

export interface AnthropicRequest {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export class FakeAnthropic {
  readonly baseUrl: string;
  readonly requests: AnthropicRequest[] = [];
  private readonly script: FakeAnthropicResponse[] = [];

  private constructor(private readonly server: Server) {
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<FakeAnthropic> {
    const holder: { fake: FakeAnthropic | null } = { fake: null };
    const server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => holder.fake?.handle(req.url ?? '', req.headers, raw, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeAnthropic(server);
    return holder.fake;
  }

  enqueue(...responses: FakeAnthropicResponse[]): void {
    this.script.push(...responses);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(path: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    this.requests.push({ headers, body });
    const fail = (status: number, type: string, message: string): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type, message } }));
    };
    if (path !== '/v1/messages') return fail(404, 'not_found_error', 'Not found');
    if (!headers['x-api-key']) return fail(401, 'authentication_error', 'x-api-key header is required');
    if (typeof body.max_tokens !== 'number') return fail(400, 'invalid_request_error', 'max_tokens: Field required');
    const next = this.script.shift() ?? { kind: 'error', status: 500, type: 'api_error', message: 'no response scripted' };
    if (next.kind === 'error') return fail(next.status, next.type, next.message);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (event: string, data: Record<string, unknown>): void => void res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    const usage = next.usage ?? { input_tokens: 0, output_tokens: 0 };
    send('message_start', {
      message: { id: 'msg_fake', type: 'message', role: 'assistant', content: [], model: body.model, stop_reason: null, usage: { ...usage, output_tokens: 1 } },
    });
    send('ping', {});
    let index = 0;
    if (next.text?.length) {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const t of next.text) send('content_block_delta', { index, delta: { type: 'text_delta', text: t } });
      send('content_block_stop', { index });
      index += 1;
    }
    for (const tool of next.toolUses ?? []) {
      send('content_block_start', { index, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } });
      for (const j of tool.json) send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: j } });
      send('content_block_stop', { index });
      index += 1;
    }
    send('message_delta', { delta: { stop_reason: next.toolUses?.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    send('message_stop', {});
    res.end();
  }
}
