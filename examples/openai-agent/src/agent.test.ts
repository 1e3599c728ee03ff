import { afterEach, describe, expect, it } from 'vitest';
import { AgentRunner } from 'unpod';
import { FakeOpenAI } from '@unpod/testkit/fake-openai';
import { FakeOrchestrator } from '@unpod/testkit/fake-orchestrator';
import { createEntrypoint } from './agent.js';
import { loadConfig } from './config.js';

let orchestrator: FakeOrchestrator | null = null;
let openai: FakeOpenAI | null = null;
let runner: AgentRunner | null = null;

afterEach(async () => {
  await runner?.shutdown();
  await orchestrator?.close();
  await openai?.close();
});

describe('config', () => {
  it('names every missing variable', () => {
    expect(() => loadConfig({})).toThrow(/OPENAI_MODEL[\s\S]*OPENAI_API_KEY/);
    expect(loadConfig({ OPENAI_MODEL: 'llama3', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toMatchObject({ apiKey: undefined, agentId: 'openai-agent' });
  });
});

describe('openai-agent', () => {
  it('answers a turn from the model and hangs up when the model calls end_call', async () => {
    orchestrator = await FakeOrchestrator.start();
    openai = await FakeOpenAI.start();
    const config = loadConfig({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_MODEL: 'gpt-test', OPENAI_API_KEY: 'sk-x' });
    runner = new AgentRunner({ agentId: config.agentId, apiKey: 'sk_test', baseUrl: orchestrator.baseUrl, env: {}, logLevel: 'silent', drainTimeoutMs: 0, entrypoint: createEntrypoint(config) });
    await runner.start();
    const bridge = await (await orchestrator.nextWorker()).assign({ bridge: { metadata: { instructions: 'Caller is Ana.' } } }).bridge();
    openai.enqueue(
      { kind: 'stream', content: ['Goodbye, ', 'Ana!'], toolCalls: [{ id: 'c1', name: 'end_call', arguments: '{}' }] },
      { kind: 'stream', content: [] },
    );
    bridge.userText("that's all, thanks");
    expect(await bridge.frames.next((f) => f.event === 'agent.end_call')).toEqual({ event: 'agent.end_call', reason: 'completed' });
    await bridge.frames.next((f) => f.event === 'agent.text.end');
    expect(bridge.frames.filter((f) => f.event === 'agent.text.delta').map((f) => f.text)).toEqual(['Goodbye, ', 'Ana!']);
    const first = await openai.requests.next();
    expect((first.body.messages as { content: string }[])[0]!.content).toContain('Instructions for this call: Caller is Ana.');
  });
});
