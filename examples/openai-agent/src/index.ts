import { AgentRunner, RunnerError } from 'unpod';
import { createEntrypoint } from './agent.js';
import { loadConfig } from './config.js';

// Also needs UNPOD_API_KEY and, unless the server runs locally on port 7700, UNPOD_BASE_URL.
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const runner = new AgentRunner({ agentId: config.agentId, entrypoint: createEntrypoint(config) });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void runner.shutdown());
  await runner.run();
}

main().catch((err: unknown) => {
  // Ctrl-C before the first registration is a normal way to stop.
  if (err instanceof RunnerError && err.code === 'runner_stopped') return;
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
