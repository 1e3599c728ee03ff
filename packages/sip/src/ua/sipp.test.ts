/**
 * Black-box interop against SIPp 3.6 (Debian `sip-tester`) on 127.0.0.1. Skipped only when the
 * `sipp` binary is absent; when present, any misbehaviour fails the test.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigestServer } from '../auth/digest-server.js';
import { createOffer } from '../sdp/offer-answer.js';
import { serializeSdp } from '../sdp/session-description.js';
import { RtpSession } from '../rtp/rtp-session.js';
import { nextEvent } from '../util/emitter.js';
import { type CallEnd } from './call.js';
import { type IncomingCall } from './incoming-call.js';
import { SipUserAgent } from './user-agent.js';

const SIPP = spawnSync('sipp', ['-v'], { encoding: 'utf8' }).error ? undefined : 'sipp';
if (!SIPP) console.warn('sipp not installed (apt-get install sip-tester): skipping SIPp interop tests');
const PCAP_DIR = '/usr/share/sip-tester';
const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'sipp');

/** A UDP port that was free a moment ago (SIPp cannot bind port 0 and report it). */
async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Even free port with port+1..port+3 free too (SIPp media and RTCP). */
async function freeMediaPort(): Promise<number> {
  for (;;) {
    const port = (await freePort()) & ~1;
    if (port > 1024 && port < 65000) return port;
  }
}

interface SippResult {
  code: number | null;
  output: string;
}

function runSipp(args: string[], cwd: string, timeoutMs: number): { done: Promise<SippResult>; kill: () => void } {
  const child = spawn(SIPP as string, [...args, '-nostdin', '-timeout', `${Math.floor(timeoutMs / 1000)}s`, '-timeout_error'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
  const done = new Promise<SippResult>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

describe.skipIf(!SIPP)('SIPp interop', () => {
  let ua: SipUserAgent;
  let workDir: string;
  const sessions: RtpSession[] = [];

  beforeEach(async () => {
    ua = await SipUserAgent.create({ host: '127.0.0.1', bindAddress: '127.0.0.1', udpPort: 0, timers: { t1Ms: 500 } });
    workDir = mkdtempSync(join(tmpdir(), 'unpod-sipp-'));
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await ua.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Answers every incoming call with an SDP answer bound to a real RTP session; counts packets. */
  function answerCalls(options: { digest?: DigestServer } = {}): { packets: () => number; ended: Promise<CallEnd> } {
    let count = 0;
    const ended = new Promise<CallEnd>((resolve) => {
      ua.on('incomingCall', (call: IncomingCall) => {
        void (async () => {
          if (options.digest) {
            const verdict = options.digest.verify(call.request, (user) => (user === 'alice' ? 's3cret' : undefined));
            if (!verdict.ok) {
              call.reject(401, { headers: options.digest.challengeValues(verdict.reason === 'stale').map((v) => ['WWW-Authenticate', v] as const) });
              return;
            }
          }
          const rtp = await RtpSession.open({ bindAddress: '127.0.0.1', portRange: { min: 40000, max: 50000 }, payloadType: 8 });
          sessions.push(rtp);
          rtp.on('packet', () => count++);
          const result = call.negotiate({ address: '127.0.0.1', port: rtp.localPort });
          if (!result.ok) {
            call.reject(result.status);
            return;
          }
          call.ringing();
          call.answer(result.answer);
          call.on('terminated', resolve);
        })();
      });
    });
    return { packets: () => count, ended };
  }

  it('(a) SIPp uac_pcap calls our UAS: answered with SDP, G.711 RTP received, SIPp hangs up with BYE', async () => {
    mkdirSync(join(workDir, 'pcap'));
    for (const file of readdirSync(PCAP_DIR)) if (file.endsWith('.pcap')) symlinkSync(join(PCAP_DIR, file), join(workDir, 'pcap', file));
    expect(existsSync(join(workDir, 'pcap', 'g711a.pcap'))).toBe(true);
    const { packets, ended } = answerCalls();
    const sipp = runSipp(
      [`127.0.0.1:${ua.localEndpoint().port}`, '-sn', 'uac_pcap', '-m', '1', '-i', '127.0.0.1', '-p', String(await freePort()), '-mp', String(await freeMediaPort())],
      workDir,
      30_000,
    );
    const end = await ended;
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(end.cause).toBe('remote-bye');
    // g711a.pcap holds 236 PCMA packets; the scenario adds RFC 2833 DTMF packets.
    expect(packets()).toBeGreaterThanOrEqual(236);
  }, 45_000);

  it('(a) SIPp uac (no media) completes INVITE/ACK/BYE against our UAS', async () => {
    const { ended } = answerCalls();
    const sipp = runSipp([`127.0.0.1:${ua.localEndpoint().port}`, '-sn', 'uac', '-m', '1', '-i', '127.0.0.1', '-p', String(await freePort()), '-d', '200'], workDir, 15_000);
    expect((await ended).cause).toBe('remote-bye');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  }, 25_000);

  it('(b) our UAC calls SIPp uas: 200 with SDP, ACK, then our BYE', async () => {
    const port = await freePort();
    const sipp = runSipp(['-sn', 'uas', '-m', '1', '-i', '127.0.0.1', '-p', String(port)], workDir, 15_000);
    const sdp = serializeSdp(createOffer({ address: '127.0.0.1', port: await freeMediaPort() }));
    const statuses: number[] = [];
    // SIPp needs a moment to bind; retry the INVITE until its socket answers (bounded).
    let answered: [string | undefined] | undefined;
    for (let attempt = 0; attempt < 20 && !answered; attempt++) {
      const call = ua.invite(`sip:service@127.0.0.1:${port}`, { sdp, timeoutMs: 5000 });
      call.on('progress', (status) => statuses.push(status));
      const outcome = await Promise.race([nextEvent(call, 'answered', 10_000).then((a) => ({ a })), nextEvent(call, 'terminated', 10_000).then((t) => ({ t }))]);
      if ('a' in outcome) {
        answered = outcome.a;
        expect(call.dialog?.state).toBe('confirmed');
        await call.bye();
      }
    }
    expect(answered?.[0]).toContain('m=audio');
    expect(statuses).toContain(180);
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  }, 25_000);

  it('(c) digest: SIPp UAC answers our 401 challenge (MD5, qop=auth) and gets through', async () => {
    const digest = new DigestServer({ realm: 'unpod.test', algorithms: ['MD5'] });
    const { ended } = answerCalls({ digest });
    const sipp = runSipp(
      [`127.0.0.1:${ua.localEndpoint().port}`, '-sf', join(SCENARIOS, 'uac-digest.xml'), '-s', 'service', '-m', '1', '-i', '127.0.0.1', '-p', String(await freePort())],
      workDir,
      15_000,
    );
    expect((await ended).cause).toBe('remote-bye');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  }, 25_000);

  it('(c) digest: our UAC answers a SIPp 401 and SIPp verifies the credentials', async () => {
    const port = await freePort();
    const sipp = runSipp(['-sf', join(SCENARIOS, 'uas-digest.xml'), '-m', '1', '-i', '127.0.0.1', '-p', String(port)], workDir, 15_000);
    const sdp = serializeSdp(createOffer({ address: '127.0.0.1', port: await freeMediaPort() }));
    let done = false;
    for (let attempt = 0; attempt < 20 && !done; attempt++) {
      const call = ua.invite(`sip:service@127.0.0.1:${port}`, { sdp, credentials: { username: 'alice', password: 's3cret' }, timeoutMs: 5000 });
      const outcome = await Promise.race([nextEvent(call, 'answered', 10_000).then(() => 'answered' as const), nextEvent(call, 'terminated', 10_000).then(([e]) => e)]);
      if (outcome === 'answered') {
        done = true;
        await call.bye();
      } else {
        expect(outcome.status, 'SIPp rejected our credentials').not.toBe(403);
      }
    }
    expect(done).toBe(true);
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  }, 25_000);

  it('(d) CANCEL before answer: our UAC times out after 180, SIPp answers 200/487, we ACK', async () => {
    const port = await freePort();
    const sipp = runSipp(['-sf', join(SCENARIOS, 'uas-cancel.xml'), '-m', '1', '-i', '127.0.0.1', '-p', String(port)], workDir, 15_000);
    const sdp = serializeSdp(createOffer({ address: '127.0.0.1', port: await freeMediaPort() }));
    let end: CallEnd | undefined;
    for (let attempt = 0; attempt < 20 && end?.cause !== 'cancelled'; attempt++) {
      const call = ua.invite(`sip:service@127.0.0.1:${port}`, { sdp, timeoutMs: 300 });
      [end] = await nextEvent(call, 'terminated', 10_000);
    }
    expect(end).toMatchObject({ cause: 'cancelled', status: 487 });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  }, 25_000);

  it('(d) SIPp UAC cancels while we ring: we answer 200 to CANCEL and 487 to the INVITE', async () => {
    let cancelled = false;
    const rang = new Promise<void>((resolve) => {
      ua.on('incomingCall', (call) => {
        call.on('cancelled', () => {
          cancelled = true;
          resolve();
        });
        call.ringing();
      });
    });
    const sipp = runSipp([`127.0.0.1:${ua.localEndpoint().port}`, '-sf', join(SCENARIOS, 'uac-cancel.xml'), '-s', 'service', '-m', '1', '-i', '127.0.0.1', '-p', String(await freePort())], workDir, 15_000);
    await rang;
    const result = await sipp.done;
    expect(cancelled).toBe(true);
    expect(result.code, result.output).toBe(0);
  }, 25_000);
});
