import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { UnpodServer } from '../server.js';
import type { SpeechRegistry } from '../speech/index.js';
import type { CallLauncher } from './context.js';
import { SipStartError, TelephonyService } from './service.js';
import { voiceFactory } from './voices.js';

/** The running telephony of a node and how to stop it. */
export interface RunningTelephony {
  service: TelephonyService;
  /** One line for supervisors and tests: the actual ports (port 0 resolves here). */
  listeningLine: string;
  close(): Promise<void>;
}

/** SIP legs (inbound, or answered outbound) run through the orchestrator like every other call. */
function launcherOf(orchestrator: Orchestrator): CallLauncher {
  return { run: (call, transport, pipe) => orchestrator.run(call, transport, pipe) };
}

/**
 * Hands `transport: "sip"` calls created by the API to the dialler, and a hangup of a call still
 * ringing to its INVITE's CANCEL. Returns the unplug.
 */
export function linkOrchestrator(orchestrator: Orchestrator, service: TelephonyService): () => void {
  return orchestrator.registerTransport('sip', {
    launch: (call, pipe) => {
      service.launchOutbound(call, pipe);
      return Promise.resolve({});
    },
    cancel: (call) => service.cancelOutbound(call.id),
  });
}

/**
 * Starts SIP for a server started by `unpod serve` / `unpod dev`, unless `--sip-port off`. A busy
 * default port (5060) only disables SIP with a warning; a port asked for explicitly must bind.
 */
export async function startTelephony(server: UnpodServer, options: { registry?: SpeechRegistry } = {}): Promise<RunningTelephony | null> {
  const { config, logger, store } = server;
  if (!config.sip.enabled) return null;
  // One set of engines per node: phone calls share the orchestrator's registry (decoder pool,
  // breakers, cached cloud adapters) with WebSocket audio calls; its owner closes it.
  const registry = options.registry ?? server.orchestrator.speech;
  let service: TelephonyService;
  try {
    service = await TelephonyService.start({
      sip: config.sip,
      nodeId: config.nodeId,
      store,
      logger,
      launcher: launcherOf(server.orchestrator),
      createVoice: voiceFactory({ store, registry, logger, recordings: server.recordings, mode: config.sip.voice }),
    });
  } catch (err) {
    if (err instanceof SipStartError && err.code === 'port_in_use' && !config.sip.portExplicit) {
      logger.warn({ port: config.sip.port }, 'SIP is off: the default SIP port is in use (set --sip-port to choose another)');
      return null;
    }
    throw err;
  }
  const running = service;
  const unlink = linkOrchestrator(server.orchestrator, running);
  return {
    service: running,
    listeningLine: `unpod sip listening on udp:${running.udpPort} tcp:${running.tcpPort}`,
    async close() {
      unlink();
      await running.close();
    },
  };
}
