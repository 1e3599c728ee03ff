/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit untyped, YAML-shaped playbook objects in place */
import { FakeOpenAI, type FakeOpenAIResponse } from '@unpod/testkit/fake-openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WELLNESS_FLOW } from '../testing/flows.js';
import { OpenAIProvider } from '../llm/openai.js';
import type { LlmCallReport } from '../llm/types.js';
import { DialogMachine, type DialogMachineOptions } from '../machine.js';
import { Playbook } from '../playbook/playbook.js';
import { scriptedHttp, SPA_CLOCK, spaPlaybook } from '../testing/spa.js';

let openai: FakeOpenAI;
beforeEach(async () => {
  openai = await FakeOpenAI.start();
});
afterEach(async () => {
  await openai.close();
});

const verdict = (v: Record<string, unknown>, extra: Partial<Extract<FakeOpenAIResponse, { kind: 'stream' }>> = {}): FakeOpenAIResponse => ({
  kind: 'stream',
  toolCalls: [{ id: 'v', name: 'record_verdict', arguments: JSON.stringify({ slots: {}, advance: null, ...v }) }],
  ...extra,
});
const say = (...content: string[]): FakeOpenAIResponse => ({ kind: 'stream', content });

function machineWith(playbook: Playbook = spaPlaybook(), options: DialogMachineOptions = {}): DialogMachine {
  const provider = new OpenAIProvider({ baseUrl: openai.baseUrl, apiKey: 'sk-test', model: 'gpt-test' });
  return new DialogMachine(playbook, { provider, clock: SPA_CLOCK, http: scriptedHttp({ status: 201, data: { ref: 'R9' } }), resilience: { retries: 1, backoffMs: 1 }, ...options });
}

function withPolicies(policies: Record<string, number>, edit: (spec: Record<string, any>) => void = () => undefined): Playbook {
  const spec = structuredClone(spaPlaybook().spec) as Record<string, any>;
  spec.policies = { ...spec.policies, ...policies };
  edit(spec);
  return Playbook.fromSpec(spec);
}

async function collectStream(it: AsyncIterable<string>, onPiece: (p: string, all: string[]) => void | Promise<void> = () => undefined): Promise<string[]> {
  const out: string[] = [];
  for await (const p of it) {
    out.push(p);
    await onPiece(p, out);
  }
  return out;
}

describe('playbook engine over an OpenAI-compatible server', () => {
  it('one structured Director call extracts slots; the Talker streams real tokens; usage reaches the callback', async () => {
    const machine = machineWith();
    const reports: LlmCallReport[] = [];
    machine.registerLlmCallback((r) => reports.push(r));
    expect((await machine.start()).text).toBe('Welcome to Harbour Spa.');
    openai.enqueue(verdict({ slots: { service: 'Massage', guests: 'two' } }, { usage: { prompt_tokens: 500, completion_tokens: 20, cached_tokens: 300 } }), say('Lovely, ', 'a massage for two. ', 'Which day?'));
    const pieces = await collectStream(machine.stream('a massage for the two of us'));
    expect(pieces).toEqual(['Lovely, ', 'a massage for two. ', 'Which day?']);
    const runtime = machine.playbookEngine!.runtime;
    expect(runtime.state.slots.service).toMatchObject({ value: 'massage', by: 'director', status: 'confirmed' });
    expect(runtime.state.slots.guests!.value).toBe(2);
    const director = await openai.requests.next();
    expect(director.body).toMatchObject({ temperature: 0, tool_choice: { type: 'function', function: { name: 'record_verdict' } } });
    const dMessages = director.body.messages as Array<{ content: string }>;
    expect(dMessages[0]!.content).toMatch(/^You supervise a phone conversation/);
    expect(dMessages[0]!.content).toContain("- service (enum, required, one of: massage | facial | sauna)");
    expect(dMessages[1]!.content).toBe('assistant: Welcome to Harbour Spa.\ncaller: a massage for the two of us');
    const talker = await openai.requests.next();
    const tMessages = talker.body.messages as Array<{ role: string; content: string }>;
    expect(tMessages[0]!.content.startsWith('You are Sol')).toBe(true);
    expect(tMessages[0]!.content).toContain('Today is Tuesday, 2026-03-10');
    expect(tMessages[0]!.content).toContain('Still needed: date, name');
    expect(tMessages.at(-1)).toEqual({ role: 'user', content: 'a massage for the two of us' });
    expect(reports.map((r) => [r.purpose, r.usage?.tokensIn, r.usage?.cached])).toEqual([
      ['director', 200, 300],
      ['talker', 0, 0],
    ]);
  });

  it('a late Director at a gated checkpoint gets the filler line first, then the fresh reply', async () => {
    const machine = machineWith(withPolicies({ barrier_ms: 10, hold_ms: 60_000 }));
    await machine.start();
    openai.enqueue(verdict({ slots: { service: 'sauna' } }, { hold: true }), say('Sauna it is. Which day?'));
    const pieces = await collectStream(machine.stream('sauna please'), async (p) => {
      if (p !== 'One moment, let me check that.') return;
      // The held Director request must have reached the server before it can be released.
      await openai.requests.next();
      openai.release();
    });
    expect(pieces).toEqual(['One moment, let me check that.', ' ', 'Sauna it is. Which day?']);
    expect(machine.playbookEngine!.runtime.state.slots.service!.value).toBe('sauna');
  });

  it('a Director still late after hold_ms gets the hold line; its verdict still lands before the next turn', async () => {
    const machine = machineWith(withPolicies({ barrier_ms: 1, hold_ms: 5 }));
    await machine.start();
    openai.enqueue(verdict({ slots: { service: 'facial' } }, { hold: true }));
    const first = await machine.turn('a facial');
    expect(first.text).toBe('One moment, let me check that. Sorry, this is taking a little longer than usual. Please bear with me.');
    await openai.requests.next();
    openai.release();
    openai.enqueue(verdict({}), say('Which day?'));
    await machine.turn('hello?');
    expect(machine.playbookEngine!.runtime.state.slots.service!.value).toBe('facial');
  });

  it('the Talker calls a checkpoint tool with the arguments the model chose, then answers from the result', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const playbook = withPolicies({}, (spec) => {
      spec.tools.push({ id: 'availability', type: 'code', description: 'Free slots on a day', parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] }, args: { service: '{{ slots.service }}' } });
      spec.journeys.spa.checkpoints[1].tools = ['availability'];
    });
    const machine = machineWith(playbook, { tools: { availability: (args) => (seen.push(args), { free: ['10:00', '15:00'] }) } });
    await machine.start();
    openai.enqueue(
      verdict({ slots: { service: 'massage' } }),
      { kind: 'stream', toolCalls: [{ id: 'call_1', name: 'availability', arguments: '{"day":"2026-03-14"}' }] },
      say('Saturday has ten or three.'),
    );
    expect((await machine.turn('what is free on saturday for a massage?')).text).toBe('Saturday has ten or three.');
    expect(seen).toEqual([{ service: 'massage', day: '2026-03-14' }]);
    await openai.requests.next();
    const first = await openai.requests.next();
    expect((first.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name)).toEqual(['availability']);
    const followup = await openai.requests.next();
    expect((followup.body.messages as Array<Record<string, unknown>>).slice(-2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'availability', arguments: '{"day":"2026-03-14"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true,"data":{"free":["10:00","15:00"]}}' },
    ]);
    const kinds = machine.playbookEngine!.events.map((e) => e.type);
    expect(kinds).toContain('tool_call');
    expect(kinds).toContain('tool_result');
  });

  it('a failing Director degrades (logged), and the Talker still answers', async () => {
    const machine = machineWith();
    await machine.start();
    openai.enqueue({ kind: 'error', status: 400, message: 'bad request', type: 'invalid_request_error', code: null }, say('Sorry, which treatment?'));
    expect((await machine.turn('uh')).text).toBe('Sorry, which treatment?');
    expect(machine.playbookEngine!.events).toContainEqual(expect.objectContaining({ type: 'degraded', component: 'director' }));
  });

  it('a Talker that keeps failing falls back to the recovery line', async () => {
    const machine = machineWith();
    await machine.start();
    openai.enqueue(verdict({}), ...Array.from({ length: 4 }, () => ({ kind: 'error' as const, status: 400, message: 'x', type: 't', code: null })));
    expect((await machine.turn('hi')).text).toBe('Sorry, could you say that again?');
  });

  it('barge-in aborts the provider stream; the log keeps the heard prefix', async () => {
    const machine = machineWith();
    await machine.start();
    openai.enqueue(verdict({}), { kind: 'stream', content: ['Which treatment ', 'would you'], hold: true, afterRelease: [' like?'] });
    const controller = new AbortController();
    const pieces = await collectStream(machine.stream('hello', { signal: controller.signal }), (_p, all) => {
      if (all.length === 2) controller.abort();
    });
    expect(pieces).toEqual(['Which treatment ', 'would you']);
    machine.markInterrupted('Which treatment');
    await openai.requests.next();
    expect(await (await openai.requests.next()).outcome).toBe('client_aborted');
    expect(machine.chatContext().at(-1)).toEqual({ role: 'assistant', content: 'Which treatment' });
  });
});

describe('flow-graph engine over an OpenAI-compatible server', () => {
  it('routes with one forced tool call per turn and streams the new node', async () => {
    const provider = new OpenAIProvider({ baseUrl: openai.baseUrl, apiKey: 'sk-test', model: 'gpt-test' });
    const machine = new DialogMachine(WELLNESS_FLOW, { engine: 'graph', provider });
    openai.enqueue(say('Namaste! ', 'Which service would you like?'));
    expect((await machine.start()).text).toBe('Namaste! Which service would you like?');
    openai.enqueue({ kind: 'stream', toolCalls: [{ id: 'r1', name: 'edge_to_collect', arguments: '{}' }] }, say('Detox, lovely. ', 'Which date and time?'));
    const pieces = await collectStream(machine.stream("I'd like a Panchakarma detox"));
    expect(pieces).toEqual(['Detox, lovely. ', 'Which date and time?']);
    expect(machine.state).toMatchObject({ engine: 'graph', node_id: 'collect_details' });
    await openai.requests.next();
    const router = await openai.requests.next();
    expect(router.body.tool_choice).toBe('required');
    expect((router.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name)).toEqual(['edge_to_collect', 'stay_on_node']);
    openai.enqueue({ kind: 'stream', toolCalls: [{ id: 'r2', name: 'stay_on_node', arguments: '{"brief_response":"Could you pick a time?"}' }] });
    expect((await machine.turn('soon')).text).toBe('Could you pick a time?');
    openai.enqueue({ kind: 'stream', toolCalls: [{ id: 'r3', name: 'edge_to_confirm', arguments: '{}' }] }, say('Booked, thank you!'));
    await machine.turn('Monday at ten');
    expect(machine.isComplete).toBe(true);
  });
});
