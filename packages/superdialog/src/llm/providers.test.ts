import { FakeOpenAI } from '@unpod/testkit/fake-openai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../testing/fake-anthropic.js';
import { AnthropicProvider } from './anthropic.js';
import { ScriptedProvider } from './fake.js';
import { OpenAIProvider } from './openai.js';
import { ResilientProvider } from './resilient.js';
import { LlmError, type LlmCallReport, type LlmProvider, type LlmRequest, type LlmStreamEvent } from './types.js';

let openai: FakeOpenAI | null = null;
let anthropic: FakeAnthropic | null = null;
afterEach(async () => {
  await openai?.close();
  await anthropic?.close();
  openai = null;
  anthropic = null;
});

const ask: LlmRequest = { messages: [{ role: 'system', content: 'You are terse. Today is Monday.', cachePrefix: 'You are terse.' }, { role: 'user', content: 'hi' }] };

async function events(p: LlmProvider, r: LlmRequest): Promise<LlmStreamEvent[]> {
  const out: LlmStreamEvent[] = [];
  for await (const e of p.stream(r)) out.push(e);
  return out;
}

describe('OpenAI-compatible provider (local chat-completions server)', () => {
  it('streams text deltas, assembles tool calls, reports usage with cached tokens counted once', async () => {
    openai = await FakeOpenAI.start();
    openai.enqueue({ kind: 'stream', content: ['Hel', 'lo'], toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{"q":"spa hours"}', argumentPieces: 3 }], usage: { prompt_tokens: 120, completion_tokens: 7, cached_tokens: 100 } });
    const p = new OpenAIProvider({ baseUrl: openai.baseUrl, apiKey: 'sk-test', model: 'gpt-test' });
    const out = await events(p, { ...ask, tools: [{ name: 'lookup', description: 'look up', parameters: { type: 'object' } }], toolChoice: { name: 'lookup' } });
    expect(out).toEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'tool_call', call: { id: 'c1', name: 'lookup', arguments: '{"q":"spa hours"}' } },
      { type: 'done', usage: { tokensIn: 20, tokensOut: 7, cached: 100, cacheWrite: null }, model: 'gpt-test', finishReason: 'tool_calls' },
    ]);
    const req = await openai.requests.next();
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true }, tool_choice: { type: 'function', function: { name: 'lookup' } } });
    expect((req.body.messages as unknown[])[0]).toEqual({ role: 'system', content: 'You are terse. Today is Monday.' });
  });

  it('maps errors: 401 fails fast, 503 is transient and retried, exhaustion is typed', async () => {
    openai = await FakeOpenAI.start();
    const p = new OpenAIProvider({ baseUrl: openai.baseUrl, apiKey: 'sk-test', model: 'gpt-test' });
    openai.enqueue({ kind: 'error', status: 400, message: 'bad things with sk-abcdefghijkl', type: 'invalid_request_error', code: null });
    const bad = await p.complete(ask).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(LlmError);
    expect(bad).toMatchObject({ code: 'llm_http_error', status: 400, transient: false });
    expect((bad as Error).message).not.toContain('abcdefghijkl');

    const reports: LlmCallReport[] = [];
    const resilient = new ResilientProvider(p, { retries: 2, backoffMs: 1, onCall: (r) => reports.push(r) });
    openai.enqueue({ kind: 'error', status: 503, message: 'overloaded', type: 'server_error', code: null }, { kind: 'stream', content: ['ok'] });
    expect((await resilient.complete({ ...ask, purpose: 'director' })).text).toBe('ok');
    expect(reports.map((r) => [r.purpose, r.ok])).toEqual([
      ['director', false],
      ['director', true],
    ]);
    openai.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 429, message: 'slow down', type: 'rate_limit', code: null })));
    await expect(resilient.complete(ask)).rejects.toMatchObject({ code: 'llm_exhausted' });
    openai.enqueue({ kind: 'error', status: 401, message: 'no', type: 'auth', code: null });
    const before = reports.length;
    await expect(resilient.complete(ask)).rejects.toMatchObject({ code: 'llm_http_error', status: 401 });
    expect(reports.length - before).toBe(1);
  });

  it('times out a silent server (idle timeout) and stops the request when the caller aborts', async () => {
    openai = await FakeOpenAI.start();
    const p = new OpenAIProvider({ baseUrl: openai.baseUrl, apiKey: 'sk-test', model: 'gpt-test', timeoutMs: 50 });
    openai.enqueue({ kind: 'stream', content: ['Hi'], hold: true });
    await expect(p.complete(ask)).rejects.toMatchObject({ code: 'llm_timeout', transient: true });
    openai.release();
    openai.enqueue({ kind: 'stream', content: ['One'], hold: true, afterRelease: ['Two'] });
    const controller = new AbortController();
    const slow = new OpenAIProvider({ baseUrl: openai.baseUrl, apiKey: 'sk-test', model: 'gpt-test' });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const e of slow.stream({ ...ask, signal: controller.signal })) {
          if (e.type === 'text') {
            seen.push(e.text);
            controller.abort(new Error('barge-in'));
          }
        }
      })(),
    ).rejects.toThrow('barge-in');
    expect(seen).toEqual(['One']);
    await openai.requests.next();
    expect(await (await openai.requests.next()).outcome).toBe('client_aborted');
  });
});

describe('Anthropic provider (local Messages API server)', () => {
  it('streams text and tool_use blocks, splits the system prompt at the cache marker, reports cache usage', async () => {
    anthropic = await FakeAnthropic.start();
    anthropic.enqueue({
      kind: 'stream',
      text: ['Let me ', 'check.'],
      toolUses: [{ id: 'toolu_1', name: 'lookup', json: ['{"q":', '"hours"}'] }],
      usage: { input_tokens: 30, output_tokens: 12, cache_read_input_tokens: 900, cache_creation_input_tokens: 0 },
    });
    const p = new AnthropicProvider({ baseUrl: anthropic.baseUrl, apiKey: 'ak-test', model: 'claude-test' });
    const out = await p.complete({
      ...ask,
      messages: [...ask.messages, { role: 'assistant', content: '', toolCalls: [{ id: 't0', name: 'lookup', arguments: '{}' }] }, { role: 'tool', toolCallId: 't0', content: '{"ok":true}' }],
      tools: [{ name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
      toolChoice: 'required',
    });
    expect(out).toEqual({
      text: 'Let me check.',
      toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{"q":"hours"}' }],
      usage: { tokensIn: 30, tokensOut: 12, cached: 900, cacheWrite: 0 },
      model: 'claude-test',
    });
    const req = anthropic.requests[0]!;
    expect(req.headers['x-api-key']).toBe('ak-test');
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.body).toMatchObject({
      model: 'claude-test',
      max_tokens: 1024,
      stream: true,
      system: [
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Today is Monday.' },
      ],
      tool_choice: { type: 'any' },
      tools: [{ name: 'lookup', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't0', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't0', content: '{"ok":true}' }] },
      ],
    });
  });

  it('maps overload to a transient error and bad requests to a permanent one', async () => {
    anthropic = await FakeAnthropic.start();
    const p = new AnthropicProvider({ baseUrl: anthropic.baseUrl, apiKey: 'ak-test', model: 'claude-test' });
    anthropic.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }, { kind: 'error', status: 400, type: 'invalid_request_error', message: 'bad' });
    await expect(p.complete(ask)).rejects.toMatchObject({ status: 529, transient: true });
    await expect(p.complete(ask)).rejects.toMatchObject({ status: 400, transient: false });
  });
});

/** A provider that never answers until aborted. */
class SilentProvider implements LlmProvider {
  readonly vendor = 'silent';
  readonly model = 'silent-model';
  aborted = false;
  stream(r: LlmRequest): AsyncIterable<LlmStreamEvent> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<LlmStreamEvent>> => {
          await new Promise<void>((resolve) => r.signal?.addEventListener('abort', () => resolve(), { once: true }));
          this.aborted = true;
          throw r.signal?.reason;
        },
      }),
    };
  }
  complete(): never {
    throw new Error('unused');
  }
}

describe('hedged requests', () => {
  it('sends the request to the hedge after the delay; the first success wins and the loser is aborted', async () => {
    const primary = new SilentProvider();
    const hedge = new ScriptedProvider(['from the hedge'], 'hedge-model');
    const p = new ResilientProvider(primary, { hedge: { provider: hedge, delayMs: 5 } });
    const out = await p.complete(ask);
    expect(out).toMatchObject({ text: 'from the hedge', model: 'hedge-model' });
    expect(primary.aborted).toBe(true);
  });

  it('a failed primary starts the hedge at once', async () => {
    const failing = new ScriptedProvider(() => {
      throw new LlmError('llm_http_error', 'down', { transient: false });
    });
    const p = new ResilientProvider(failing, { retries: 0, hedge: { provider: new ScriptedProvider(['backup']), delayMs: 60_000 } });
    expect((await p.complete(ask)).text).toBe('backup');
  });
});
