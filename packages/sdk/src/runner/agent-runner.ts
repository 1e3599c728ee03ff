import { randomUUID } from 'node:crypto';
import type { HeartbeatFrame, JobAckFrame, JobAssignFrame, JobCancelFrame, RegisterFrame } from '@unpod/protocol';
import type { Logger } from '../logger.js';
import type { CallContext } from './call-context.js';
import { CallJob, type CallJobOutcome } from './call-job.js';
import { resolveRunnerConfig, type AgentRunnerOptions, type RunnerConfig } from './config.js';
import { ControlClient } from './control-client.js';
import { RunnerError } from './errors.js';
import { HookRegistry, type HookHandler } from './hooks.js';
import { RollingOutcomes, type CallFinalState, type RunnerStats } from './stats.js';

/** Runner-level hooks: `runner.on(name, handler)`. */
export interface RunnerEvents {
  /** A call's handshake completed; fires right before the entrypoint. */
  call_start: [ctx: CallContext];
  /** The entrypoint returned (`ended`) or threw / was cancelled (`failed`); the bridge is closed. */
  call_end: [ctx: CallContext, finalState: CallFinalState];
  /** Registered (again, after a reconnect) with the orchestrator. */
  registered: [info: { workerId: string; heartbeatIntervalS: number; reconnect: boolean }];
  /** A fatal runner error (`RunnerAuthError`, `TransportRejectedError`); the runner has stopped. */
  error: [err: RunnerError];
}

const RUNNER_HOOK_NAMES: ReadonlySet<string> = new Set(['call_start', 'call_end', 'registered', 'error']);

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejections are also reported through the `error` hook and the logger; never crash on them.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * A long-lived process that answers calls for one `agentId`: it registers on the server's control
 * socket, accepts `job.assign`, dials each call's bridge and runs your entrypoint once per call.
 *
 * ```ts
 * const runner = new AgentRunner({ agentId: 'support', entrypoint: async (ctx) => {
 *   ctx.session.dialogMachine = functionAdapter(async (text) => `You said: ${text}`);
 *   await ctx.session.run();
 * }});
 * await runner.start();
 * process.once('SIGTERM', () => void runner.shutdown());
 * ```
 */
export class AgentRunner {
  /** The rendezvous key. */
  readonly agentId: string;
  /** `<agentId>#<8 hex>`, stable for this process across reconnects. */
  readonly workerId: string;
  /** `agentId`, or `<agentId>@dev` in dev mode. */
  readonly pool: string;
  private readonly config: RunnerConfig;
  private readonly logger: Logger;
  private readonly hooks: HookRegistry<RunnerEvents>;
  private readonly control: ControlClient;
  private readonly jobs = new Map<string, CallJob>();
  private readonly outcomes = new RollingOutcomes();
  private readonly idleWaiters = new Set<() => void>();
  private started: ReturnType<typeof deferred<void>> | null = null;
  private readonly stopped = deferred<void>();
  private shutdownPromise: Promise<void> | null = null;
  private draining = false;
  private registeredOnce = false;

  /** Validates options; throws `RunnerConfigError` (`missing_api_key`, `invalid_option`). */
  constructor(options: AgentRunnerOptions) {
    this.config = resolveRunnerConfig(options);
    this.agentId = this.config.agentId;
    this.pool = this.config.pool;
    this.workerId = `${this.agentId}#${randomUUID().replace(/-/g, '').slice(0, 8)}`;
    this.logger = this.config.logger.child({ worker_id: this.workerId });
    this.hooks = new HookRegistry<RunnerEvents>(RUNNER_HOOK_NAMES, this.logger);
    this.control = new ControlClient({
      url: this.config.controlUrl,
      urls: this.config.controlUrls,
      apiKey: this.config.apiKey,
      logger: this.logger,
      timing: this.config.timing,
      register: () => this.registerFrame(),
      heartbeat: () => this.heartbeatFrame(),
      onRegistered: (info) => this.onRegistered(info),
      onJobFrame: (frame) => (frame.type === 'job.assign' ? this.onAssign(frame) : this.onCancel(frame)),
      onFatal: (err) => this.onFatal(err),
    });
  }

  /**
   * Connect and register. Resolves the first time the orchestrator answers `registered`; keeps
   * reconnecting in the background afterwards. Rejects with `RunnerAuthError` or
   * `TransportRejectedError` (fatal), or `RunnerError('runner_stopped')` if shut down first.
   */
  start(): Promise<void> {
    if (this.shutdownPromise) return Promise.reject(new RunnerError('runner_stopped', 'the runner was shut down'));
    if (!this.started) {
      this.started = deferred<void>();
      this.logger.info({ agent_id: this.agentId, pool: this.pool, capacity: this.config.maxConcurrentCalls }, 'runner starting');
      this.control.start();
    }
    return this.started.promise;
  }

  /** `start()`, then wait until the runner stops: resolves after `shutdown()`, rejects on a fatal error. */
  async run(): Promise<void> {
    await this.start();
    await this.stopped.promise;
  }

  /**
   * Drain and stop: refuse new jobs (`draining`) and advertise it in a heartbeat, wait for live
   * calls to end or `drainTimeoutMs`, then end the rest (bridges closed) and close the control
   * socket. Resolves when everything is closed. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.drainAndStop();
    return this.shutdownPromise;
  }

  /** Counts over a rolling one-hour window plus current load. */
  stats(): RunnerStats {
    const summary = this.outcomes.summary();
    let live = 0;
    for (const job of this.jobs.values()) if (job.state !== 'dialing') live += 1;
    return {
      inFlight: live,
      dialing: this.jobs.size - live,
      completedLastHour: summary.completed,
      failedLastHour: summary.failed,
      capacity: this.config.maxConcurrentCalls,
      meanCallDurationS: summary.meanDurationS,
      draining: this.draining,
    };
  }

  /** Contexts of the calls currently live. */
  activeCalls(): CallContext[] {
    const out: CallContext[] = [];
    for (const job of this.jobs.values()) if (job.context && job.state !== 'done') out.push(job.context);
    return out;
  }

  /** Register a runner hook; returns a function that removes it. A throwing handler is logged and skipped. */
  on<K extends keyof RunnerEvents & string>(event: K, handler: HookHandler<RunnerEvents[K]>): () => void {
    return this.hooks.on(event, handler);
  }

  private registerFrame(): RegisterFrame {
    const { hostInfo } = this.config;
    return {
      type: 'register',
      worker_id: this.workerId,
      pool: this.pool,
      capabilities: {
        voice_profiles: [...this.config.voiceProfiles],
        max_concurrent: this.config.maxConcurrentCalls,
        agent_id: this.agentId,
        transport: 'dial_out',
        kind: 'brain',
        hostname: hostInfo.hostname,
        address: hostInfo.address,
        region: hostInfo.region,
        deployment: hostInfo.deployment,
      },
    };
  }

  private heartbeatFrame(): HeartbeatFrame {
    const frame: HeartbeatFrame = { type: 'heartbeat', active_jobs: this.stats().inFlight, worker_id: this.workerId };
    if (this.draining) frame.draining = true;
    return frame;
  }

  private onRegistered(info: { heartbeatIntervalS: number; reconnect: boolean }): void {
    this.registeredOnce = true;
    this.started?.resolve();
    void this.hooks.emit('registered', { workerId: this.workerId, ...info });
  }

  private onFatal(err: RunnerError): void {
    if (!this.registeredOnce) this.started?.reject(err);
    this.stopped.reject(err);
    if (!this.hooks.has('error')) this.logger.error({ code: err.code }, err.message);
    void this.hooks.emit('error', err);
  }

  private ack(assign: JobAssignFrame, accepted: boolean, reason: JobAckFrame['reason']): void {
    this.control.send({ type: 'job.ack', job_id: assign.job_id, assign_id: assign.assign_id, accepted, reason });
  }

  private onAssign(assign: JobAssignFrame): void {
    const log = this.logger.child({ job_id: assign.job_id, assign_id: assign.assign_id });
    if (assign.agent_id !== this.agentId) {
      log.warn({ call_agent_id: assign.agent_id }, 'job rejected: agent_id_mismatch');
      this.ack(assign, false, 'agent_id_mismatch');
      return;
    }
    if (this.jobs.has(assign.job_id)) {
      // A retried assign for a job already running here: acknowledge, do not dial twice.
      this.ack(assign, true, null);
      return;
    }
    if (this.draining) {
      log.info({}, 'job rejected: draining');
      this.ack(assign, false, 'draining');
      return;
    }
    if (this.jobs.size >= this.config.maxConcurrentCalls) {
      log.warn({ capacity: this.config.maxConcurrentCalls }, 'job rejected: at_capacity');
      this.ack(assign, false, 'at_capacity');
      return;
    }
    this.ack(assign, true, null);
    log.info({}, 'job accepted');
    const job = new CallJob(assign, {
      config: this.config,
      logger: this.logger,
      callStarted: (ctx) => this.hooks.emit('call_start', ctx),
      callEnded: (ctx, finalState) => this.hooks.emit('call_end', ctx, finalState),
      becameLive: () => undefined,
      recordOutcome: (outcome) => this.recordOutcome(outcome),
      finished: (j) => this.onJobFinished(j),
    });
    this.jobs.set(assign.job_id, job);
  }

  private onCancel(frame: JobCancelFrame): void {
    const job = this.jobs.get(frame.job_id);
    if (!job) {
      this.logger.debug({ job_id: frame.job_id }, 'job.cancel for an unknown job ignored');
      return;
    }
    this.logger.info({ job_id: frame.job_id, reason: frame.reason ?? null }, 'job cancelled by the server');
    job.cancel(frame.reason ?? 'job.cancel');
  }

  private recordOutcome(outcome: CallJobOutcome): void {
    if (outcome.kind === 'call') this.outcomes.record(outcome.finalState, outcome.durationS);
    else if (outcome.kind === 'dial_failed') this.outcomes.record('failed', null);
  }

  private onJobFinished(job: CallJob): void {
    if (this.jobs.get(job.jobId) === job) this.jobs.delete(job.jobId);
    if (this.jobs.size === 0) {
      for (const wake of this.idleWaiters) wake();
      this.idleWaiters.clear();
    }
  }

  /** Resolves true once no job is left, false after `timeoutMs`. */
  private waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.jobs.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.add(wake);
    });
  }

  private async drainAndStop(): Promise<void> {
    this.draining = true;
    this.logger.info({ in_flight: this.jobs.size, drain_timeout_ms: this.config.drainTimeoutMs }, 'draining');
    this.control.sendHeartbeat();
    if (!(await this.waitForIdle(this.config.drainTimeoutMs))) {
      this.logger.warn({ remaining: this.jobs.size }, 'drain timeout; ending remaining calls');
      for (const job of this.jobs.values()) job.cancel('runner shutdown');
      if (!(await this.waitForIdle(this.config.timing.closeGraceMs))) {
        this.logger.error({ remaining: this.jobs.size }, 'calls still running after shutdown; giving up on them');
      }
    }
    await this.control.close();
    this.started?.reject(new RunnerError('runner_stopped', 'the runner was shut down before it registered'));
    this.stopped.resolve();
    this.logger.info({}, 'runner stopped');
  }
}
