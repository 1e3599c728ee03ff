import type { Pipe } from '@unpod/protocol';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { UnpodServer } from '../server.js';
import type { SpeechRegistry } from '../speech/index.js';
import type { CallTransport } from '../transports/transport.js';
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

/**
 * The orchestrator surface telephony needs: run a call over a transport built here (inbound SIP
 * and answered outbound legs), and take `transport: "sip"` calls created by the API.
 */
interface OrchestratorSeam {
  launchWith(call: CallRecord, transport: CallTransport, known?: Pipe): Promise<boolean>;
  launch(call: CallRecord, pipe?: Pipe): Promise<{ client_url?: string }>;
  hangup(call: CallRecord): Promise<void>;
}

/**
 * Plugs telephony into a running orchestrator. `Orchestrator.launch` refuses `sip` calls with
 * `transport_unavailable` and keeps `launchWith` to itself; until it offers a transport registry,
 * this wraps the instance: `sip` calls go to the dialler, a hangup of a call still ringing
 * cancels the INVITE, and SIP transports run through the orchestrator's own `launchWith`, so
 * dispatch, live-call tracking, API hangup and shutdown treat SIP calls like every other call.
 */
export function linkOrchestrator(orchestrator: Orchestrator, telephony: () => TelephonyService | null): CallLauncher {
  const seam = orchestrator as unknown as OrchestratorSeam;
  const launch = seam.launch.bind(orchestrator);
  const hangup = seam.hangup.bind(orchestrator);
  const launchWith = seam.launchWith.bind(orchestrator);
  seam.launch = async (call, pipe) => {
    const service = telephony();
    if (call.transport !== 'sip' || !service) return launch(call, pipe);
    service.launchOutbound(call, pipe);
    return {};
  };
  seam.hangup = async (call) => {
    const service = telephony();
    if (service && call.transport === 'sip' && (await service.cancelOutbound(call.id))) return;
    return hangup(call);
  };
  return { run: (call, transport, pipe) => launchWith(call, transport, pipe) };
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
  let service: TelephonyService | null = null;
  const launcher = linkOrchestrator(server.orchestrator, () => service);
  try {
    service = await TelephonyService.start({
      sip: config.sip,
      nodeId: config.nodeId,
      store,
      logger,
      launcher,
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
  return {
    service: running,
    listeningLine: `unpod sip listening on udp:${running.udpPort} tcp:${running.tcpPort}`,
    async close() {
      await running.close();
    },
  };
}
