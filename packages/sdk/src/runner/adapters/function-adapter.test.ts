import { describe, expect, it } from 'vitest';
import { functionAdapter } from './function-adapter.js';
import type { StreamOptions } from './types.js';

const opts = (signal = new AbortController().signal): StreamOptions => ({ language: 'en', signal, context: null });

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('functionAdapter', () => {
  it('wraps a function returning a string or a promise of one', async () => {
    expect(await collect(functionAdapter((t) => `You said: ${t}`).stream('hi', opts()))).toEqual(['You said: hi']);
    expect(await functionAdapter(async (t) => t.toUpperCase()).turn('hi')).toBe('HI');
  });

  it('wraps an async generator, passing language, signal and pending instructions once', async () => {
    const seen: unknown[] = [];
    const adapter = functionAdapter(async function* (text, info) {
      seen.push({ language: info.language, instructions: info.instructions, interrupted: info.interrupted });
      yield* text.split(' ').map((w) => w + ' ');
    });
    adapter.assist('be brief');
    adapter.markInterrupted?.('You said');
    expect(await collect(adapter.stream('a b', opts()))).toEqual(['a ', 'b ']);
    await collect(adapter.stream('c', opts()));
    expect(seen).toEqual([
      { language: 'en', instructions: ['be brief'], interrupted: { heardText: 'You said' } },
      { language: 'en', instructions: [], interrupted: null },
    ]);
  });

  it('stops yielding once the signal aborts', async () => {
    const controller = new AbortController();
    const adapter = functionAdapter(async function* () {
      yield 'one';
      controller.abort();
      yield 'two';
    });
    expect(await collect(adapter.stream('x', opts(controller.signal)))).toEqual(['one']);
  });
});
