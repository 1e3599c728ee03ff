import { providerFromEnv } from '@unpod/superdialog';
import { AgentRunner, RunnerError } from 'unpod';
import { bookingEntrypoint, loadBookingPlaybook } from './agent.js';

// Environment: UNPOD_API_KEY (required), UNPOD_BASE_URL (default http://127.0.0.1:7700),
// UNPOD_AGENT_ID (default "booking-agent"). With OPENAI_API_KEY / OPENAI_BASE_URL (or
// ANTHROPIC_API_KEY) set, an LLM drives the playbook; otherwise it runs offline in rules mode.
async function main(): Promise<void> {
  const loaded = await loadBookingPlaybook();
  const provider = providerFromEnv(process.env) ?? 'rules';
  process.stderr.write(`booking-agent: ${provider === 'rules' ? 'rules mode (offline)' : `LLM mode (${provider.vendor} ${provider.model})`}\n`);
  const runner = new AgentRunner({ agentId: process.env.UNPOD_AGENT_ID || 'booking-agent', entrypoint: bookingEntrypoint(loaded, { provider }) });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void runner.shutdown());
  await runner.run();
}

main().catch((err: unknown) => {
  if (err instanceof RunnerError && err.code === 'runner_stopped') return;
  console.error(err instanceof Error ? `booking-agent: ${err.message}` : err);
  process.exitCode = 1;
});
