import { rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ServerConfig } from './config.js';
import { createControlApp } from './control/http/app.js';
import { Store } from './control/store/store.js';
import { HttpServer } from './http-server.js';
import { createLogger, type Logger } from './logger.js';
import { Orchestrator, OrchestratorCluster, resolveTimings, type OrchestratorTimings } from './orchestrator/index.js';

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
  ) {}

  /** Open (and migrate) the store, mount everything and listen. */
  static async start(
    config: ServerConfig,
    options: { logger?: Logger; writeRuntimeFile?: boolean; timings?: Partial<OrchestratorTimings> } = {},
  ): Promise<UnpodServer> {
    const logger = options.logger ?? createLogger(config.logLevel, { node_id: config.nodeId });
    const store = await Store.open({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      migrate: true,
      backgroundCheckpoint: { warn: (message) => logger.warn({ problem: message }, 'sqlite checkpoints') },
    });
    let url = '';
    const orchestratorRef: { current?: Orchestrator } = {};
    const app = createControlApp({
      store,
      config,
      logger,
      startedAtMs: Date.now(),
      liveCalls: { launch: (c, pipe) => orchestratorRef.current!.launch(c, pipe), hangup: (c) => orchestratorRef.current!.hangup(c) },
      workers: { list: (s, f) => orchestratorRef.current!.list(s, f) },
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
    const orchestrator = new Orchestrator({ store, config, logger, http, publicUrl: () => url, timings: options.timings, cluster });
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
      await orchestrator.join();
    } catch (err) {
      await orchestrator.close();
      await http.close();
      await store.close();
      throw err;
    }
    const server = new UnpodServer(config, store, logger, http, orchestrator, url, port);
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
