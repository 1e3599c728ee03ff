/**
 * Peers for the telephony end-to-end tests: SIPp processes, a Node RTP endpoint that plays pcap
 * media and counts what the server sends back, and read access to the call events the server
 * records. Everything binds 127.0.0.x with free ports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { planDtmfPackets, type DtmfDigit } from '@unpod/media';
import { parseRtpPacket, serializeRtpPacket, type RtpPacket } from '@unpod/sip';
import { spawnNode, type WatchedProcess } from '@unpod/testkit/processes';
import type { TestServer } from '@unpod/testkit/server';

const require = createRequire(import.meta.url);

export const SIPP = spawnSync('sipp', ['-v'], { encoding: 'utf8' }).error ? undefined : 'sipp';
export const PCAP_DIR = '/usr/share/sip-tester';
export const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sipp');

/**
 * A port free on UDP, and on TCP for it and the next `tcpSpan - 1` ports, a moment ago. SIPp and
 * baresip take a port number (they cannot bind 0 and report it); baresip also binds TCP on it and
 * TLS on the next one.
 */
export async function freePort(address = '127.0.0.1', tcpSpan = 1): Promise<number> {
  for (;;) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    const { port } = socket.address();
    let free = port + tcpSpan <= 65535;
    for (let p = port; free && p < port + tcpSpan; p++) free = await tcpFree(p, address);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (free) return port;
  }
}

async function tcpFree(port: number, address: string): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, address, () => resolve(true));
  });
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
  return ok;
}

export interface SippRun {
  /** SIPp's exit: 0 when every call of the scenario passed. */
  done: Promise<{ code: number | null; output: string }>;
  /** `work`, unless SIPp exits first: then its output is the error. */
  during<T>(work: Promise<T>): Promise<T>;
  kill(): void;
}

/** Runs SIPp to completion (bounded by `timeoutMs`); `-timeout_error` makes a stall fail. */
export function runSipp(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): SippRun {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const errorFile = path.join(tmpdir(), `unpod-sipp-${process.pid}-${Math.random().toString(36).slice(2)}.err`);
  const child = spawn(SIPP!, [...args, '-nostdin', '-timeout', `${Math.ceil(timeoutMs / 1000)}s`, '-timeout_error', '-trace_err', '-error_file', errorFile], {
    cwd: options.cwd ?? SCENARIOS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-6000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(guard);
      let errors = '';
      try {
        errors = readFileSync(errorFile, 'utf8').slice(-4000);
        rmSync(errorFile, { force: true });
      } catch {
        errors = '';
      }
      resolve({ code, output: `${output}\n${errors}` });
    }),
  );
  const during = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([work, done.then((r): never => {
      throw new Error(`SIPp exited (${r.code}) before that happened:\n${r.output}`);
    })]);
  return { done, during, kill: () => child.kill('SIGKILL') };
}

/** SIPp as the far end of one outbound call on `port`. */
export function sippUas(scenario: string[], port: number, timeoutMs = 20_000): SippRun {
  return runSipp([...scenario, '-i', '127.0.0.1', '-p', String(port), ...(scenario.includes('-m') ? [] : ['-m', '1'])], { timeoutMs });
}

/** Resolves once something listens on UDP `port` (SIPp binds a moment after it starts). */
export async function udpListening(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(true));
      probe.bind(port, '127.0.0.1', () => resolve(false));
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    if (bound) return;
    if (Date.now() > deadline) throw new Error(`nothing bound UDP ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** RTP packets (whole, as captured) of the UDP payloads of an Ethernet pcap. */
export function readPcapRtp(file: string): Buffer[] {
  const bytes = readFileSync(file);
  const out: Buffer[] = [];
  let offset = 24;
  while (offset + 16 <= bytes.length) {
    const length = bytes.readUInt32LE(offset + 8);
    const frame = bytes.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    if (frame.readUInt16BE(12) !== 0x0800) continue;
    const ipHeader = (frame[14]! & 0x0f) * 4;
    if (frame[14 + 9] !== 17) continue;
    out.push(Buffer.from(frame.subarray(14 + ipHeader + 8)));
  }
  return out;
}

/**
 * The caller's RTP endpoint: its port goes into SIPp's SDP (`-set rtp_port`), it learns the
 * server's RTP address from the first packet the server sends, counts and keeps what arrives,
 * and can play pcap media and RFC 4733 key presses back.
 */
export class RtpPeer {
  readonly received: RtpPacket[] = [];
  private server: RemoteInfo | null = null;
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  private seq = 1000;
  private timestamp = 160_000;
  private readonly ssrc = 0x5eed1234;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (data, rinfo) => {
      this.server ??= rinfo;
      try {
        this.received.push(parseRtpPacket(data));
      } catch {
        return;
      }
      for (const w of [...this.waiters]) {
        if (!w.check()) continue;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  }

  static async open(): Promise<RtpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new RtpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Resolves once `count` packets (matching `filter`) came from the server. */
  waitFor(count: number, filter: (p: RtpPacket) => boolean = () => true, timeoutMs = 10_000): Promise<void> {
    const check = () => this.received.filter(filter).length >= count;
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.received.filter(filter).length} of ${count} RTP packets arrived`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Plays whole RTP packets to the server at 20 ms spacing (media pacing, not synchronisation). */
  async play(packets: Buffer[]): Promise<void> {
    const to = this.requireServer();
    for (const packet of packets) {
      this.socket.send(packet, to.port, to.address);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One RFC 4733 key press (events 0-15) on payload type `payloadType`. */
  async pressKey(digit: DtmfDigit, payloadType = 101): Promise<void> {
    const to = this.requireServer();
    const ts = this.timestamp;
    for (const planned of planDtmfPackets({ digit, durationMs: 120 })) {
      const bytes = serializeRtpPacket({ payloadType, sequenceNumber: this.seq++ & 0xffff, timestamp: ts, ssrc: this.ssrc, marker: planned.marker, payload: Buffer.from(planned.payload) });
      this.socket.send(bytes, to.port, to.address);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.timestamp += 8000;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private requireServer(): RemoteInfo {
    if (!this.server) throw new Error('the server has sent no RTP yet');
    return this.server;
  }
}

/** Events the server recorded for a call (read from its SQLite store). */
export function callEvents(server: TestServer, callId: string): Array<{ type: string; data: Record<string, unknown> }> {
  const db = new Database(path.join(server.dataDir, 'unpod.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT type, data FROM call_events WHERE call_id = ? ORDER BY at, id').all(callId) as Array<{ type: string; data: string }>;
    return rows.map((r) => ({ type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** The SIP test runner (bench/fixtures/sip-agent) as a real process. */
export function startSipAgent(server: TestServer, agentId: string, env: Record<string, string> = {}): WatchedProcess {
  const entry = path.join(path.dirname(require.resolve('@unpod/bench/package.json')), 'dist', 'fixtures', 'sip-agent.js');
  return spawnNode(entry, [], { UNPOD_BASE_URL: server.baseUrl, UNPOD_API_KEY: server.apiKey, UNPOD_AGENT_ID: agentId, ...env });
}
