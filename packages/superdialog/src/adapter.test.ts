import type { LlmCallInfo, ToolCallInfo, ToolResultInfo } from 'unpod';
import { describe, expect, it } from 'vitest';
import { superDialogAdapter } from './adapter.js';
import { ScriptedProvider } from './llm/fake.js';
import { DialogMachine } from './machine.js';
import { scriptedHttp, SPA_CLOCK, spaPlaybook } from './testing/spa.js';

const opts = (signal = new AbortController().signal) => ({ language: null, signal, context: null });

async function drain(it: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const p of it) out += p;
  return out;
}

describe('superDialogAdapter (the SDK DialogAdapter contract)', () => {
  it('streams turns, sends hints after each turn, completes on a terminal checkpoint', async () => {
    const hints: string[][] = [];
    const toolEvents: Array<ToolCallInfo | ToolResultInfo> = [];
    const machine = new DialogMachine(spaPlaybook(), { clock: SPA_CLOCK, http: scriptedHttp({ status: 201, data: { ref: 'Z1' } }) });
    const adapter = superDialogAdapter(machine, { onHints: (p) => hints.push(p) });
    adapter.registerToolCallbacks!({ toolCall: (i) => void toolEvents.push(i), toolResult: (i) => void toolEvents.push(i) });
    expect(await adapter.opening()).toBe('Welcome to Harbour Spa.');
    expect(hints).toHaveLength(1);
    expect(await drain(adapter.stream('a sauna on 2026-03-12 for 2', opts()))).toBe('Just to confirm: date Thursday 12 March. Is that right?');
    expect(adapter.state).toMatchObject({ node_id: 'spa.collect' });
    await adapter.turn('yes');
    expect(adapter.isComplete).toBe(false);
    await adapter.turn('I am Pat');
    expect(adapter.isComplete).toBe(true);
    expect(hints.length).toBe(3);
    expect(toolEvents.map((e) => ('result' in e ? 'result' : 'call'))).toEqual(['call', 'result']);
    expect(toolEvents[1]).toMatchObject({ name: 'create_booking', error: null, result: { ref: 'Z1' } });
  });

  it('a transfer is an action for the host, not a completed call', async () => {
    const actions: unknown[] = [];
    const adapter = superDialogAdapter(new DialogMachine(spaPlaybook(), { clock: SPA_CLOCK }), { onAction: (a) => actions.push(a) });
    await adapter.opening();
    await adapter.turn('put me through to a human');
    expect(actions).toEqual([{ type: 'transfer', target: 'reception' }]);
    expect(adapter.isComplete).toBe(false);
  });

  it('reports every model call to the llm_call hook with tokens in/out/cached', async () => {
    const provider = new ScriptedProvider([{ toolCalls: [{ id: 'v', name: 'record_verdict', arguments: '{"slots":{}}' }] }, 'Which treatment?']);
    const adapter = superDialogAdapter(new DialogMachine(spaPlaybook(), { clock: SPA_CLOCK, provider }));
    const calls: LlmCallInfo[] = [];
    adapter.registerLlmCallback!((info) => void calls.push(info));
    await adapter.opening();
    await adapter.turn('hi');
    expect(calls.map((c) => [c.callType, c.model, c.tokensIn, c.tokensOut, c.cached, c.nodeId])).toEqual([
      ['director', 'fake-model', 10, 1, 0, 'spa.collect'],
      ['talker', 'fake-model', 10, 2, 0, 'spa.collect'],
    ]);
  });

  it('stops on the abort signal and keeps the heard prefix after markInterrupted', async () => {
    const machine = new DialogMachine(spaPlaybook(), { clock: SPA_CLOCK });
    const adapter = superDialogAdapter(machine);
    await adapter.opening();
    const controller = new AbortController();
    const got: string[] = [];
    for await (const p of adapter.stream('a facial', opts(controller.signal))) {
      got.push(p);
      controller.abort();
    }
    expect(got).toEqual(['Which ']);
    adapter.markInterrupted!('Which');
    expect(machine.chatContext().at(-1)).toEqual({ role: 'assistant', content: 'Which' });
  });
});
