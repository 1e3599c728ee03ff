import type { ServerConfig } from '../config.js';
import { UnpodServer } from '../server.js';

/** Stop cleanly on SIGINT/SIGTERM; a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nunpod: ${signal} received, shutting down...\n`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`unpod: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export async function runServe(config: ServerConfig): Promise<UnpodServer> {
  const server = await UnpodServer.start(config);
  closeOnSignals(() => server.close());
  // Machine-readable line for supervisors and tests: the actual URL (port 0 resolves here).
  process.stdout.write(`unpod listening on ${server.url}\n`);
  return server;
}
