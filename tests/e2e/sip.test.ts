/**
 * Telephony end to end, black box: a real `unpod serve` with SIP on free ports, real runner
 * processes (bench/fixtures/sip-agent on the SDK), and SIPp as the carrier on loopback: its
 * caller scenarios call in through a trunk to a number, its UAS scenarios take our outbound
 * calls and transfers. Media goes through a Node RTP endpoint that plays the shipped g711a.pcap
 * and presses RFC 4733 keys. Synchronisation is on SIP messages, process output, RTP arrival and
 * the call record, never on sleeps; every wait is bounded.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { concatPcm16, decodeAlaw, decodeMulaw, DtmfReceiver, EnergyVad, readWavFile, rms, writeWavFile } from '@unpod/media';
import { createEmbeddedSpeechRegistry } from '@unpod/server';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { waitFor, type WatchedProcess } from '@unpod/testkit/processes';
import { Client } from 'unpod';
import { api, startStallingRunner, waitForCallEnd, waitForWorkers } from './helpers.js';
import { callEvents, freePort, PCAP_DIR, readPcapRtp, RtpPeer, runSipp, SCENARIOS, SIPP, sippUas, startSipAgent, udpListening } from './sip-helpers.js';

interface CallBody {
  id: string;
  status: string;
  direction: string;
  transport: string;
  from_number: string | null;
  to_number: string | null;
  end_reason: string | null;
  answered_at: string | null;
  error: { code: string; message: string } | null;
  transcript?: Array<{ role: string; text: string }>;
}

const CALLER = '+15550001111';
const TRANSFER_TARGET = '+15550199999';
let numberSeq = 100;
/** A fresh number per test, so tests never route to each other's pipes. */
const nextNumber = () => `+1555010${String(numberSeq++).padStart(4, '0')}`;

const cleanups: Array<() => Promise<void> | void> = [];
const track = <T extends { kill(signal?: NodeJS.Signals): unknown }>(p: T): T => {
  cleanups.push(() => void p.kill('SIGKILL'));
  return p;
};

async function sipServer(extraArgs: string[] = []): Promise<TestServer & { sip: { udpPort: number; tcpPort: number } }> {
  const server = await startTestServer({ args: ['--sip-port', '0', '--rtp-ports', '42000-47999', '--sip-answer-timeout', '3', ...extraArgs] });
  cleanups.push(() => server.close());
  if (!server.sip) throw new Error('the server printed no SIP listening line');
  return server as TestServer & { sip: { udpPort: number; tcpPort: number } };
}

/** A pipe for `agentId` with a number on a trunk (allowlisting `sourceIps`, calling out to `host:port`). */
async function provision(
  server: TestServer,
  options: { agentId: string; sourceIps?: string[]; trunkPort?: number; username?: string; password?: string; pipe?: Record<string, unknown>; greeting?: string | null },
): Promise<{ number: string; pipeId: string; trunkId: string }> {
  const number = nextNumber();
  const pipe = await api<{ id: string }>(server, 'POST', '/v1/pipes', { name: `p${number}`, agent_id: options.agentId, greeting: options.greeting ?? null, ...options.pipe });
  expect(pipe.status, JSON.stringify(pipe.body)).toBe(201);
  const trunk = await api<{ id: string }>(server, 'POST', '/v1/trunks', {
    name: `t${number}`,
    host: '127.0.0.1',
    port: options.trunkPort ?? 5999,
    source_ips: options.sourceIps ?? ['127.0.0.1'],
    username: options.username ?? null,
    password: options.password ?? null,
  });
  expect(trunk.status, JSON.stringify(trunk.body)).toBe(201);
  const created = await api(server, 'POST', '/v1/numbers', { number, trunk_id: trunk.body.id, pipe_id: pipe.body.id });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { number, pipeId: pipe.body.id, trunkId: trunk.body.id };
}

/** SIPp caller to the server's UDP (or TCP) port with its media on `rtp`. */
async function call(server: { sip: { udpPort: number; tcpPort: number } }, scenario: string, dialled: string, options: { rtp?: RtpPeer; holdMs?: number; from?: string; extra?: string[]; tcp?: boolean } = {}) {
  const port = options.tcp ? server.sip.tcpPort : server.sip.udpPort;
  const args = [
    `127.0.0.1:${port}`,
    '-sf',
    path.join(SCENARIOS, scenario),
    '-s',
    dialled,
    '-m',
    '1',
    '-i',
    options.from ?? '127.0.0.1',
    '-p',
    String(await freePort(options.from)),
    '-d',
    String(options.holdMs ?? 1000),
    '-set',
    'rtp_port',
    String(options.rtp?.port ?? 40000),
    // SIPp binds a media port even when the scenario sends none; the default (6000) would collide
    // with SIPp runs of other test files.
    '-mp',
    String((await freePort()) & ~1),
    ...(options.tcp ? ['-t', 't1'] : []),
    ...(options.extra ?? []),
  ];
  return track(runSipp(args, { timeoutMs: 30_000 }));
}

/**
 * The next call the runner takes after this mark (`CALL <id> <direction> <number>` lines). Take the
 * mark before the call is placed, so a line that comes quickly is not missed.
 */
function callMark(agent: WatchedProcess): () => Promise<{ id: string; direction: string; userNumber: string }> {
  const seen = agent.lines.filter((l) => l.startsWith('CALL ')).length;
  return async () => {
    const line = await waitFor('the agent to take a call', async () => agent.lines.filter((l) => l.startsWith('CALL '))[seen], 20_000);
    const [, id, direction, userNumber] = line.split(' ');
    return { id: id!, direction: direction!, userNumber: userNumber! };
  };
}

async function callRecord(server: TestServer, callId: string): Promise<CallBody> {
  await waitForCallEnd(server, callId);
  return (await api<CallBody>(server, 'GET', `/v1/calls/${callId}`)).body;
}

/** Polls the recorded call events until `type` appears. */
function eventOf(server: TestServer, callId: string, type: string): Promise<Record<string, unknown>> {
  return waitFor(`event ${type} of ${callId}`, async () => callEvents(server, callId).find((e) => e.type === type)?.data, 15_000);
}

/** Decoded PCM of the G.711 packets the server sent to `rtp`. */
function heardPcm(rtp: RtpPeer): Int16Array[] {
  return rtp.received.filter((p) => p.payloadType === 8 || p.payloadType === 0).map((p) => (p.payloadType === 8 ? decodeAlaw(p.payload) : decodeMulaw(p.payload)));
}

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!SIPP)('telephony over SIP with SIPp as the carrier', () => {
  let server: Awaited<ReturnType<typeof sipServer>>;
  let agent: WatchedProcess;

  beforeAll(async () => {
    server = await sipServer();
    agent = track(startSipAgent(server, 'sip-agent', { SIP_AGENT_GREETING: 'Hello, you reached the test agent.', SIP_AGENT_TRANSFER_TO: TRANSFER_TARGET }));
    await agent.waitForLine(/^READY$/, 20_000);
    await waitForWorkers(server, 'sip-agent');
    // One call first: the speech engines load their models on first use, which would put a
    // one-off gap into the media of whichever test came first.
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const warmUp = await call(server, 'uac-call.xml', number, { holdMs: 2000 });
    expect((await warmUp.done).code).toBe(0);
  }, 60_000);

  test('an inbound call from an allowlisted trunk reaches the agent: 200 with SDP, greeting RTP back, g711a.pcap in, BYE from the caller', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-call.xml', number, { rtp, holdMs: 6000 });
    await sipp.during(rtp.waitFor(3, undefined, 15_000));
    const taken = await sipp.during(nextCall());
    expect(taken).toMatchObject({ direction: 'inbound', userNumber: CALLER });
    await rtp.play(readPcapRtp(path.join(PCAP_DIR, 'g711a.pcap')));
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    // The server sends 50 packets a second from the answer on (fewer while speech recognition
    // holds the event loop, see the report); the greeting is real speech.
    expect(rtp.received.length).toBeGreaterThan(50);
    expect(rtp.received.every((p) => p.payloadType === 8)).toBe(true);
    expect(heardPcm(rtp).some((frame) => rms(frame) > 500)).toBe(true);
    const record = await callRecord(server, taken.id);
    expect(record).toMatchObject({ status: 'completed', end_reason: 'user_hangup', direction: 'inbound', transport: 'sip', from_number: CALLER, to_number: number });
    expect(record.transcript?.some((t) => t.role === 'agent' && t.text.includes('test agent'))).toBe(true);
    const stats = await eventOf(server, taken.id, 'rtp.stats');
    expect(stats).toMatchObject({ codec: 'PCMA' });
    expect(stats.packets_received as number).toBeGreaterThanOrEqual(230);
    expect(stats.packets_sent as number).toBeGreaterThan(50);
    expect(stats).toHaveProperty('late_packets');
    expect(stats).toHaveProperty('jitter_ms');
    expect(stats).toHaveProperty('loss_ratio');
  }, 60_000);

  test('SIPp uac_pcap (g711a.pcap, then the shipped RFC 2833 pcap of key 1): the runner gets the digit', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const work = mkdtempSync(path.join(tmpdir(), 'unpod-sipp-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    mkdirSync(path.join(work, 'pcap'));
    for (const file of readdirSync(PCAP_DIR)) if (file.endsWith('.pcap')) symlinkSync(path.join(PCAP_DIR, file), path.join(work, 'pcap', file));
    const nextCall = callMark(agent);
    const sipp = track(
      runSipp([`127.0.0.1:${server.sip.udpPort}`, '-sn', 'uac_pcap', '-s', number, '-m', '1', '-i', '127.0.0.1', '-p', String(await freePort()), '-mp', String((await freePort()) & ~1)], {
        cwd: work,
        timeoutMs: 30_000,
      }),
    );
    const taken = await sipp.during(nextCall());
    await agent.waitForLine(new RegExp(`^DTMF ${taken.id} 1$`), 20_000);
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const record = await callRecord(server, taken.id);
    expect(record.end_reason).toBe('user_hangup');
    const stats = await eventOf(server, taken.id, 'rtp.stats');
    expect(stats.dtmf_received).toBe(1);
    expect(stats.packets_received as number).toBeGreaterThanOrEqual(236);
  }, 60_000);

  test('DTMF both ways: RFC 4733 keys reach the runner, the runner sends digits back as RFC 4733 events', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-call.xml', number, { rtp, holdMs: 5000 });
    await sipp.during(rtp.waitFor(3, undefined, 15_000));
    const taken = await sipp.during(nextCall());
    await rtp.pressKey('5');
    await agent.waitForLine(new RegExp(`^DTMF ${taken.id} 5$`));
    await rtp.pressKey('*');
    await agent.waitForLine(new RegExp(`^DTMF ${taken.id} \\*$`));
    const receiver = new DtmfReceiver();
    const pressed = () => rtp.received.filter((p) => p.payloadType === 101).flatMap((p) => receiver.process({ timestamp: p.timestamp, payload: p.payload }).map((k) => k.digit));
    const digits: string[] = [];
    await waitFor('digits 4 and 2 from the agent', async () => (digits.push(...pressed()), digits.join('') === '42' ? true : undefined), 10_000);
    expect((await sipp.done).code).toBe(0);
    expect((await callRecord(server, taken.id)).end_reason).toBe('user_hangup');
  }, 60_000);

  test('an unknown number gets 404 and an unknown source 403, with no call created', async () => {
    await provision(server, { agentId: 'sip-agent' });
    const before = (await api<{ data: unknown[] }>(server, 'GET', '/v1/calls?transport=sip&limit=200')).body.data.length;
    const unknownNumber = await call(server, 'uac-refused-404.xml', '+15559990000');
    expect((await unknownNumber.done).code).toBe(0);
    const serviceName = await call(server, 'uac-refused-404.xml', 'service');
    expect((await serviceName.done).code).toBe(0);
    const stranger = await call(server, 'uac-refused-403.xml', nextNumber(), { from: '127.0.0.2' });
    expect((await stranger.done).code).toBe(0);
    const after = (await api<{ data: unknown[] }>(server, 'GET', '/v1/calls?transport=sip&limit=200')).body.data.length;
    expect(after).toBe(before);
  }, 60_000);

  test('the agent hangs up (BYE from the server side) when the caller presses #', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-wait-bye.xml', number, { rtp });
    await sipp.during(rtp.waitFor(3, undefined, 15_000));
    const taken = await sipp.during(nextCall());
    await rtp.pressKey('#');
    expect((await sipp.done).code).toBe(0);
    expect((await callRecord(server, taken.id)).end_reason).toBe('agent_end_call');
  }, 60_000);

  test('no runner for the agent: the caller hears the holding announcement, then a clean BYE', async () => {
    const { number } = await provision(server, { agentId: 'nobody-home' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const sipp = await call(server, 'uac-wait-bye.xml', number, { rtp });
    expect((await sipp.done).code).toBe(0);
    await rtp.waitFor(50, undefined, 5000);
    expect(heardPcm(rtp).filter((frame) => rms(frame) > 500).length).toBeGreaterThan(50);
    const calls = (await api<{ data: CallBody[] }>(server, 'GET', '/v1/calls?transport=sip&limit=200')).body.data;
    const record = calls.find((c) => c.to_number === number)!;
    expect(await callRecord(server, record.id)).toMatchObject({ status: 'failed', end_reason: 'no_worker_available' });
  }, 60_000);

  test('CANCEL while the call rings (the runner never pairs): 200 for the CANCEL, 487 for the INVITE', async () => {
    const stalling = track(startStallingRunner(server, 'stalling-agent'));
    await stalling.waitForLine(/^REGISTERED$/);
    const { number } = await provision(server, { agentId: 'stalling-agent' });
    const sipp = await call(server, 'uac-cancel.xml', number);
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const calls = (await api<{ data: CallBody[] }>(server, 'GET', '/v1/calls?transport=sip&limit=200')).body.data;
    const record = calls.find((c) => c.to_number === number)!;
    expect(await callRecord(server, record.id)).toMatchObject({ end_reason: 'user_hangup', answered_at: null });
  }, 60_000);

  test('re-INVITE: hold with a codec change to PCMU and back (RFC 3264 section 8), answers checked by SIPp', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-reinvite.xml', number, { rtp });
    const taken = await sipp.during(nextCall());
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    await callRecord(server, taken.id);
    await eventOf(server, taken.id, 'rtp.stats');
    const holds = callEvents(server, taken.id).filter((e) => e.type === 'sip.hold').map((e) => e.data.held);
    expect(holds).toEqual([true, false]);
    expect(rtp.received.some((p) => p.payloadType === 0)).toBe(true);
  }, 60_000);

  test('cold transfer by REFER: Refer-To carries the target, NOTIFY progress reaches the runner as answered, then BYE', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent', pipe: { transfer_allowed_numbers: [TRANSFER_TARGET] } });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-refer.xml', number, { rtp });
    await sipp.during(rtp.waitFor(3, undefined, 15_000));
    const taken = await sipp.during(nextCall());
    await rtp.pressKey('9');
    await agent.waitForLine(new RegExp(`^TRANSFER ${taken.id} answered`));
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect((await callRecord(server, taken.id)).end_reason).toBe('transferred');
    expect(await eventOf(server, taken.id, 'transfer.refer')).toMatchObject({ outcome: 'answered' });
  }, 60_000);

  test('a transfer outside the pipe allowlist is refused server-side and the call goes on', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent', pipe: { transfer_allowed_numbers: [] } });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-call.xml', number, { rtp, holdMs: 4000 });
    await sipp.during(rtp.waitFor(3, undefined, 15_000));
    const taken = await sipp.during(nextCall());
    await rtp.pressKey('9');
    await agent.waitForLine(new RegExp(`^TRANSFER ${taken.id} refused not_in_allowlist$`));
    expect((await sipp.done).code).toBe(0);
    expect((await callRecord(server, taken.id)).end_reason).toBe('user_hangup');
  }, 60_000);

  test('malformed SIP gets 400 when it can be answered, is dropped otherwise, and never stops the server', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    const replies: string[] = [];
    socket.on('message', (data) => replies.push(data.toString()));
    const send = (text: string | Buffer) => socket.send(typeof text === 'string' ? Buffer.from(text.replace(/\n/g, '\r\n')) : text, server.sip.udpPort, '127.0.0.1');
    const { port } = socket.address();
    const headers = (branch: string, cseq: string) =>
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${branch}\nFrom: <sip:x@127.0.0.1>;tag=1\nTo: <sip:y@127.0.0.1>\nCall-ID: ${branch}@127.0.0.1\nCSeq: ${cseq}\nMax-Forwards: 70\n`;
    send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]));
    send('INVITE sip:+1555@127.0.0.1 SIP/2.0\nVia: nonsense\n\n');
    for (let i = 0; i < 200; i++) send(Buffer.from(Array.from({ length: 64 + (i % 300) }, (_, j) => (i * 31 + j * 17) % 256)));
    send(`INVITE sip:+15550100999@127.0.0.1 SIP/2.0\n${headers('bad1', 'one INVITE')}Content-Length: 0\n\n`);
    await waitFor('a 400 for the bad CSeq', async () => (replies.some((r) => r.startsWith('SIP/2.0 400') && r.includes('bad1')) ? true : undefined));
    send(`OPTIONS sip:127.0.0.1 SIP/2.0\n${headers('alive', '1 OPTIONS')}Content-Length: 0\n\n`);
    await waitFor('the server to answer OPTIONS after the garbage', async () => (replies.some((r) => r.startsWith('SIP/2.0 200') && r.includes('alive')) ? true : undefined));
    expect(server.process.exitCode).toBeNull();
  }, 30_000);

  test('OPTIONS keepalive is answered 200 with Allow', async () => {
    const sipp = await call(server, 'uac-options.xml', 'keepalive');
    expect((await sipp.done).code).toBe(0);
  }, 30_000);

  test('a call over TCP works like one over UDP', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-call.xml', number, { rtp, holdMs: 1500, tcp: true });
    const taken = await sipp.during(nextCall());
    expect((await sipp.done).code).toBe(0);
    expect((await callRecord(server, taken.id)).end_reason).toBe('user_hangup');
  }, 60_000);

  test('a silent line is recorded as rtp.inactive on the call', async () => {
    const { number } = await provision(server, { agentId: 'sip-agent' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-call.xml', number, { rtp, holdMs: 6000 });
    const taken = await sipp.during(nextCall());
    expect((await sipp.done).code).toBe(0);
    expect((await eventOf(server, taken.id, 'rtp.inactive')).silent_ms as number).toBeGreaterThanOrEqual(5000);
  }, 60_000);
});

describe.skipIf(!SIPP)('transfers and outbound calls with SIPp as the far end', () => {
  let server: Awaited<ReturnType<typeof sipServer>>;
  let warmAgent: WatchedProcess;

  beforeAll(async () => {
    server = await sipServer();
    warmAgent = track(
      startSipAgent(server, 'warm-agent', { SIP_AGENT_TRANSFER_TO: TRANSFER_TARGET, SIP_AGENT_TRANSFER_MODE: 'warm', SIP_AGENT_ANNOUNCEMENT: 'A caller asks about billing.' }),
    );
    await warmAgent.waitForLine(/^READY$/, 20_000);
    await waitForWorkers(server, 'warm-agent');
  }, 60_000);

  test('warm transfer: ringback, the target (a SIPp UAS) answers, hears the announcement, and is bridged to the caller', async () => {
    const targetPort = await freePort();
    const target = track(sippUas(['-sn', 'uas', '-mp', String((await freePort()) & ~1)], targetPort, 30_000));
    await udpListening(targetPort);
    const { number } = await provision(server, { agentId: 'warm-agent', trunkPort: targetPort });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(warmAgent);
    const sipp = await call(server, 'uac-call.xml', number, { rtp, holdMs: 7000 });
    await sipp.during(rtp.waitFor(3, undefined, 15_000));
    const taken = await sipp.during(nextCall());
    await rtp.pressKey('9');
    await warmAgent.waitForLine(new RegExp(`^TRANSFER ${taken.id} answered`), 20_000);
    expect((await sipp.done).code).toBe(0);
    const farEnd = await target.done;
    expect(farEnd.code, farEnd.output).toBe(0);
    expect((await callRecord(server, taken.id)).end_reason).toBe('transferred');
    await eventOf(server, taken.id, 'transfer.bridged');
    expect(await eventOf(server, taken.id, 'transfer.ended')).toMatchObject({ hung_up_first: 'caller' });
  }, 60_000);

  test('warm transfer to a busy target: the runner hears busy and keeps the call', async () => {
    const targetPort = await freePort();
    const target = track(sippUas(['-sf', path.join(SCENARIOS, 'uas-busy.xml'), '-mp', String((await freePort()) & ~1)], targetPort));
    await udpListening(targetPort);
    const { number } = await provision(server, { agentId: 'warm-agent', trunkPort: targetPort });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(warmAgent);
    const sipp = await call(server, 'uac-call.xml', number, { rtp, holdMs: 4000 });
    await sipp.during(rtp.waitFor(3, undefined, 15_000));
    const taken = await sipp.during(nextCall());
    await rtp.pressKey('9');
    await warmAgent.waitForLine(new RegExp(`^TRANSFER ${taken.id} busy`), 20_000);
    expect((await target.done).code).toBe(0);
    expect((await sipp.done).code).toBe(0);
    expect((await callRecord(server, taken.id)).end_reason).toBe('user_hangup');
  }, 60_000);

  test('an outbound call placed with the SDK rings SIPp (uas), connects to the agent as outbound, and ends by SDK hangup', async () => {
    const calleePort = await freePort();
    const callee = track(sippUas(['-sn', 'uas', '-mp', String((await freePort()) & ~1)], calleePort, 30_000));
    await udpListening(calleePort);
    const { pipeId, number } = await provision(server, { agentId: 'warm-agent', trunkPort: calleePort });
    const client = new Client({ apiKey: server.apiKey, baseUrl: server.baseUrl });
    const created = await client.calls.create({ pipe_id: pipeId, to_number: '+15550177777' });
    expect(created).toMatchObject({ direction: 'outbound', transport: 'sip', from_number: number, to_number: '+15550177777' });
    await warmAgent.waitForLine(new RegExp(`^CALL ${created.id} outbound \\+15550177777$`), 20_000);
    await client.calls.hangup(created.id);
    const result = await callee.done;
    expect(result.code, result.output).toBe(0);
    const record = await callRecord(server, created.id);
    expect(record).toMatchObject({ status: 'completed', end_reason: 'api_hangup' });
    expect(record.answered_at).not.toBeNull();
  }, 60_000);

  test('outbound through a trunk that challenges: digest on 401 with the trunk credentials', async () => {
    const calleePort = await freePort();
    const callee = track(sippUas(['-sf', path.join(SCENARIOS, 'uas-digest.xml'), '-mp', String((await freePort()) & ~1)], calleePort, 30_000));
    await udpListening(calleePort);
    const { pipeId } = await provision(server, { agentId: 'warm-agent', trunkPort: calleePort, username: 'unpod', password: 'trunk-pw' });
    const created = await api<CallBody>(server, 'POST', '/v1/calls', { pipe_id: pipeId, to_number: '+15550177778' });
    await warmAgent.waitForLine(new RegExp(`^CALL ${created.body.id} outbound`), 20_000);
    await api(server, 'POST', `/v1/calls/${created.body.id}/hangup`);
    expect((await callee.done).code).toBe(0);
    expect((await callRecord(server, created.body.id)).end_reason).toBe('api_hangup');
  }, 60_000);

  test('a trunk with register: true REGISTERs (answering the digest challenge) before the outbound INVITE', async () => {
    const carrierPort = await freePort();
    const carrier = track(sippUas(['-sf', path.join(SCENARIOS, 'uas-register.xml'), '-m', '2', '-mp', String((await freePort()) & ~1)], carrierPort, 30_000));
    await udpListening(carrierPort);
    const { pipeId, trunkId } = await provision(server, { agentId: 'warm-agent', trunkPort: carrierPort, username: 'unpod', password: 'trunk-pw' });
    expect((await api(server, 'PATCH', `/v1/trunks/${trunkId}`, { register: true })).status).toBe(200);
    const created = await api<CallBody>(server, 'POST', '/v1/calls', { pipe_id: pipeId, to_number: '+15550177781' });
    await warmAgent.waitForLine(new RegExp(`^CALL ${created.body.id} outbound`), 20_000);
    await api(server, 'POST', `/v1/calls/${created.body.id}/hangup`);
    const result = await carrier.done;
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/REGISTER/);
  }, 60_000);

  test('outbound outcomes are recorded: busy (486) and no answer (CANCEL after the answer timeout)', async () => {
    const busyPort = await freePort();
    const busy = track(sippUas(['-sf', path.join(SCENARIOS, 'uas-busy.xml'), '-mp', String((await freePort()) & ~1)], busyPort));
    await udpListening(busyPort);
    const a = await provision(server, { agentId: 'warm-agent', trunkPort: busyPort });
    const busyCall = await api<CallBody>(server, 'POST', '/v1/calls', { pipe_id: a.pipeId, to_number: '+15550177779' });
    expect(await callRecord(server, busyCall.body.id)).toMatchObject({ status: 'failed', end_reason: 'busy', error: { code: 'busy' } });
    expect((await busy.done).code).toBe(0);

    const ringPort = await freePort();
    const ringing = track(sippUas(['-sf', path.join(SCENARIOS, 'uas-noanswer.xml'), '-mp', String((await freePort()) & ~1)], ringPort));
    await udpListening(ringPort);
    const b = await provision(server, { agentId: 'warm-agent', trunkPort: ringPort });
    const unanswered = await api<CallBody>(server, 'POST', '/v1/calls', { pipe_id: b.pipeId, to_number: '+15550177780' });
    await waitFor('the call to ring', async () => ((await api<CallBody>(server, 'GET', `/v1/calls/${unanswered.body.id}`)).body.status === 'ringing' ? true : undefined));
    expect(await callRecord(server, unanswered.body.id)).toMatchObject({ status: 'failed', end_reason: 'no_answer' });
    expect((await ringing.done).code).toBe(0);
  }, 60_000);
});

describe.skipIf(!SIPP)('digest-authenticated trunk (no source allowlist)', () => {
  test('SIPp answers the 401 challenge with the trunk credentials and the call goes through; wrong ones get 403', async () => {
    const server = await sipServer();
    const agent = track(startSipAgent(server, 'pbx-agent'));
    await agent.waitForLine(/^READY$/, 20_000);
    const { number } = await provision(server, { agentId: 'pbx-agent', sourceIps: [], username: 'pbx-user', password: 'pbx-secret' });
    const rtp = await RtpPeer.open();
    cleanups.push(() => rtp.close());
    const nextCall = callMark(agent);
    const sipp = await call(server, 'uac-digest-call.xml', number, { rtp, extra: ['-au', 'pbx-user', '-ap', 'pbx-secret'] });
    const taken = await sipp.during(nextCall());
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(await callRecord(server, taken.id)).toMatchObject({ end_reason: 'user_hangup', direction: 'inbound' });
    const wrong = await call(server, 'uac-digest-call.xml', number, { extra: ['-au', 'pbx-user', '-ap', 'not-the-password'] });
    const refused = await wrong.done;
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/403/);
  }, 60_000);
});

const BARESIP = spawnSync('baresip', ['-h'], { encoding: 'utf8' }).error ? undefined : 'baresip';

describe.skipIf(!SIPP || !BARESIP)('a real softphone (baresip) talks to the echo agent', () => {
  test('baresip plays a flite question, the agent answers, and pocketsphinx finds the reply in what baresip heard', async () => {
    const server = await sipServer();
    const agent = track(startSipAgent(server, 'voice-agent', { SIP_AGENT_GREETING: 'Hello.' }));
    await agent.waitForLine(/^READY$/, 20_000);
    const { number } = await provision(server, { agentId: 'voice-agent' });
    const registry = createEmbeddedSpeechRegistry({});
    cleanups.push(() => registry.close());
    const dir = mkdtempSync(path.join(tmpdir(), 'unpod-baresip-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // The caller: a flite question at 8 kHz, then silence long enough to hear the reply.
    const question = await synthesize(registry, 'What time does the store open tomorrow?');
    const wav = new Int16Array(question.length + 8000 * 9);
    wav.set(question, 2400);
    await writeWavFile(path.join(dir, 'question.wav'), { sampleRateHz: 8000, channels: 1 }, wav);
    const sipPort = await freePort('127.0.0.1', 2);
    writeFileSync(
      path.join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${sipPort}`,
        `audio_source aufile,${path.join(dir, 'question.wav')}`,
        'audio_player aubridge,nil',
        'audio_alert aubridge,nil',
        'audio_srate 8000',
        'audio_channels 1',
        'net_interface 127.0.0.1',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module aubridge.so',
        'module sndfile.so',
        'module_app account.so',
        'module_app menu.so',
        `snd_path ${dir}`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'accounts'), `<sip:caller@127.0.0.1:${sipPort}>;regint=0\n`);
    const nextCall = callMark(agent);
    // baresip hangs up when the question file ends but keeps running until -t: stop it once the call has ended.
    const phone = track(spawnProcess('baresip', ['-f', dir, '-e', `/dial sip:${number}@127.0.0.1:${server.sip.udpPort}`, '-t', '60'], dir));
    const taken = await nextCall();
    const record = await callRecord(server, taken.id);
    phone.kill('SIGTERM');
    await phone.exited;
    expect(record.end_reason).toBe('user_hangup');
    const userTurn = record.transcript?.find((t) => t.role === 'user');
    const reply = record.transcript?.find((t) => t.role === 'agent' && t.text.startsWith('You said'));
    expect(userTurn?.text.length, JSON.stringify(record.transcript)).toBeGreaterThan(0);
    expect(reply?.text).toBe(`You said: ${userTurn!.text}`);
    // What the caller heard: the greeting, then the reply. Recognise its last utterance against
    // the reply and a decoy, so the check is that the reply's words were audible, not just noise.
    const heardFile = readdirSync(dir).find((f) => f.endsWith('-dec.wav'));
    expect(heardFile).toBeDefined();
    const heard = await readWavFile(path.join(dir, heardFile!));
    const utterances = splitUtterances(heard.samples);
    expect(utterances.length).toBeGreaterThanOrEqual(2);
    const spokenReply = normalise(reply!.text);
    const recognised = await recognise(registry, utterances.at(-1)!, [spokenReply, 'hello', 'the weather is cold today']);
    expect(recognised).toBe(spokenReply);
  }, 90_000);
});

function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z' ]+/g, ' ').replace(/\s+/g, ' ').trim();
}

async function synthesize(registry: ReturnType<typeof createEmbeddedSpeechRegistry>, text: string): Promise<Int16Array> {
  const tts = registry.tts({ provider: 'flite', model: null, voice: 'slt', language: 'en', options: {} });
  const parts: Int16Array[] = [];
  for await (const chunk of tts.synthesize(text, { voice: 'slt', sampleRateHz: 8000 })) parts.push(chunk.samples);
  return concatPcm16(parts);
}

/** Speech stretches of a recording (energy VAD), each with 100 ms around it. */
function splitUtterances(samples: Int16Array): Int16Array[] {
  const vad = new EnergyVad({ sampleRateHz: 8000, minSilenceMs: 400 });
  const spans: Array<[number, number]> = [];
  let start: number | null = null;
  for (let i = 0; i < samples.length; i += 160) {
    for (const event of vad.process(samples.subarray(i, i + 160))) {
      if (event.type === 'speech_start') start = event.atMs;
      else if (start !== null) {
        spans.push([start, event.atMs]);
        start = null;
      }
    }
  }
  if (start !== null) spans.push([start, samples.length / 8]);
  return spans.map(([a, b]) => samples.subarray(Math.max(0, Math.round((a - 100) * 8)), Math.round((b + 100) * 8)));
}

/** pocketsphinx on one utterance, grammar-first over `phrases` (falls back to open vocabulary when none fits). */
async function recognise(registry: ReturnType<typeof createEmbeddedSpeechRegistry>, pcm: Int16Array, phrases: string[]): Promise<string> {
  const stt = registry.stt({ provider: 'pocketsphinx', model: null, voice: null, language: 'en', options: {} });
  const stream = await stt.createStream({ sampleRateHz: 8000, language: 'en', hints: { phrases }, signal: AbortSignal.timeout(30_000) });
  const finals: string[] = [];
  const reading = (async () => {
    for await (const event of stream) if (event.type === 'final') finals.push(event.text);
  })();
  for (let i = 0; i < pcm.length; i += 160) stream.push(pcm.subarray(i, i + 160));
  await stream.flush();
  await stream.end();
  await reading;
  return normalise(finals.join(' '));
}

/** A child process (not Node) with its exit code. */
function spawnProcess(command: string, args: string[], cwd: string): { exited: Promise<number | null>; kill(signal?: NodeJS.Signals): void } {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exited, kill: (signal = 'SIGKILL') => void child.kill(signal) };
}
