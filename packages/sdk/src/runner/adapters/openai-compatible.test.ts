import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '@unpod/testkit/fake-openai';
import { AdapterError } from '../errors.js';
import { OpenAICompatibleAdapter, type OpenAICompatibleOptions } from './openai-compatible.js';
import type { LlmCallInfo, StreamOptions, ToolCallInfo, ToolResultInfo } from './types.js';

// Against a local server speaking the chat-completions SSE protocol.

let fake: FakeOpenAI | null = null;

afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function adapter(options: Partial<OpenAICompatibleOptions> = {}): Promise<OpenAICompatibleAdapter> {
  fake = await FakeOpenAI.start();
  return new OpenAICompatibleAdapter({ baseUrl: fake.baseUrl, apiKey: 'sk-test-key', model: 'gpt-test', systemPrompt: 'You are terse.', retryDelayMs: 1, ...options });
}

const opts = (signal = new AbortController().signal): StreamOptions => ({ language: null, signal, context: null });

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('OpenAICompatibleAdapter', () => {
  it('streams delta.content, sends model/messages/stream/stream_options, keeps history and reports usage', async () => {
    const a = await adapter({ temperature: 0.2 });
    const calls: LlmCallInfo[] = [];
    a.registerLlmCallback((info) => void calls.push(info));
    fake!.enqueue({ kind: 'stream', content: ['Hel', 'lo'], usage: { prompt_tokens: 12, completion_tokens: 2, cached_tokens: 3 } });
    expect(await collect(a.stream('hi', opts()))).toEqual(['Hel', 'lo']);
    const req = await fake!.requests.next();
    expect(req.headers.authorization).toBe('Bearer sk-test-key');
    expect(req.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hi' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
    });
    expect(a.messages.at(-1)).toEqual({ role: 'assistant', content: 'Hello' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ model: 'gpt-test', callType: 'chat', tokensIn: 12, tokensOut: 2, cached: 3 });
    expect(await req.outcome).toBe('completed');
  });

  it('runs tool calls through onToolCall, fires tool callbacks and loops the result back to the model', async () => {
    const toolEvents: string[] = [];
    const a = await adapter({
      tools: [{ name: 'get_time', description: 'Current time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } }],
      onToolCall: async (call) => ({ time: '10:00', tz: (call.arguments as { tz: string }).tz }),
    });
    a.registerToolCallbacks({
      toolCall: (info: ToolCallInfo) => void toolEvents.push(`call:${info.name}:${JSON.stringify(info.arguments)}`),
      toolResult: (info: ToolResultInfo) => void toolEvents.push(`result:${JSON.stringify(info.result)}:${info.error}`),
    });
    fake!.enqueue(
      { kind: 'stream', content: ['Checking. '], toolCalls: [{ id: 'call_1', name: 'get_time', arguments: '{"tz":"IST"}', argumentPieces: 3 }] },
      { kind: 'stream', content: ['It is 10.'] },
    );
    expect(await collect(a.stream('what time is it?', opts()))).toEqual(['Checking. ', 'It is 10.']);
    expect(toolEvents).toEqual(['call:get_time:{"tz":"IST"}', 'result:{"time":"10:00","tz":"IST"}:null']);
    const first = await fake!.requests.next();
    expect(first.body.tools).toEqual([
      { type: 'function', function: { name: 'get_time', description: 'Current time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
    ]);
    const second = await fake!.requests.next();
    expect((second.body.messages as unknown[]).slice(-2)).toEqual([
      { role: 'assistant', content: 'Checking. ', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{"tz":"IST"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"time":"10:00","tz":"IST"}' },
    ]);
    expect(a.messages.at(-1)).toEqual({ role: 'assistant', content: 'It is 10.' });
  });

  it('maps error bodies to AdapterError with status and provider code; retries 429/500 only', async () => {
    const a = await adapter({ retries: 2 });
    fake!.enqueue(
      { kind: 'error', status: 429, message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
      { kind: 'error', status: 500, message: 'The server had an error', type: 'server_error', code: null },
      { kind: 'stream', content: ['ok'] },
      { kind: 'error', status: 401, message: 'Incorrect API key provided: sk-test-ke**', type: 'invalid_request_error', code: 'invalid_api_key' },
    );
    expect(await collect(a.stream('one', opts()))).toEqual(['ok']);
    const err = (await collect(a.stream('two', opts())).catch((e: unknown) => e)) as AdapterError;
    expect(err).toBeInstanceOf(AdapterError);
    expect(err).toMatchObject({ status: 401, providerCode: 'invalid_api_key', transient: false });
    expect(err.message).not.toContain('sk-test-ke');
    expect(fake!.requests.items).toHaveLength(4);
  });

  it('barge-in: the abort reaches the provider request and history keeps only what was heard', async () => {
    const a = await adapter();
    fake!.enqueue({ kind: 'stream', content: ['The first sentence. ', 'The second '], hold: true, afterRelease: ['never heard'] });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const chunk of a.stream('tell me', opts(controller.signal))) {
        seen.push(chunk);
        if (seen.length === 2) {
          controller.abort();
          a.markInterrupted('The first sentence. ');
        }
      }
    })();
    await run.catch(() => undefined);
    expect(await (await fake!.requests.next()).outcome).toBe('client_aborted');
    expect(seen).toEqual(['The first sentence. ', 'The second ']);
    fake!.enqueue({ kind: 'stream', content: ['Sure.'] });
    await collect(a.stream('go on', opts()));
    const next = await fake!.requests.next();
    expect((next.body.messages as unknown[]).slice(1)).toEqual([
      { role: 'user', content: 'tell me' },
      { role: 'assistant', content: 'The first sentence. ' },
      { role: 'user', content: 'go on' },
    ]);
  });

  it('markInterrupted after a finished reply truncates it; assist adds a system message', async () => {
    const a = await adapter();
    fake!.enqueue({ kind: 'stream', content: ['Long answer that was cut'] });
    await collect(a.stream('q', opts()));
    a.markInterrupted('Long answer');
    a.assist('They interrupted you.');
    expect(a.messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'Long answer' },
      { role: 'system', content: 'They interrupted you.' },
    ]);
  });
});
