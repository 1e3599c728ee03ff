import { CLOSE_CODES, type LiveEvent, type Pipe, type WorkerView } from '@unpod/protocol';
import type { ServerConfig } from '../config.js';
import type { LiveCalls, WorkerDirectory } from '../control/services.js';
import type { CallRecord } from '../control/store/repos/calls.js';
import type { SessionGrant } from '../control/store/repos/session-tokens.js';
import type { Store } from '../control/store/store.js';
import type { HttpServer } from '../http-server.js';
import type { Logger } from '../logger.js';
import { metrics } from '../ops/metrics.js';
import { createRecordingStore, type RecordingStore } from '../ops/recordings/index.js';
import { timedDispatcher, runnerTotals } from '../ops/orchestrator-metrics.js';
import { applySpeechPlugins, createNodeSpeechRegistry, type SpeechRegistry } from '../speech/index.js';
import { TextGateway, SESSION_CONNECT_PATH, type TextTransport } from '../transports/text/index.js';
import { AudioGateway } from '../transports/websocket-audio/index.js';
import type { CallTransport } from '../transports/transport.js';
import { wsBase } from '../transports/ws.js';
import { BRIDGE_PATH_PREFIX, BridgeAcceptor } from './bridge-acceptor.js';
import { CONTROL_PATH, ControlServer } from './control-server.js';
import { Dispatcher, type JobDispatcher } from './dispatcher.js';
import { LiveCall } from './live-call.js';
import { InMemoryRunnerRegistry, type RunnerRegistry } from './registry.js';
import { publishWorkerChanges } from './worker-events.js';
import type { LiveEventHub } from '../control/live-events.js';
import { InProcessClusterBus, type ClusterBus } from '../cluster/bus.js';
import type { OrchestratorCluster } from './cluster.js';
import { resolveTimings, type OrchestratorTimings } from './timings.js';

/** How long a hangup waits for the node owning the call before ending the row itself. */
const REMOTE_HANGUP_TIMEOUT_MS = 3_000;

export interface OrchestratorDeps {
  store: Store;
  config: ServerConfig;
  logger: Logger;
  http: HttpServer;
  /** Base URL runners and clients reach this node at, e.g. `http://127.0.0.1:7700`. */
  publicUrl: () => string;
  /** Timer overrides (tests use short ones). */
  timings?: Partial<OrchestratorTimings> | undefined;
  /** Replace the in-memory registry (tests). */
  registry?: RunnerRegistry | undefined;
  /** Where recordings go; default: from `config.recordings`. */
  recordings?: RecordingStore | undefined;
  /** Live call and worker events for the dashboard's SSE streams. */
  events?: LiveEventHub | undefined;
  /** Scale-out: the shared registry, bus and node liveness over Redis (null: this node is alone). */
  cluster?: OrchestratorCluster | undefined;
}

/** A transport whose calls are set up outside the orchestrator (see `registerTransport`). */
export interface ExternalTransport {
  /** Start the call (e.g. dial it out); the answered leg comes back through `Orchestrator.run`. */
  launch(call: CallRecord, pipe: Pipe | undefined): Promise<{ client_url?: string }>;
  /** Stop a call that is not live yet (still ringing); true when it was this transport's to stop. */
  cancel?(call: CallRecord): Promise<boolean>;
}

/**
 * The live side of a node: the runner control socket, the registry and dispatch, the bridge
 * acceptor, the client-facing transports, and the set of live calls. Implements the control
 * plane's `LiveCalls` and `WorkerDirectory`.
 */
export class Orchestrator implements LiveCalls, WorkerDirectory {
  readonly timings: OrchestratorTimings;
  readonly registry: RunnerRegistry;
  /** This node's speech engines (voice calls, voice-profile samples). */
  readonly speech: SpeechRegistry;
  /** Cross-node pub/sub (Redis when clustered, in-process otherwise), e.g. for live-event fan-out. */
  readonly bus: ClusterBus;
  private readonly control: ControlServer;
  private readonly bridges: BridgeAcceptor;
  private readonly dispatcher: JobDispatcher;
  private readonly text: TextGateway;
  private readonly audio: AudioGateway;
  private readonly calls = new Map<string, LiveCall>();
  private readonly external = new Map<string, ExternalTransport>();
  private readonly logger: Logger;
  private closing = false;
  private readonly stopRunnerMetrics: () => void;

  constructor(private readonly deps: OrchestratorDeps) {
    const { store, config, http } = deps;
    this.logger = deps.logger.child({ component: 'orchestrator' });
    this.timings = resolveTimings(deps.timings);
    const registry = deps.registry ?? deps.cluster?.registry ?? new InMemoryRunnerRegistry({ ttlMs: this.timings.registryTtlMs, nodeId: config.nodeId, logger: this.logger });
    this.registry = deps.events ? publishWorkerChanges(registry, deps.events) : registry;
    this.bus = deps.cluster?.bus ?? new InProcessClusterBus((err) => this.logger.error({ err }, 'bus handler threw'));
    this.control = new ControlServer({
      authenticate: (key) => store.apiKeys.authenticate(key),
      registry: this.registry,
      timings: this.timings,
      logger: this.logger,
    });
    this.bridges = new BridgeAcceptor(this.logger.child({ component: 'bridge' }));
    this.dispatcher = new Dispatcher({
      registry: this.registry,
      bridges: this.bridges,
      bridgeUrl: (callId) => `${wsBase(deps.publicUrl())}${BRIDGE_PATH_PREFIX}${encodeURIComponent(callId)}`,
      timings: this.timings,
      logger: this.logger,
    });
    this.text = new TextGateway({
      logger: this.logger,
      wsBase: () => wsBase(deps.publicUrl()),
      clientConnectWindowMs: this.timings.clientConnectWindowMs,
      clientBufferFrames: this.timings.clientBufferFrames,
      socketPingIntervalMs: this.timings.socketPingIntervalMs,
      consumeSessionToken: (token) => store.sessionTokens.consume(token),
      createSessionCall: (grant) => this.sessionCall(grant, 'text'),
      launch: async (call, transport: TextTransport) => {
        await this.launchWith(call, transport);
      },
    });
    this.speech = applySpeechPlugins(
      createNodeSpeechRegistry({
        logger: this.logger,
        pocketsphinx: { pool: { minSize: 1, maxSize: config.sttDecoders } },
        envCredentials: config.cloud.envCredentials,
        spaceCredentials: store.credentials,
      }),
    );
    this.audio = new AudioGateway({
      logger: this.logger,
      store,
      registry: this.speech,
      recordings: deps.recordings ?? createRecordingStore(config.recordings),
      wsBase: () => wsBase(deps.publicUrl()),
      clientConnectWindowMs: this.timings.clientConnectWindowMs,
      socketPingIntervalMs: this.timings.socketPingIntervalMs,
      consumeSessionToken: (token) => store.sessionTokens.consume(token),
      createSessionCall: (grant) => this.sessionCall(grant, 'websocket'),
      launch: async (call, transport) => {
        await this.launchWith(call, transport);
      },
    });
    this.stopRunnerMetrics = metrics.addRunnerSource(() => runnerTotals(this.registry, store, config.nodeId));
    http.onUpgradePath(CONTROL_PATH, (req, socket, head, url) => this.control.handleUpgrade(req, socket, head, url));
    http.onUpgradePath(BRIDGE_PATH_PREFIX, (req, socket, head, url) => this.bridges.handleUpgrade(req, socket, head, url));
    http.onUpgradePath(SESSION_CONNECT_PATH, (req, socket, head, url) =>
      url.searchParams.get('transport') === 'websocket' ? this.audio.handleSessionUpgrade(req, socket, head, url) : this.text.handleSessionUpgrade(req, socket, head, url),
    );
    http.onUpgradePath('/v1/calls/', (req, socket, head, url) =>
      this.audio.ownsClientPath(url) ? this.audio.handleClientUpgrade(req, socket, head, url) : this.text.handleClientUpgrade(req, socket, head, url),
    );
  }

  /** The call row for a browser session on the token's pipe. */
  private async sessionCall(grant: SessionGrant, transport: 'text' | 'websocket'): Promise<CallRecord | { code: string; message: string }> {
    const { store, config } = this.deps;
    const pipe = await store.pipes.get(grant.spaceId, grant.pipeId);
    if (!pipe) return { code: 'pipe_not_found', message: 'the pipe of this session no longer exists' };
    return store.calls.create(grant.spaceId, {
      pipe_id: pipe.id,
      agent_id: pipe.agent_id,
      direction: 'inbound',
      transport,
      from_number: null,
      to_number: null,
      instructions: pipe.instructions,
      data: grant.metadata,
      node_id: config.nodeId,
    });
  }

  /**
   * Crash recovery, before the node takes traffic: calls a previous run of this node left
   * unfinished are failed with `server_shutdown`. An embedded SQLite store belongs to one node,
   * so all its unfinished calls are orphans; on PostgreSQL only this node's (by node id).
   */
  async start(): Promise<void> {
    const { store, config } = this.deps;
    const orphans = config.databaseKind === 'sqlite' ? await store.calls.unfinished() : await store.calls.unfinishedOnNode(config.nodeId);
    for (const call of orphans) {
      await store.calls.finish(call.id, 'server_shutdown', { code: 'server_shutdown', message: 'the server stopped while the call was live' });
    }
    if (orphans.length > 0) this.logger.warn({ calls: orphans.length }, 'calls left unfinished by a previous run marked failed');
  }

  /**
   * Join the cluster once the node listens (its public URL is known): route jobs for runners
   * this node holds, release slots a previous run left, heartbeat, watch the other nodes.
   */
  async join(): Promise<void> {
    await this.deps.cluster?.start(async (callId) => {
      const live = this.calls.get(callId);
      if (!live) return false;
      await live.hangup();
      return true;
    });
  }

  /**
   * Hands calls of a transport this class does not build (`sip`: telephony dials them out, then
   * runs the answered leg with {@link run}) to `handler`. Returns the function that removes it.
   */
  registerTransport(name: string, handler: ExternalTransport): () => void {
    this.external.set(name, handler);
    return () => {
      if (this.external.get(name) === handler) this.external.delete(name);
    };
  }

  async launch(call: CallRecord, pipe?: Pipe): Promise<{ client_url?: string }> {
    if (this.closing) {
      await this.deps.store.calls.finish(call.id, 'server_shutdown', { code: 'server_shutdown', message: 'the server is shutting down' });
      return {};
    }
    switch (call.transport) {
      case 'text': {
        const { transport, clientUrl } = this.text.create(call.id);
        return (await this.launchWith(call, transport, pipe)) ? { client_url: clientUrl } : {};
      }
      case 'websocket':
        return this.launchAudio(call, pipe);
      default: {
        const external = this.external.get(call.transport);
        if (external) return external.launch(call, pipe);
        await this.deps.store.calls.finish(call.id, 'error', {
          code: 'transport_unavailable',
          message: `the ${call.transport} transport is not available on this node`,
        });
        return {};
      }
    }
  }

  /** A WebSocket audio call: its voice is resolved before dispatch, so a call that cannot speak fails at once. */
  private async launchAudio(call: CallRecord, known: Pipe | undefined): Promise<{ client_url?: string }> {
    const pipe = known ?? (call.pipe_id ? await this.deps.store.pipes.get(call.space_id, call.pipe_id) : undefined);
    let created: Awaited<ReturnType<AudioGateway['create']>>;
    try {
      created = await this.audio.create(call, pipe);
    } catch (err) {
      this.logger.warn({ err, call_id: call.id }, 'voice call cannot start');
      await this.deps.store.calls.finish(call.id, 'error', { code: 'speech_unavailable', message: err instanceof Error ? err.message : String(err) });
      return {};
    }
    return (await this.launchWith(call, created.transport, pipe)) ? { client_url: created.clientUrl } : {};
  }

  /**
   * Runs a call over a transport built elsewhere (an inbound or answered outbound SIP leg):
   * dispatch, live-call tracking, API hangup and shutdown treat it like every other call. True
   * once a runner accepted it; `known` is its pipe if already loaded.
   */
  run(call: CallRecord, transport: CallTransport, known?: Pipe): Promise<boolean> {
    return this.launchWith(call, transport, known);
  }

  /** Run a call over an existing transport; true once a runner accepted it. `known` is its pipe if already loaded. */
  private async launchWith(call: CallRecord, transport: CallTransport, known?: Pipe): Promise<boolean> {
    const pipe = !call.pipe_id ? undefined : known?.id === call.pipe_id ? known : await this.deps.store.pipes.get(call.space_id, call.pipe_id);
    const live = new LiveCall(call, pipe, transport, {
      store: this.deps.store,
      logger: this.deps.logger,
      timings: this.timings,
      dispatcher: timedDispatcher(this.dispatcher),
      events: this.deps.events,
      onFinished: (c) => {
        if (this.calls.get(c.id) === c) this.calls.delete(c.id);
        metrics.callEnded(call.transport, c.endReason ?? 'unknown');
      },
    });
    this.calls.set(call.id, live);
    metrics.callStarted(call.transport);
    return live.launch();
  }

  async hangup(call: CallRecord): Promise<void> {
    const live = this.calls.get(call.id);
    if (live) return live.hangup();
    // Not live yet: an external transport may still be setting it up (an outbound call ringing).
    if (await this.external.get(call.transport)?.cancel?.(call)) return;
    const { cluster, config } = this.deps;
    // Another node owns the call's media: it hangs up; if it does not answer, the row is ended here.
    if (cluster && call.node_id && call.node_id !== config.nodeId) {
      const done = await cluster.calls.hangup(call.node_id, call.id, REMOTE_HANGUP_TIMEOUT_MS);
      if (done) return;
    }
    await this.deps.store.calls.finish(call.id, 'api_hangup');
  }

  list(spaceId: string, filter: { agent_id?: string | undefined }): WorkerView[] | Promise<WorkerView[]> {
    return this.registry.list(spaceId, filter);
  }

  /** A call live on this node (tests and diagnostics). */
  liveCall(callId: string): LiveCall | undefined {
    return this.calls.get(callId);
  }

  liveEvents(callId: string): readonly LiveEvent[] | undefined {
    return this.calls.get(callId)?.liveEvents();
  }

  /** End live calls (`server_shutdown`), then close runner sockets with 1001 so runners reconnect. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopRunnerMetrics();
    this.text.close();
    this.audio.close();
    await Promise.all([...this.calls.values()].map((c) => c.shutdown()));
    this.control.close();
    await this.registry.close(CLOSE_CODES.goingAway, 'server is shutting down');
    this.bridges.close();
    await this.audio.closeEngines();
    await (this.deps.cluster ? this.deps.cluster.close() : this.bus.close());
  }
}
