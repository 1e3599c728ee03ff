import { BASE_EVENTS, BASE_VERBS } from '@unpod/protocol';
import { FrameSocket, type Frame } from './frame-socket.js';

/**
 * A runner written by hand against the reference wire protocol (spec 3 and 4), for server tests:
 * every frame it sends is spelled out, so the tests pin the wire, not an SDK.
 */
export interface RegisterOptions {
  workerId: string;
  agentId: string;
  pool?: string;
  maxConcurrent?: number;
  /** `dial_out` (default); null omits the key (legacy serve runner). */
  transport?: 'dial_out' | 'serve' | null;
  capabilities?: Record<string, unknown>;
}

export interface HelloOptions {
  events?: readonly string[];
  verbs?: readonly string[];
}

/** A reference-style `hello` (spec 4.1). */
export function referenceHello(options: HelloOptions = {}): Frame {
  return {
    event: 'hello',
    protocol_version: 2,
    supported_events: [...(options.events ?? BASE_EVENTS)],
    supported_verbs: [...(options.verbs ?? BASE_VERBS)],
  };
}

export class RawRunner {
  private constructor(
    readonly control: FrameSocket,
    readonly wsBase: string,
  ) {}

  /** Open the control socket with `Authorization: Bearer <apiKey>` (omitted when null). */
  static async connect(wsBase: string, apiKey: string | null): Promise<RawRunner> {
    const headers: Record<string, string> = apiKey === null ? {} : { authorization: `Bearer ${apiKey}` };
    return new RawRunner(await FrameSocket.open(`${wsBase}/v1/internal/workers`, headers), wsBase);
  }

  /** Connect, register and wait for `registered`. */
  static async start(wsBase: string, apiKey: string, options: RegisterOptions): Promise<RawRunner> {
    const runner = await RawRunner.connect(wsBase, apiKey);
    await runner.register(options);
    return runner;
  }

  sendRegister(options: RegisterOptions): void {
    const transport = options.transport === undefined ? 'dial_out' : options.transport;
    this.control.send({
      type: 'register',
      worker_id: options.workerId,
      pool: options.pool ?? options.agentId,
      capabilities: {
        voice_profiles: [],
        max_concurrent: options.maxConcurrent ?? 5,
        agent_id: options.agentId,
        ...(transport === null ? { serving_url: 'ws://127.0.0.1:8765' } : { transport }),
        kind: 'brain',
        hostname: 'test-host',
        address: '127.0.0.1',
        region: null,
        deployment: 'local',
        ...options.capabilities,
      },
    });
  }

  async register(options: RegisterOptions): Promise<Frame> {
    this.sendRegister(options);
    const reply = await this.control.next();
    if (reply.type !== 'registered') throw new Error(`expected registered, got ${JSON.stringify(reply)}`);
    return reply;
  }

  heartbeat(activeJobs: number, workerId: string, draining?: boolean): void {
    this.control.send({ type: 'heartbeat', active_jobs: activeJobs, worker_id: workerId, ...(draining === undefined ? {} : { draining }) });
  }

  nextAssign(timeoutMs?: number): Promise<Frame> {
    return this.control.waitFor('job.assign', timeoutMs);
  }

  ack(assign: Frame, accepted = true, reason: string | null = null): void {
    this.control.send({ type: 'job.ack', job_id: assign.job_id, assign_id: assign.assign_id ?? '', accepted, reason });
  }

  /** Dial `bridge_url` with `token=<call_token>` appended (spec 3.5). */
  dial(assign: Frame, token = String(assign.call_token), options: { autoPong?: boolean } = {}): Promise<FrameSocket> {
    const url = new URL(String(assign.bridge_url));
    url.searchParams.set('token', token);
    return FrameSocket.open(url.toString(), {}, options);
  }

  /** `hello`, then expect `hello.ack` and `call.started` in that order. */
  async handshake(bridge: FrameSocket, options: HelloOptions = {}): Promise<{ helloAck: Frame; callStarted: Frame }> {
    bridge.send(referenceHello(options));
    const helloAck = await bridge.next();
    if (helloAck.event !== 'hello.ack') throw new Error(`expected hello.ack, got ${JSON.stringify(helloAck)}`);
    const callStarted = await bridge.next();
    if (callStarted.event !== 'call.started') throw new Error(`expected call.started, got ${JSON.stringify(callStarted)}`);
    return { helloAck, callStarted };
  }

  /** Take the next assignment, accept it, dial and complete the handshake. */
  async acceptNext(options: HelloOptions = {}): Promise<{ assign: Frame; bridge: FrameSocket; helloAck: Frame; callStarted: Frame }> {
    const assign = await this.nextAssign();
    this.ack(assign);
    const bridge = await this.dial(assign);
    const { helloAck, callStarted } = await this.handshake(bridge, options);
    return { assign, bridge, helloAck, callStarted };
  }

  /**
   * Accept every assignment as it arrives: ack at once, then dial and handshake concurrently
   * (as a reference runner spawns a dial task per job). Runs until the control socket closes.
   */
  autoAccept(options: HelloOptions = {}): { assigns: Frame[]; bridges: Array<Promise<FrameSocket>> } {
    const state = { assigns: [] as Frame[], bridges: [] as Array<Promise<FrameSocket>> };
    const loop = async () => {
      for (;;) {
        let assign: Frame;
        try {
          assign = await this.nextAssign(60_000);
        } catch {
          return;
        }
        state.assigns.push(assign);
        this.ack(assign);
        const bridge = this.dial(assign).then(async (socket) => {
          await this.handshake(socket, options);
          return socket;
        });
        bridge.catch(() => undefined); // reported to whoever awaits `bridges`
        state.bridges.push(bridge);
      }
    };
    void loop();
    return state;
  }

  close(): void {
    this.control.close();
  }
}
