import { rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ServerConfig } from './config.js';
import { createControlApp } from './control/http/app.js';
import { dashboardBuilt, defaultDashboardDir } from './control/http/dashboard-static.js';
import { InMemoryLiveEventHub, type LiveEventHub } from './control/live-events.js';
import { FanOutLiveEventHub } from './control/live-events-fanout.js';
import { LoginLinks } from './control/login-links.js';
import { registrySampler } from './speech/voice-sample.js';
import { Store } from './control/store/store.js';
import { HttpServer } from './http-server.js';
import { createLogger, type Logger } from './logger.js';
import { Orchestrator, OrchestratorCluster, resolveTimings, type OrchestratorTimings } from './orchestrator/index.js';
import { loadSpeechPlugins } from './speech/index.js';
import { Readiness } from './ops/readiness.js';
import { createRecordingStore, type RecordingStore } from './ops/recordings/index.js';

/** Written to the data dir while a server runs, so `unpod dev` can find a running stack. */
export interface RuntimeInfo {
  pid: number;
  url: string;
  port: number;
  node_id: string;
  started_at: string;
}

export const RUNTIME_FILE = 'server.json';

/** A running Unpod node: store, REST API, orchestrator, all on one HTTP port. */
export class UnpodServer {
  private closed = false;

  private constructor(
    readonly config: ServerConfig,
    readonly store: Store,
    readonly logger: Logger,
    readonly http: HttpServer,
    readonly orchestrator: Orchestrator,
    readonly url: string,
    readonly port: number,
    /** Where call recordings are kept (a directory or an S3 bucket). */
    readonly recordings: RecordingStore,
    /** Backs `GET /readyz`; telephony reports its SIP listener here. */
    readonly readiness: Readiness,
    /** One-time dashboard login links (`unpod dev` prints one). */
    readonly loginLinks: LoginLinks,
    /** Live call and worker events behind the SSE routes. */
    readonly events: LiveEventHub,
    /** Whether a built dashboard is served at `/`. */
    readonly dashboard: boolean,
  ) {}

  /** Open (and migrate) the store, mount everything and listen. */
  static async start(
    config: ServerConfig,
    options: { logger?: Logger; writeRuntimeFile?: boolean; timings?: Partial<OrchestratorTimings>; dashboardDir?: string } = {},
  ): Promise<UnpodServer> {
    const logger = options.logger ?? createLogger(config.logLevel, { node_id: config.nodeId });
    await loadSpeechPlugins(config.speechPlugins);
    const store = await Store.open({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      secretKey: config.cloud.secretKey,
      migrate: true,
      backgroundCheckpoint: { warn: (message) => logger.warn({ problem: message }, 'sqlite checkpoints') },
    });
    const recordings = createRecordingStore(config.recordings);
    const readiness = new Readiness({ nodeId: config.nodeId, db: store.db, redisUrl: config.redisUrl }, config.sip.enabled);
    let url = '';
    const localEvents = new InMemoryLiveEventHub((err) => logger.warn({ err }, 'live event listener failed'));
    // In a cluster the live events cross nodes on the bus (attached once the orchestrator exists).
    const fanOut = config.cluster ? new FanOutLiveEventHub(localEvents, (err) => logger.warn({ err }, 'live event not sent to the cluster')) : null;
    const events: LiveEventHub = fanOut ?? localEvents;
    const loginLinks = new LoginLinks();
    const dashboardDir = options.dashboardDir ?? defaultDashboardDir();
    const dashboard = dashboardBuilt(dashboardDir);
    const orchestratorRef: { current?: Orchestrator } = {};
    const app = createControlApp({
      store,
      config,
      logger,
      startedAtMs: Date.now(),
      readiness,
      recordings,
      liveCalls: {
        launch: (c, pipe) => orchestratorRef.current!.launch(c, pipe),
        hangup: (c) => orchestratorRef.current!.hangup(c),
        liveEvents: (id) => orchestratorRef.current!.liveEvents(id),
      },
      workers: { list: (s, f) => orchestratorRef.current!.list(s, f) },
      events,
      loginLinks,
      voiceSamples: { synthesize: (profile, text, signal) => registrySampler(orchestratorRef.current!.speech).synthesize(profile, text, signal) },
      ...(dashboard ? { dashboardDir } : {}),
    });
    const http = new HttpServer(app, logger);
    let cluster: OrchestratorCluster | undefined;
    if (config.cluster) {
      try {
        cluster = await OrchestratorCluster.connect({
          redis: { url: config.cluster.redisUrl, prefix: config.cluster.redisPrefix },
          nodeId: config.nodeId,
          nodeTtlMs: config.cluster.nodeTtlMs,
          registryTtlMs: resolveTimings(options.timings).registryTtlMs,
          publicUrl: () => url,
          store,
          logger,
        });
      } catch (err) {
        await store.close();
        throw err;
      }
    }
    const orchestrator = new Orchestrator({ store, config, logger, http, publicUrl: () => url, timings: options.timings, recordings, events, cluster });
    orchestratorRef.current = orchestrator;
    let port: number;
    try {
      await orchestrator.start();
      port = await http.listen(config.port, config.host);
    } catch (err) {
      await orchestrator.close();
      await store.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is already in use (is another Unpod running? try --port)`);
      throw err;
    }
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    url = config.publicUrl?.replace(/\/+$/, '') ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    try {
      await fanOut?.attach(orchestrator.bus);
      await orchestrator.join();
    } catch (err) {
      fanOut?.detach();
      await orchestrator.close();
      await http.close();
      await store.close();
      throw err;
    }
    const server = new UnpodServer(config, store, logger, http, orchestrator, url, port, recordings, readiness, loginLinks, events, dashboard);
    if (options.writeRuntimeFile !== false) await server.writeRuntimeFile();
    logger.info({ url, database: store.db.kind, data_dir: config.dataDir }, 'unpod server listening');
    return server;
  }

  private async writeRuntimeFile(): Promise<void> {
    const info: RuntimeInfo = { pid: process.pid, url: this.url, port: this.port, node_id: this.config.nodeId, started_at: new Date().toISOString() };
    await mkdir(this.config.dataDir, { recursive: true });
    await writeFile(path.join(this.config.dataDir, RUNTIME_FILE), JSON.stringify(info, null, 2) + '\n');
  }

  /** Stop accepting, end live work, close the store. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.orchestrator.close();
    await this.http.close();
    await this.store.close();
    await rm(path.join(this.config.dataDir, RUNTIME_FILE), { force: true });
    this.logger.info('unpod server stopped');
    this.logger.flush();
  }
}
