import { AgentRunner, RunnerError } from 'unpod';
import { echoEntrypoint } from './agent.js';

// Configuration comes from the environment: UNPOD_API_KEY (required), UNPOD_BASE_URL (default
// http://127.0.0.1:7700) and UNPOD_AGENT_ID (default "echo-agent").
async function main(): Promise<void> {
  const runner = new AgentRunner({ agentId: process.env.UNPOD_AGENT_ID || 'echo-agent', entrypoint: echoEntrypoint });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void runner.shutdown());
  await runner.run();
}

main().catch((err: unknown) => {
  // Ctrl-C before the first registration is a normal way to stop.
  if (err instanceof RunnerError && err.code === 'runner_stopped') return;
  console.error(err instanceof RunnerError ? `echo-agent: ${err.message}` : err);
  process.exitCode = 1;
});
