import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  AgentId,
  CLOSE_CODES,
  FRAME_NAMES,
  RunnerToOrchestratorFrame,
  parseFrame,
  type HeartbeatFrame,
  type JobAckFrame,
  type JobAssignFrame,
  type RegisterFrame,
  type RegisteredFrame,
} from '@unpod/protocol';
import type { KeyIdentity } from '../control/store/repos/api-keys.js';
import type { Logger } from '../logger.js';
import { acceptUpgrade, closeSocket, createUpgradeServer, rawText, refuseUpgrade, sendJson } from '../transports/ws.js';
import type { AssignOutcome, RunnerLink, RunnerRegistry } from './registry.js';
import type { OrchestratorTimings } from './timings.js';

/** Path of the runner control socket (spec 3.4). */
export const CONTROL_PATH = '/v1/internal/workers';

export interface ControlServerDeps {
  authenticate: (rawKey: string) => Promise<KeyIdentity | undefined>;
  registry: RunnerRegistry;
  timings: OrchestratorTimings;
  logger: Logger;
}

/**
 * Accepts runner control sockets: `Authorization: Bearer sk_...` (bad, revoked or missing key:
 * close 4001), then `register` as the first frame, `registered`, heartbeats and job acks.
 * Malformed frames close the socket with 1002 (the runner reconnects; its live calls ride their
 * own bridge sockets and are unaffected); unknown frame types are ignored.
 */
export class ControlServer {
  private readonly wss = createUpgradeServer();
  private readonly connections = new Set<ControlConnection>();
  private closing = false;

  constructor(private readonly deps: ControlServerDeps) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (url.pathname.replace(/\/+$/, '') !== CONTROL_PATH) return refuseUpgrade(socket, 404, 'no such socket');
    if (this.closing) return refuseUpgrade(socket, 503, 'server is shutting down');
    const header = req.headers.authorization ?? '';
    void acceptUpgrade(this.wss, req, socket, head).then((ws) => {
      if (!ws) return;
      const conn = new ControlConnection(ws, this.deps, () => this.connections.delete(conn));
      this.connections.add(conn);
      if (this.closing) conn.close(CLOSE_CODES.goingAway, 'server is shutting down');
      else void conn.authenticate(header);
    });
  }

  /** Close every control socket with 1001 so runners reconnect elsewhere or later. */
  close(): void {
    this.closing = true;
    for (const conn of this.connections) conn.close(CLOSE_CODES.goingAway, 'server is shutting down');
    this.wss.close();
  }
}

interface PendingAssign {
  jobId: string;
  resolve: (outcome: AssignOutcome) => void;
  timer: NodeJS.Timeout;
}

type Phase = 'authenticating' | 'awaiting_register' | 'registered' | 'closed';

/** One runner's control socket; the registry's `RunnerLink` for it. */
export class ControlConnection implements RunnerLink {
  private readonly abort = new AbortController();
  readonly closed: AbortSignal = this.abort.signal;
  private phase: Phase = 'authenticating';
  private readonly early: string[] = [];
  private identity: KeyIdentity | null = null;
  private workerId: string | null = null;
  private readonly pending = new Map<string, PendingAssign>();
  private registerTimer: NodeJS.Timeout | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: ControlServerDeps,
    private readonly onGone: () => void,
  ) {
    this.logger = deps.logger.child({ component: 'control' });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.protocolError('binary frames are not part of the control protocol');
      const text = rawText(data);
      if (this.phase !== 'authenticating') return this.onText(text);
      if (this.early.length >= 16) return this.protocolError('too many frames before authentication completed');
      this.early.push(text);
    });
    ws.on('error', (err) => this.logger.debug({ err: err.message }, 'control socket error'));
    ws.on('close', (code) => this.onClose(code));
  }

  async authenticate(header: string): Promise<void> {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    let identity: KeyIdentity | undefined;
    try {
      identity = match ? await this.deps.authenticate(match[1]!) : undefined;
    } catch (err) {
      this.logger.error({ err }, 'runner authentication failed');
      return this.close(CLOSE_CODES.internalError, 'authentication unavailable');
    }
    if (this.phase === 'closed') return;
    if (!identity) {
      return this.close(CLOSE_CODES.unauthorized, match ? 'API key is invalid or revoked' : 'missing API key: send Authorization: Bearer sk_...');
    }
    this.identity = identity;
    this.phase = 'awaiting_register';
    this.registerTimer = setTimeout(() => this.protocolError('no register frame within the register timeout'), this.deps.timings.registerTimeoutMs);
    this.registerTimer.unref();
    for (const text of this.early.splice(0)) {
      if ((this.phase as Phase) === 'closed') break;
      this.onText(text);
    }
  }

  private onText(text: string): void {
    if (this.phase === 'closed') return;
    const parsed = parseFrame(text, RunnerToOrchestratorFrame, 'type', FRAME_NAMES.runnerToOrchestrator);
    if (!parsed.ok) {
      if (parsed.kind === 'unknown') {
        this.logger.debug({ type: parsed.name }, 'unknown control frame ignored');
        return;
      }
      return this.protocolError(parsed.message);
    }
    const frame = parsed.frame;
    if (this.phase === 'awaiting_register' && frame.type !== 'register') {
      return this.protocolError(`expected register as the first frame, got ${frame.type}`);
    }
    switch (frame.type) {
      case 'register':
        return this.onRegister(frame);
      case 'heartbeat':
        return this.onHeartbeat(frame);
      case 'job.ack':
        return this.onAck(frame);
      case 'state.changed':
      case 'job.completed':
        this.logger.debug({ type: frame.type }, 'informational control frame ignored');
        return;
    }
  }

  private onRegister(frame: RegisterFrame): void {
    if (this.phase === 'registered') {
      this.logger.warn({ worker_id: this.workerId }, 'duplicate register on one connection ignored');
      return;
    }
    const caps = frame.capabilities;
    const refusal = registrationProblem(frame);
    if (refusal) {
      this.logger.warn({ worker_id: frame.worker_id, problem: refusal }, 'runner registration refused');
      return this.close(CLOSE_CODES.policy, refusal);
    }
    if (this.registerTimer) clearTimeout(this.registerTimer);
    const dialOut = caps.transport === 'dial_out';
    this.workerId = frame.worker_id;
    this.phase = 'registered';
    const registration = this.deps.registry.register({
      spaceId: this.identity!.spaceId,
      workerId: frame.worker_id,
      agentId: caps.agent_id,
      pool: frame.pool,
      dev: frame.pool !== caps.agent_id,
      maxConcurrent: caps.max_concurrent,
      dispatchable: dialOut,
      placement: {
        hostname: caps.hostname ?? null,
        address: caps.address ?? null,
        region: caps.region ?? null,
        deployment: caps.deployment ?? null,
      },
      link: this,
    });
    // `registered` goes out only once the entry is visible to dispatch (on every node with Redis).
    if (!(registration instanceof Promise)) return this.confirmRegistered(frame, dialOut);
    registration.then(
      () => this.confirmRegistered(frame, dialOut),
      (err: unknown) => {
        this.logger.error({ err, worker_id: frame.worker_id }, 'runner registry unavailable; registration failed');
        this.close(CLOSE_CODES.internalError, 'runner registry unavailable; reconnect later');
      },
    );
  }

  private confirmRegistered(frame: RegisterFrame, dialOut: boolean): void {
    if (this.phase !== 'registered') return;
    const caps = frame.capabilities;
    // Spec 3.3: a dial_out runner requires transport_ack "dial_out"; a legacy serve runner gets none.
    const reply: RegisteredFrame = {
      type: 'registered',
      heartbeat_interval_s: this.deps.timings.heartbeatIntervalS,
      ...(dialOut ? { transport_ack: 'dial_out' as const } : {}),
    };
    sendJson(this.ws, reply);
    this.logger.info(
      { worker_id: frame.worker_id, agent_id: caps.agent_id, pool: frame.pool, max_concurrent: caps.max_concurrent, transport: dialOut ? 'dial_out' : 'serve', space_id: this.identity!.spaceId },
      dialOut ? 'runner registered' : 'legacy serve runner registered (never dispatched to)',
    );
  }

  private onHeartbeat(frame: HeartbeatFrame): void {
    if (frame.worker_id !== null && frame.worker_id !== this.workerId) {
      this.logger.debug({ worker_id: this.workerId }, 'heartbeat names another worker_id; counted for this connection');
    }
    const owned = this.deps.registry.heartbeat(this.identity!.spaceId, this.workerId!, this, {
      activeJobs: frame.active_jobs,
      draining: frame.draining === true,
    });
    if (owned === true) return;
    if (owned === false) return this.close(CLOSE_CODES.normal, 'registration expired or replaced; reconnect to register again');
    owned.then(
      (ok) => {
        if (!ok) this.close(CLOSE_CODES.normal, 'registration expired or replaced; reconnect to register again');
      },
      (err: unknown) => this.logger.warn({ err, worker_id: this.workerId }, 'heartbeat not recorded: runner registry unavailable'),
    );
  }

  private onAck(frame: JobAckFrame): void {
    let key: string | undefined = frame.assign_id !== '' && this.pending.has(frame.assign_id) ? frame.assign_id : undefined;
    // Peers that do not echo assign_id: match the job, which is assigned at most once per runner.
    if (key === undefined && frame.assign_id === '') {
      for (const [k, p] of this.pending) if (p.jobId === frame.job_id) key = k;
    }
    const entry = key === undefined ? undefined : this.pending.get(key);
    if (!entry || entry.jobId !== frame.job_id) {
      this.logger.debug({ job_id: frame.job_id, assign_id: frame.assign_id }, 'ack for no pending assign (late or unknown) ignored');
      return;
    }
    this.pending.delete(key!);
    clearTimeout(entry.timer);
    entry.resolve(frame.accepted ? { kind: 'accepted' } : { kind: 'rejected', reason: frame.reason });
  }

  assign(frame: JobAssignFrame, timeoutMs: number): Promise<AssignOutcome> {
    if (this.phase !== 'registered' || !sendJson(this.ws, frame)) return Promise.resolve({ kind: 'closed' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending.get(frame.assign_id)?.timer !== timer) return;
        this.pending.delete(frame.assign_id);
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      timer.unref();
      this.pending.set(frame.assign_id, { jobId: frame.job_id, resolve, timer });
    });
  }

  cancel(jobId: string, reason: string): void {
    if (this.phase === 'registered') sendJson(this.ws, { type: 'job.cancel', job_id: jobId, reason });
  }

  close(code: number, reason: string): void {
    closeSocket(this.ws, code, reason);
  }

  private protocolError(message: string): void {
    this.logger.warn({ worker_id: this.workerId, problem: message }, 'control protocol error; closing');
    this.close(CLOSE_CODES.protocolError, message);
  }

  private onClose(code: number): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.registerTimer) clearTimeout(this.registerTimer);
    if (this.identity && this.workerId) {
      this.deps.registry.unregister(this.identity.spaceId, this.workerId, this);
      this.logger.info({ worker_id: this.workerId, code }, 'runner control socket closed');
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve({ kind: 'closed' });
    }
    this.pending.clear();
    this.abort.abort();
    this.onGone();
  }
}

/** Why a register frame is refused (spec 3.3), or null when it is acceptable. */
export function registrationProblem(frame: RegisterFrame): string | null {
  const caps = frame.capabilities;
  if (caps.kind !== 'brain') return `kind "${caps.kind}" is not accepted on this node (agent runners register as kind "brain")`;
  if (caps.bridge_base !== undefined) return 'a brain must not advertise bridge_base';
  if (!AgentId.safeParse(caps.agent_id).success) return 'capabilities.agent_id is not a valid agent id';
  if (frame.pool !== caps.agent_id && frame.pool !== `${caps.agent_id}@dev`) {
    return `pool must be "${caps.agent_id}" or "${caps.agent_id}@dev"`;
  }
  return null;
}
