import { FakeOrchestrator } from '@unpod/testkit/fake-orchestrator';
import { AgentRunner } from 'unpod';
import { afterEach, describe, expect, it } from 'vitest';
import { bookingEntrypoint, loadBookingPlaybook } from './agent.js';

let orchestrator: FakeOrchestrator | null = null;
let runner: AgentRunner | null = null;
afterEach(async () => {
  await runner?.shutdown();
  await orchestrator?.close();
});

/** The bridge verbs the entrypoint sends, against a fake orchestrator (no server needed). */
describe('booking entrypoint on the bridge', () => {
  async function call() {
    orchestrator = await FakeOrchestrator.start();
    const loaded = await loadBookingPlaybook();
    runner = new AgentRunner({ agentId: 'booking', apiKey: 'sk_test', baseUrl: orchestrator.baseUrl, env: {}, logLevel: 'silent', drainTimeoutMs: 0, entrypoint: bookingEntrypoint(loaded, { clock: () => new Date('2026-03-10T09:00:00Z') }) });
    await runner.start();
    return (await orchestrator.nextWorker()).assign().bridge();
  }

  it('speaks the opening, sends speech hints per turn, and transfers on request', async () => {
    const bridge = await call();
    // Hints for the caller's first words go out with the opening line.
    const hints = await bridge.frames.next((f) => f.event === 'agent.hints');
    expect(hints.phrases).toEqual(expect.arrayContaining(['massage', 'next monday']));
    expect(await bridge.frames.next((f) => f.event === 'agent.say')).toMatchObject({ text: expect.stringMatching(/^Hello, this is Mira/) });
    bridge.userText('can I talk to a human?');
    expect(await bridge.frames.next((f) => f.event === 'agent.transfer')).toMatchObject({ transfer_type: 'human', target: 'front-desk' });
  });

  it('runs the silence policy from the server silence events, then ends the call', async () => {
    const bridge = await call();
    await bridge.frames.next((f) => f.event === 'agent.say');
    bridge.send({ event: 'silence', duration_ms: 5000 });
    expect(await bridge.frames.next((f) => f.event === 'agent.say')).toMatchObject({ text: 'Are you still there?' });
    bridge.send({ event: 'silence', duration_ms: 5000 });
    await bridge.frames.next((f) => f.event === 'agent.say');
    bridge.send({ event: 'silence', duration_ms: 5000 });
    expect(await bridge.frames.next((f) => f.event === 'agent.say')).toMatchObject({ text: 'I\'ll let you go for now. Call us any time to book. Goodbye!' });
    expect(await bridge.frames.next((f) => f.event === 'agent.end_call')).toMatchObject({ reason: 'completed' });
  });
});
