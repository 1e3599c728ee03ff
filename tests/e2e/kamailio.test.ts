/**
 * The SIP distributor of a cluster, black box: Kamailio with the shipped deploy/kamailio config
 * in front of two real `unpod serve` nodes sharing one PostgreSQL schema, each with its own SIP
 * port and its own runner (no Redis: each node only dispatches to its own runners). SIPp calls
 * go through Kamailio; they land on both nodes (round-robin), are answered (200, greeting RTP
 * straight from the node) and hung up through the proxy (BYE along the Record-Route). When one
 * node stops, Kamailio's OPTIONS probe takes it out and every call goes to the other; before a
 * probe has noticed, an INVITE the stopped node does not answer is retried on the next node.
 * Synchronisation is on process output, SIPp's exit, Kamailio's dispatcher state (kamcmd) and call
 * records, never on sleeps; every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPgSchema, type PgSchema } from '@unpod/testkit/postgres';
import { waitFor, type WatchedProcess } from '@unpod/testkit/processes';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { api, waitForCallEnd, waitForWorkers } from './helpers.js';
import { freePort, PCAP_DIR, readPcapRtp, RtpPeer, runSipp, SCENARIOS, SIPP, startSipAgent, udpListening } from './sip-helpers.js';

const KAMAILIO = spawnSync('kamailio', ['-v'], { encoding: 'utf8' }).error ? undefined : 'kamailio';
const KAMAILIO_CFG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/kamailio/kamailio.cfg');
const NUMBER = '+15550307000';
const SPACE = `kam-${Math.random().toString(36).slice(2, 10)}`;

type SipNode = TestServer & { sip: { udpPort: number; tcpPort: number }; agent: WatchedProcess; name: string };

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startNode(name: string, pg: PgSchema, rtpPorts: string): Promise<SipNode> {
  const server = await startTestServer({
    databaseUrl: pg.url,
    space: SPACE,
    args: ['--sip-port', '0', '--rtp-ports', rtpPorts, '--node-id', name],
    // The SIP distributor is under test, not speech: media-only calls play cached TTS, no STT.
    env: { UNPOD_SIP_VOICE: 'media-only' },
  });
  cleanups.push(() => server.close());
  if (!server.sip) throw new Error(`${name} printed no SIP listening line`);
  const agent = startSipAgent(server, 'kam-agent', { SIP_AGENT_GREETING: 'Hello from the cluster.' });
  cleanups.push(() => void agent.kill('SIGKILL'));
  await agent.waitForLine(/^READY$/, 20_000);
  return Object.assign(server as TestServer & { sip: { udpPort: number; tcpPort: number } }, { agent, name });
}

interface Kamailio {
  port: number;
  /** Destination URI -> dispatcher flags (`AP` active, `IP` inactive and probing...). */
  destinations(): Map<string, string>;
}

async function startKamailio(nodes: SipNode[], pingS = 1): Promise<Kamailio> {
  const dir = mkdtempSync(path.join(tmpdir(), 'unpod-kamailio-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const list = path.join(dir, 'dispatcher.list');
  writeFileSync(list, nodes.map((n) => `1 sip:127.0.0.1:${n.sip.udpPort} 0 0\n`).join(''));
  const ctl = path.join(dir, 'ctl');
  const port = await freePort();
  const child: ChildProcess = spawn(
    'kamailio',
    [
      '-DD', '-E', '-f', KAMAILIO_CFG, '-l', `udp:127.0.0.1:${port}`, '-Y', dir, '-w', dir, '-m', '32', '-M', '4',
      '-A', `DS_LIST="${list}"`, '-A', `CTL_SOCKET="unix:${ctl}"`, '-A', `DS_PING_S=${pingS}`, '-A', 'INVITE_TIMEOUT_MS=1500',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`kamailio exited (${code}):\n${output}`))));
  exited.catch(() => undefined);
  cleanups.push(() => void child.kill('SIGKILL'));
  await Promise.race([udpListening(port, 10_000), exited]);
  const destinations = () => {
    const r = spawnSync('kamcmd', ['-s', `unix:${ctl}`, 'dispatcher.list'], { encoding: 'utf8' });
    const map = new Map<string, string>();
    for (const m of r.stdout.matchAll(/URI:\s*(\S+)\s+FLAGS:\s*(\S+)/g)) map.set(m[1]!, m[2]!);
    return map;
  };
  return { port, destinations };
}

/** The runner (and so the node) that takes the call placed after this mark. */
function callMarks(nodes: SipNode[]): () => Promise<{ node: SipNode; callId: string }> {
  const seen = nodes.map((n) => n.agent.lines.filter((l) => l.startsWith('CALL ')).length);
  return () =>
    waitFor('a node to take the call', async () => {
      for (const [i, n] of nodes.entries()) {
        const line = n.agent.lines.filter((l) => l.startsWith('CALL '))[seen[i]!];
        if (line) return { node: n, callId: line.split(' ')[1]! };
      }
      return undefined;
    }, 20_000);
}

/** One SIPp call through Kamailio: 200 with SDP, greeting RTP from the node, BYE along the route set. */
async function callThroughProxy(kamailio: Kamailio, nodes: SipNode[], options: { playPcap?: boolean } = {}) {
  const rtp = await RtpPeer.open();
  cleanups.push(() => rtp.close());
  const taken = callMarks(nodes);
  const sipp = runSipp(
    [`127.0.0.1:${kamailio.port}`, '-sf', path.join(SCENARIOS, 'uac-call-proxied.xml'), '-s', NUMBER, '-m', '1', '-i', '127.0.0.1', '-p', String(await freePort()), '-mp', String((await freePort()) & ~1), '-d', '2500', '-set', 'rtp_port', String(rtp.port)],
    { timeoutMs: 30_000 },
  );
  cleanups.push(() => sipp.kill());
  const who = await sipp.during(taken());
  await sipp.during(rtp.waitFor(3, undefined, 15_000));
  if (options.playPcap) await rtp.play(readPcapRtp(path.join(PCAP_DIR, 'g711a.pcap')).slice(0, 100));
  const result = await sipp.done;
  expect(result.code, result.output).toBe(0);
  const record = (await waitForCallEnd(who.node, who.callId)) as Record<string, unknown>;
  expect(record).toMatchObject({ status: 'completed', end_reason: 'user_hangup', transport: 'sip', to_number: NUMBER });
  return { ...who, rtp };
}

function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.skipIf(!SIPP || !KAMAILIO)('Kamailio dispatcher in front of two Unpod nodes', () => {
  let pg: PgSchema;
  let nodes: SipNode[];
  let kamailio: Kamailio;

  beforeAll(async () => {
    pg = await createPgSchema('kam');
    cleanups.push(() => pg.drop());
    nodes = [await startNode('node-a', pg, '48000-48499'), await startNode('node-b', pg, '48500-48999')];
    for (const n of nodes) await waitForWorkers(n, 'kam-agent');
    // Provisioned once: both nodes read the same PostgreSQL schema.
    const pipe = await api<{ id: string }>(nodes[0]!, 'POST', '/v1/pipes', { name: 'cluster', agent_id: 'kam-agent', greeting: 'Hello from the cluster.' });
    expect(pipe.status, JSON.stringify(pipe.body)).toBe(201);
    const trunk = await api<{ id: string }>(nodes[0]!, 'POST', '/v1/trunks', { name: 'kamailio', host: '127.0.0.1', port: 5999, source_ips: ['127.0.0.1'] });
    expect(trunk.status, JSON.stringify(trunk.body)).toBe(201);
    const number = await api(nodes[0]!, 'POST', '/v1/numbers', { number: NUMBER, trunk_id: trunk.body.id, pipe_id: pipe.body.id });
    expect(number.status, JSON.stringify(number.body)).toBe(201);
    kamailio = await startKamailio(nodes);
    const uris = nodes.map((n) => `sip:127.0.0.1:${n.sip.udpPort}`);
    await waitFor('both nodes active in the dispatcher', async () => (uris.every((u) => kamailio.destinations().get(u)?.startsWith('A')) ? true : undefined), 15_000);
  }, 120_000);

  test('calls through Kamailio land on both nodes in turn and are answered and hung up through the proxy', async () => {
    const before = await Promise.all(nodes.map(async (n) => (await fetch(`${n.baseUrl}/metrics`)).text()));
    const takenBy: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { node, rtp } = await callThroughProxy(kamailio, nodes, { playPcap: i === 0 });
      takenBy.push(node.name);
      // Media goes straight between caller and node; only signalling passes the proxy.
      expect(rtp.received.length).toBeGreaterThan(3);
    }
    expect(new Set(takenBy)).toEqual(new Set(['node-a', 'node-b']));
    // Round-robin: consecutive calls alternate between the two nodes.
    for (let i = 1; i < takenBy.length; i++) expect(takenBy[i]).not.toBe(takenBy[i - 1]);
    // Each node counted its own SIP calls, and the node that got the caller's audio its RTP.
    const after = await Promise.all(nodes.map(async (n) => (await fetch(`${n.baseUrl}/metrics`)).text()));
    for (const [i, n] of nodes.entries()) {
      const ended = sample(after[i]!, 'unpod_calls_ended_total', '{transport="sip",outcome="user_hangup"}') - sample(before[i]!, 'unpod_calls_ended_total', '{transport="sip",outcome="user_hangup"}');
      expect(ended).toBe(takenBy.filter((t) => t === n.name).length);
    }
    const rtpIn = nodes.map((_, i) => sample(after[i]!, 'unpod_rtp_packets_received_total') - sample(before[i]!, 'unpod_rtp_packets_received_total'));
    expect(rtpIn[nodes.findIndex((n) => n.name === takenBy[0])]).toBeGreaterThanOrEqual(100);
  }, 120_000);

  test('a stopped node is probed out and every call goes to the node still up', async () => {
    const [stopped, survivor] = nodes as [SipNode, SipNode];
    await stopped.close();
    const stoppedUri = `sip:127.0.0.1:${stopped.sip.udpPort}`;
    await waitFor('the stopped node marked inactive', async () => (kamailio.destinations().get(stoppedUri)?.startsWith('I') ? true : undefined), 15_000);
    expect(kamailio.destinations().get(`sip:127.0.0.1:${survivor.sip.udpPort}`)).toMatch(/^A/);
    for (let i = 0; i < 3; i++) {
      const { node } = await callThroughProxy(kamailio, [survivor]);
      expect(node.name).toBe(survivor.name);
    }
  }, 120_000);

  test('without a probe, an INVITE the stopped node does not answer is retried on the other node', async () => {
    const [stopped, survivor] = nodes as [SipNode, SipNode];
    await stopped.close();
    // Probes every hour: only the failure route can notice the stopped node here.
    const proxy = await startKamailio([stopped, survivor], 3600);
    const stoppedUri = `sip:127.0.0.1:${stopped.sip.udpPort}`;
    expect(proxy.destinations().get(stoppedUri)).toMatch(/^A/);
    // Round-robin: one of two consecutive calls is sent to the stopped node first.
    for (let i = 0; i < 2; i++) {
      const { node } = await callThroughProxy(proxy, [survivor]);
      expect(node.name).toBe(survivor.name);
    }
    expect(proxy.destinations().get(stoppedUri)).toMatch(/^I/);
  }, 120_000);
});
