import { afterEach, expect, it } from 'vitest';
import { AgentRunner } from 'unpod';
import { FakeOrchestrator } from '@unpod/testkit/fake-orchestrator';
import { IDLE_PROMPT, echoEntrypoint } from './agent.js';

let fake: FakeOrchestrator | null = null;
let runner: AgentRunner | null = null;

afterEach(async () => {
  await runner?.shutdown();
  await fake?.close();
});

it('greets, then echoes each turn word by word with one agent.text.end', async () => {
  fake = await FakeOrchestrator.start();
  runner = new AgentRunner({ agentId: 'echo-agent', apiKey: 'sk_test', baseUrl: fake.baseUrl, env: {}, logLevel: 'silent', drainTimeoutMs: 0, entrypoint: echoEntrypoint });
  await runner.start();
  const bridge = await (await fake.nextWorker()).assign().bridge();
  expect(await bridge.frames.next((f) => f.event === 'agent.say')).toEqual({ event: 'agent.say', text: 'Hi! Say something and I will repeat it.' });
  bridge.userText('book a table');
  await bridge.frames.next((f) => f.event === 'agent.text.end');
  const deltas = bridge.frames.filter((f) => f.event === 'agent.text.delta').map((f) => f.text);
  expect(deltas).toEqual(['You ', 'said: ', 'book ', 'a ', 'table']);
});

it('asks a silent caller whether they are still there', async () => {
  fake = await FakeOrchestrator.start();
  runner = new AgentRunner({ agentId: 'echo-agent', apiKey: 'sk_test', baseUrl: fake.baseUrl, env: {}, logLevel: 'silent', drainTimeoutMs: 0, entrypoint: echoEntrypoint });
  await runner.start();
  const bridge = await (await fake.nextWorker()).assign().bridge();
  await bridge.frames.next((f) => f.event === 'agent.say');
  bridge.send({ event: 'silence', duration_ms: 8000 });
  expect(await bridge.frames.next((f) => f.event === 'agent.say' && f.text === IDLE_PROMPT)).toEqual({ event: 'agent.say', text: IDLE_PROMPT });
});
