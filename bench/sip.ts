import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { spawnNode } from '@unpod/testkit/processes';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { readNumberOption, readOption } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { summarize, type LatencySummary } from './lib/stats.js';
import { formatTable } from './lib/table.js';

/**
 * Telephony through the real server process, with SIPp as the carrier (`uac-bench.xml`: INVITE,
 * then A-law speech streamed both ways with `rtp_stream`, then BYE) and a real runner process.
 * The server runs the media-only voice profile (`UNPOD_SIP_VOICE=media-only`: RTP, jitter buffer,
 * G.711 and energy VAD, no STT; the greeting comes from the TTS cache), so these numbers are the
 * media plane and signalling, not speech recognition.
 *
 * - Call setup: INVITE -> 200 OK as SIPp times it (`rtd`), and the server's own INVITE -> 200 OK
 *   and INVITE -> first greeting RTP packet (`sip.setup` call events), p50/p99.
 * - Calls per second: short calls at rising rates; the highest rate with every call completed.
 * - Concurrency: C calls held together with RTP both ways, C rising until late packets (caller
 *   packets that arrived after their jitter-buffer slot and were discarded, RFC 3611's sense)
 *   exceed `--late-limit`, or calls fail. Beside them, our outbound pacing (frames sent a frame
 *   period or more behind schedule; its own limit is reported, not used to stop), the server's CPU
 *   over the step (calls per core) and how busy the whole machine was, since SIPp, the runner and
 *   the server share its cores.
 *
 * Usage: `npm run bench:sip -w @unpod/bench -- --setup-calls 200 --concurrency 50,100,200,400`.
 */

interface SipParams {
  setup_calls: number;
  setup_rate: number;
  cps_rates: number[];
  cps_seconds: number;
  concurrency: number[];
  hold_s: number;
  late_limit: number;
}

interface SetupCase {
  kind: 'setup';
  calls: number;
  rate_per_s: number;
  failed_calls: number;
  sipp_invite_to_200: LatencySummary;
  server_invite_to_200: LatencySummary;
  server_invite_to_first_greeting_rtp: LatencySummary;
}

interface RateCase {
  kind: 'cps';
  target_rate_per_s: number;
  calls: number;
  successful: number;
  failed: number;
  achieved_rate_per_s: number;
}

interface ConcurrencyCase {
  kind: 'concurrency';
  concurrent_calls: number;
  successful: number;
  failed: number;
  packets_received: number;
  packets_sent: number;
  late_packets: number;
  late_ratio: number;
  /** Outgoing frames sent a frame period or more behind schedule (event-loop lag). */
  late_sends: number;
  late_send_ratio: number;
  loss_ratio: number;
  jitter_ms_p99: number;
  server_cpu_cores: number;
  calls_per_core: number;
  /** Share of all cores busy during the step (server, runner and SIPp together). */
  machine_cpu_busy: number;
  end_reasons: Record<string, number>;
  sipp_cpu_cores: number;
  /** No failed call and inbound late packets (jitter-buffer discards, RFC 3611's sense) within the limit. */
  within_limit: boolean;
  /** The same for our outbound pacing. */
  outbound_within_limit: boolean;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const SCENARIO = path.join(here, '..', 'sipp', 'uac-bench.xml');
const PCAP = '/usr/share/sip-tester/g711a.pcap';
const AGENT_ID = 'bench-sip';
const DIALLED = '+15550100000';

function readParams(): SipParams {
  const list = (name: string, fallback: string) =>
    readOption(name, fallback)
      .split(',')
      .map((v) => Number(v.trim()))
      .filter((v) => Number.isFinite(v) && v > 0);
  return {
    setup_calls: readNumberOption('setup-calls', 200, { min: 1, integer: true }),
    setup_rate: readNumberOption('setup-rate', 20, { min: 1 }),
    cps_rates: list('cps', '25,50,100,200'),
    cps_seconds: readNumberOption('cps-seconds', 5, { min: 1 }),
    concurrency: list('concurrency', '50,100,200,300,400,500,700,900,1100'),
    hold_s: readNumberOption('hold-s', 10, { min: 2 }),
    late_limit: readNumberOption('late-limit', 0.01, { min: 0 }),
  };
}

/** The A-law payloads of the shipped g711a.pcap, as the raw file `rtp_stream` loops. */
function writeAlaw(dir: string): void {
  const bytes = readFileSync(PCAP);
  const payloads: Buffer[] = [];
  for (let offset = 24; offset + 16 <= bytes.length; ) {
    const length = bytes.readUInt32LE(offset + 8);
    const frame = bytes.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    const ip = 14;
    const udp = ip + (frame[ip]! & 0x0f) * 4;
    const rtp = frame.subarray(udp + 8);
    payloads.push(rtp.subarray(12 + 4 * (rtp[0]! & 0x0f)));
  }
  writeFileSync(path.join(dir, 'bench.alaw'), Buffer.concat(payloads));
}

interface SippOutcome {
  code: number | null;
  successful: number;
  failed: number;
  elapsedS: number;
  rttMs: number[];
  /** CPU SIPp itself used, in cores (it shares the machine with the server). */
  cpuCores: number;
}

/** One SIPp run against the server; statistics from its `-trace_stat` and `-trace_rtt` files. */
async function sipp(server: TestServer, work: string, args: string[], timeoutS: number): Promise<SippOutcome> {
  const tag = `run${Date.now()}`;
  const stat = path.join(work, `${tag}_stat.csv`);
  for (const f of readdirSync(work)) if (f.endsWith('_rtt.csv')) rmSync(path.join(work, f));
  const startedAt = performance.now();
  const child = spawn(
    'sipp',
    [
      `127.0.0.1:${server.sip!.udpPort}`,
      '-sf',
      SCENARIO,
      '-s',
      DIALLED,
      '-i',
      '127.0.0.1',
      '-mp',
      '50000',
      '-nostdin',
      '-trace_stat',
      '-stf',
      stat,
      '-fd',
      '1',
      '-trace_rtt',
      '-rtt_freq',
      '1',
      '-timeout',
      `${timeoutS}s`,
      '-max_socket',
      '10000',
      '-trace_err',
      '-error_file',
      path.join(work, `${tag}_errors.log`),
      ...args,
    ],
    { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  // SIPp's CPU is sampled while it runs: /proc forgets a process once it has exited.
  let sippCpuS = 0;
  const sampler = setInterval(() => {
    try {
      sippCpuS = cpuSeconds(child.pid!);
    } catch {
      // exited between samples
    }
  }, 500);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(sampler);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const rows = readFileSync(stat, 'utf8').trim().split('\n');
  const header = rows[0]!.split(';');
  const last = rows[rows.length - 1]!.split(';');
  const column = (name: string) => Number(last[header.indexOf(name)] ?? NaN);
  const rttFile = readdirSync(work).find((f) => f.endsWith('_rtt.csv'));
  const rttMs = rttFile
    ? readFileSync(path.join(work, rttFile), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => Number(line.split(';')[1]))
        .filter((v) => Number.isFinite(v))
    : [];
  if (code !== 0 && code !== 1) process.stderr.write(`sipp exited ${code}: ${stderr}\n`);
  const failed = column('FailedCall(C)');
  if (failed > 0) {
    // The first failures say why (timeouts, unexpected responses); the rest are usually the same.
    const errors = readFileSync(path.join(work, `${tag}_errors.log`), 'utf8').split('\n').filter((l) => l.trim() !== '');
    process.stderr.write(`sipp: ${failed} failed calls; first errors:\n${errors.slice(0, 4).join('\n').slice(0, 1500)}\n`);
  }
  return { code, successful: column('SuccessfulCall(C)'), failed: column('FailedCall(C)'), elapsedS, rttMs, cpuCores: Math.round((sippCpuS / elapsedS) * 100) / 100 };
}

/** How the calls created at or after `sinceIso` ended, e.g. `{ user_hangup: 798, no_worker_available: 2 }`. */
function endReasons(server: TestServer, sinceIso: string): Record<string, number> {
  const db = new Database(path.join(server.dataDir, 'unpod.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT end_reason AS reason, COUNT(*) AS n FROM calls WHERE created_at >= ? GROUP BY end_reason').all(sinceIso) as Array<{ reason: string | null; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.reason ?? 'unfinished', r.n]));
  } finally {
    db.close();
  }
}

/** Events of calls created at or after `sinceIso`, once every such call has ended. */
async function eventsSince(server: TestServer, sinceIso: string, type: string, expectedCalls: number): Promise<Array<Record<string, number>>> {
  const db = new Database(path.join(server.dataDir, 'unpod.db'), { readonly: true, fileMustExist: true });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const open = db.prepare("SELECT COUNT(*) AS n FROM calls WHERE created_at >= ? AND status NOT IN ('completed','failed')").get(sinceIso) as { n: number };
      const stats = db.prepare("SELECT COUNT(*) AS n FROM call_events e JOIN calls c ON c.id = e.call_id WHERE c.created_at >= ? AND e.type = 'rtp.stats'").get(sinceIso) as { n: number };
      if ((open.n === 0 && stats.n >= expectedCalls) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const rows = db
      .prepare('SELECT e.data AS data FROM call_events e JOIN calls c ON c.id = e.call_id WHERE c.created_at >= ? AND e.type = ?')
      .all(sinceIso, type) as Array<{ data: string }>;
    return rows.map((r) => JSON.parse(r.data) as Record<string, number>);
  } finally {
    db.close();
  }
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

function machineBusy(before: { busy: number; total: number }): number {
  const after = machineTicks();
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticks / hz;
}

export async function main(): Promise<void> {
  if (spawnSync('sipp', ['-v']).error) throw new Error('sipp is not installed (apt-get install sip-tester)');
  const params = readParams();
  const work = mkdtempSync(path.join(tmpdir(), 'unpod-bench-sip-'));
  writeAlaw(work);
  const server = await startTestServer({
    args: ['--sip-port', '0', '--rtp-ports', '20000-39999'],
    env: { UNPOD_SIP_VOICE: 'media-only', UNPOD_LOG_LEVEL: 'error' },
  });
  const agent = spawnNode(path.join(here, 'fixtures', 'sip-agent.js'), [], {
    UNPOD_BASE_URL: server.baseUrl,
    UNPOD_API_KEY: server.apiKey,
    UNPOD_AGENT_ID: AGENT_ID,
    SIP_AGENT_GREETING: 'Hello, thanks for calling.',
    SIP_AGENT_CAPACITY: '5000',
  });
  try {
    await agent.waitForLine(/^READY$/, 30_000);
    await provision(server);
    // Warm-up: fills the greeting cache and the JIT before anything is measured.
    await sipp(server, work, ['-m', '5', '-r', '5', '-d', '500'], 60);

    const setupSince = new Date().toISOString();
    const setupRun = await sipp(server, work, ['-m', String(params.setup_calls), '-r', String(params.setup_rate), '-d', '1000'], 600);
    const setupEvents = await eventsSince(server, setupSince, 'sip.setup', setupRun.successful);
    const setup: SetupCase = {
      kind: 'setup',
      calls: params.setup_calls,
      rate_per_s: params.setup_rate,
      failed_calls: setupRun.failed,
      sipp_invite_to_200: summarize(setupRun.rttMs),
      server_invite_to_200: summarize(setupEvents.map((e) => e.invite_to_answer_ms!).filter(Number.isFinite)),
      server_invite_to_first_greeting_rtp: summarize(setupEvents.map((e) => e.invite_to_first_audio_ms!).filter(Number.isFinite)),
    };
    console.log('\ncall setup (ms)');
    console.log(
      formatTable(
        ['measure', 'p50', 'p90', 'p99', 'max'],
        [
          ['SIPp INVITE -> 200', setup.sipp_invite_to_200.p50_ms, setup.sipp_invite_to_200.p90_ms, setup.sipp_invite_to_200.p99_ms, setup.sipp_invite_to_200.max_ms],
          ['server INVITE -> 200', setup.server_invite_to_200.p50_ms, setup.server_invite_to_200.p90_ms, setup.server_invite_to_200.p99_ms, setup.server_invite_to_200.max_ms],
          ['server INVITE -> greeting RTP', setup.server_invite_to_first_greeting_rtp.p50_ms, setup.server_invite_to_first_greeting_rtp.p90_ms, setup.server_invite_to_first_greeting_rtp.p99_ms, setup.server_invite_to_first_greeting_rtp.max_ms],
        ],
      ),
    );

    const rates: RateCase[] = [];
    for (const rate of params.cps_rates) {
      const calls = Math.round(rate * params.cps_seconds);
      const rateSince = new Date().toISOString();
      const run = await sipp(server, work, ['-m', String(calls), '-r', String(rate), '-l', String(rate * 4), '-d', '500'], 120);
      rates.push({ kind: 'cps', target_rate_per_s: rate, calls, successful: run.successful, failed: run.failed, achieved_rate_per_s: Math.round((run.successful / Math.max(0.001, run.elapsedS - 0.5)) * 10) / 10 });
      await eventsSince(server, rateSince, 'rtp.stats', run.successful);
      if (run.failed > 0) break;
    }
    console.log('\ncalls per second');
    console.log(formatTable(['target/s', 'calls', 'ok', 'failed', 'achieved/s'], rates.map((r) => [r.target_rate_per_s, r.calls, r.successful, r.failed, r.achieved_rate_per_s])));

    const steps: ConcurrencyCase[] = [];
    for (const concurrent of params.concurrency) {
      const since = new Date().toISOString();
      const rampRate = Math.max(20, Math.ceil(concurrent / 4));
      const rampS = concurrent / rampRate;
      const cpuBefore = cpuSeconds(server.process.pid!);
      const machineBefore = machineTicks();
      const wallBefore = performance.now();
      const run = await sipp(server, work, ['-m', String(concurrent), '-l', String(concurrent), '-r', String(rampRate), '-d', String(Math.round((params.hold_s + rampS) * 1000))], 600);
      const cores = (cpuSeconds(server.process.pid!) - cpuBefore) / ((performance.now() - wallBefore) / 1000);
      const stats = await eventsSince(server, since, 'rtp.stats', run.successful);
      const sum = (key: string) => stats.reduce((s, e) => s + (Number(e[key]) || 0), 0);
      const received = sum('packets_received');
      const late = sum('late_packets');
      const lossWeighted = stats.reduce((s, e) => s + (Number(e.loss_ratio) || 0) * (Number(e.packets_received) || 0), 0);
      const jitters = stats.map((e) => Number(e.jitter_ms) || 0).sort((a, b) => a - b);
      const sent = sum('packets_sent');
      const lateSends = sum('late_sends');
      const lateRatio = received > 0 ? late / received : 0;
      const lateSendRatio = sent > 0 ? lateSends / sent : 0;
      const step: ConcurrencyCase = {
        kind: 'concurrency',
        concurrent_calls: concurrent,
        successful: run.successful,
        failed: run.failed,
        packets_received: received,
        packets_sent: sent,
        late_packets: late,
        late_ratio: Math.round(lateRatio * 10000) / 10000,
        late_sends: lateSends,
        late_send_ratio: Math.round(lateSendRatio * 10000) / 10000,
        loss_ratio: received > 0 ? Math.round((lossWeighted / received) * 10000) / 10000 : 0,
        jitter_ms_p99: jitters[Math.max(0, Math.ceil(0.99 * jitters.length) - 1)] ?? 0,
        server_cpu_cores: Math.round(cores * 100) / 100,
        calls_per_core: cores > 0 ? Math.round(concurrent / cores) : 0,
        machine_cpu_busy: Math.round(machineBusy(machineBefore) * 100) / 100,
        sipp_cpu_cores: run.cpuCores,
        end_reasons: endReasons(server, since),
        within_limit: run.failed === 0 && lateRatio <= params.late_limit,
        outbound_within_limit: run.failed === 0 && lateSendRatio <= params.late_limit,
      };
      steps.push(step);
      console.log(
        `concurrency ${concurrent}: ok ${run.successful} failed ${run.failed} (ends ${JSON.stringify(step.end_reasons)}), late in ${(lateRatio * 100).toFixed(2)} %, late out ${(lateSendRatio * 100).toFixed(2)} %, server ${step.server_cpu_cores} cores, machine ${Math.round(step.machine_cpu_busy * 100)} % busy`,
      );
      if (!step.within_limit) break;
    }
    console.log('\nconcurrent calls, RTP both ways');
    console.log(
      formatTable(
        ['calls', 'ok', 'failed', 'late in %', 'late out %', 'loss %', 'jitter p99 ms', 'server cores', 'calls/core', 'SIPp cores', 'machine busy'],
        steps.map((s) => [
          s.concurrent_calls,
          s.successful,
          s.failed,
          (s.late_ratio * 100).toFixed(2),
          (s.late_send_ratio * 100).toFixed(2),
          (s.loss_ratio * 100).toFixed(2),
          s.jitter_ms_p99,
          s.server_cpu_cores,
          s.calls_per_core,
          s.sipp_cpu_cores,
          `${Math.round(s.machine_cpu_busy * 100)} %`,
        ]),
      ),
    );
    const best = [...steps].reverse().find((s) => s.within_limit);
    const bestOutbound = [...steps].reverse().find((s) => s.outbound_within_limit);
    const budgets = { setup_p50_ms: 20, first_greeting_rtp_ms: 300, media_calls_per_core_min: 500, late_packets_max_ratio: params.late_limit };
    const file = await writeResults(
      'sip',
      {
        ...params,
        budgets,
        max_concurrent_within_limit: best?.concurrent_calls ?? 0,
        max_concurrent_outbound_within_limit: bestOutbound?.concurrent_calls ?? 0,
        note: 'one machine: server, runner and SIPp (signalling and rtp_stream threads) share its cores; media-only voice (no STT)',
      },
      [setup, ...rates, ...steps],
    );
    console.log(`\nwrote ${file}`);
  } finally {
    await agent.kill('SIGTERM');
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function provision(server: TestServer): Promise<void> {
  const call = async (method: string, url: string, body: unknown) => {
    const res = await fetch(`${server.baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { id: string };
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const pipe = await call('POST', '/v1/pipes', { name: 'bench-sip', agent_id: AGENT_ID, max_call_duration_s: 600 });
  const trunk = await call('POST', '/v1/trunks', { name: 'bench-carrier', host: '127.0.0.1', port: 5999, source_ips: ['127.0.0.1'] });
  await call('POST', '/v1/numbers', { number: DIALLED, trunk_id: trunk.id, pipe_id: pipe.id });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
