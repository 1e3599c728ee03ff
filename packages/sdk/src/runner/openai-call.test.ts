import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '@unpod/testkit/fake-openai';
import { FakeOrchestrator, type BridgePeer } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from './agent-runner.js';
import { OpenAICompatibleAdapter } from './adapters/openai-compatible.js';

// End to end: a live call whose brain is the OpenAI-compatible adapter against a fake provider.

let orchestrator: FakeOrchestrator | null = null;
let openai: FakeOpenAI | null = null;
let runner: AgentRunner | null = null;

afterEach(async () => {
  await runner?.shutdown();
  await orchestrator?.close();
  await openai?.close();
  runner = null;
  orchestrator = null;
  openai = null;
});

async function call(hookLog: string[]): Promise<BridgePeer> {
  orchestrator = await FakeOrchestrator.start();
  openai = await FakeOpenAI.start();
  const baseUrl = openai.baseUrl;
  runner = new AgentRunner({
    agentId: 'agent_o',
    apiKey: 'sk_test',
    baseUrl: orchestrator.baseUrl,
    env: {},
    logLevel: 'silent',
    drainTimeoutMs: 0,
    timing: { closeGraceMs: 200, turnMetricsWaitMs: 0 },
    entrypoint: async (ctx) => {
      ctx.session.dialogMachine = new OpenAICompatibleAdapter({
        baseUrl,
        apiKey: 'sk-x',
        model: 'gpt-test',
        tools: [{ name: 'lookup', parameters: { type: 'object' } }],
        onToolCall: () => 'found',
      });
      ctx.session.on('llm_call', (i) => void hookLog.push(`llm:${i.turnId}:${i.tokensIn}`));
      ctx.session.on('tool_call', (i) => void hookLog.push(`tool_call:${i.name}:${i.turnId}`));
      ctx.session.on('tool_result', (i) => void hookLog.push(`tool_result:${String(i.result)}`));
      await ctx.session.run();
    },
  });
  const live = new Promise<void>((resolve) => runner!.on('call_start', () => resolve()));
  await runner.start();
  const bridge = await (await orchestrator.nextWorker()).assign().bridge();
  await live;
  return bridge;
}

describe('OpenAI-compatible brain in a live call', () => {
  it('barge-in aborts the provider request; no delta follows; the next turn sees the heard prefix in history', async () => {
    const hooks: string[] = [];
    const bridge = await call(hooks);
    openai!.enqueue({ kind: 'stream', content: ['Sure, ', 'here is '], hold: true, afterRelease: ['LATE'] });
    bridge.userText('tell me a story');
    await bridge.frames.next((f) => f.event === 'agent.text.delta' && f.text === 'here is ');
    bridge.interrupt('Sure, ', 1);
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(await (await openai!.requests.next()).outcome).toBe('client_aborted');
    openai!.release();
    openai!.enqueue({ kind: 'stream', content: ['Okay.'], usage: { prompt_tokens: 40, completion_tokens: 1 } });
    bridge.userText('stop');
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    const deltas = bridge.frames.filter((f) => f.event === 'agent.text.delta').map((f) => f.text);
    expect(deltas).toEqual(['Sure, ', 'here is ', 'Okay.']);
    const messages = (await openai!.requests.next()).body.messages as { role: string; content: string }[];
    expect(messages.map((m) => `${m.role}:${m.content}`)).toEqual([
      'user:tell me a story',
      'assistant:Sure, ',
      `system:${messages[2]!.content}`,
      'user:stop',
    ]);
    expect(messages[2]!.content).toMatch(/interrupted/);
    expect(hooks).toEqual(['llm:2:40']);
  });

  it('fires tool_call and tool_result hooks from the adapter', async () => {
    const hooks: string[] = [];
    const bridge = await call(hooks);
    openai!.enqueue(
      { kind: 'stream', toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{}' }], usage: { prompt_tokens: 5, completion_tokens: 1 } },
      { kind: 'stream', content: ['Found it.'], usage: { prompt_tokens: 8, completion_tokens: 2 } },
    );
    bridge.userText('find it');
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(hooks).toEqual(['llm:1:5', 'tool_call:lookup:1', 'tool_result:found', 'llm:1:8']);
  });
});
