import { describe, expect, it } from 'vitest';
import { readLines, readSse } from './line-reader.js';
import { parseChunk, ToolCallAccumulator } from './openai-stream.js';

function body(...parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(enc.encode(p));
      controller.close();
    },
  });
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readLines / readSse', () => {
  it('splits lines across chunk boundaries, handling CRLF and a final unterminated line', async () => {
    expect(await all(readLines(body('a\r', '\nb', 'c\n', 'd')))).toEqual(['a', 'bc', 'd']);
  });

  it('parses SSE: multi-line data, comments, event names, blank-line dispatch', async () => {
    const events = await all(readSse(body(': keep-alive\n', 'data: {"a":', '1}\n\n', 'event: x\ndata: l1\ndata: l2\n\n', 'data: [DONE]\n\n')));
    expect(events).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'x', data: 'l1\nl2' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('x\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const line of readLines(stream)) {
      expect(line).toBe('x');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('chat-completions chunks', () => {
  it('reads content, finish_reason and a usage-only chunk (choices empty or null)', () => {
    expect(parseChunk('{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}')).toMatchObject({ content: 'Hi', usage: null });
    expect(parseChunk('{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":4}}}').usage).toEqual({
      promptTokens: 9,
      completionTokens: 2,
      cachedTokens: 4,
    });
    expect(parseChunk('{"choices":null,"usage":{"prompt_tokens":1}}').usage?.promptTokens).toBe(1);
    expect(parseChunk('not json').content).toBe('');
  });

  it('assembles tool calls from fragments by index', () => {
    const acc = new ToolCallAccumulator();
    acc.add(parseChunk('{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]}}]}').toolCalls);
    acc.add(parseChunk('{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]}}]}').toolCalls);
    acc.add(parseChunk('{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"x\\":"}}]}}]}').toolCalls);
    acc.add(parseChunk('{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}').toolCalls);
    expect(acc.calls()).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
      { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } },
    ]);
  });
});
