import type { ServerConfig } from '../config.js';
import { UnpodServer } from '../server.js';
import { startTelephony, type RunningTelephony } from '../telephony/start.js';

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

/**
 * Starts SIP next to a started server; on failure the server is closed again. The returned
 * `close` ends live calls first (so SIP legs hang up while the store is open), then SIP, then the rest.
 */
export async function withTelephony(server: UnpodServer): Promise<{ telephony: RunningTelephony | null; close: () => Promise<void> }> {
  let telephony: RunningTelephony | null;
  try {
    telephony = await startTelephony(server);
  } catch (err) {
    await server.close();
    throw err;
  }
  server.readiness.setSip(telephony ? { state: 'listening', udpPort: telephony.service.udpPort, tcpPort: telephony.service.tcpPort } : { state: 'disabled' });
  const close = async () => {
    server.readiness.setSip({ state: 'stopped' });
    await server.orchestrator.close();
    await telephony?.close();
    await server.close();
  };
  return { telephony, close };
}

export async function runServe(config: ServerConfig): Promise<UnpodServer> {
  const server = await UnpodServer.start(config);
  const { telephony, close } = await withTelephony(server);
  closeOnSignals(close);
  // Machine-readable lines for supervisors and tests: the actual ports (port 0 resolves here).
  if (telephony) process.stdout.write(`${telephony.listeningLine}\n`);
  process.stdout.write(`unpod listening on ${server.url}\n`);
  return server;
}
