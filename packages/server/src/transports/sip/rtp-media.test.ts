import { afterEach, describe, expect, it } from 'vitest';
import { decodeMulaw, DtmfReceiver, encodeMulaw, planDtmfPackets, sine } from '@unpod/media';
import { RtpSession, type NegotiatedAudio, type RtpPacket } from '@unpod/sip';
import { RtpMedia, type RtpMediaEvents } from './rtp-media.js';

// Below Linux's ephemeral range (32768+), where other tests' UDP sockets and SIPp live.
const RANGE = { min: 21000, max: 29999 };
const sessions: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

function negotiated(remotePort: number, overrides: Partial<NegotiatedAudio> = {}): NegotiatedAudio {
  return {
    codec: { name: 'PCMU', payloadType: 0, clockRateHz: 8000 },
    telephoneEventPayloadType: 101,
    remote: { address: '127.0.0.1', port: remotePort },
    direction: 'sendrecv',
    ptimeMs: 20,
    remoteHold: false,
    ...overrides,
  };
}

/** Our media (under test) and a raw RTP peer on loopback. */
async function pair(overrides: Partial<NegotiatedAudio> = {}, options: { inactivityMs?: number } = {}) {
  const peer = await RtpSession.open({ bindAddress: '127.0.0.1', portRange: RANGE, payloadType: 0, symmetric: false });
  const ours = await RtpSession.open({ bindAddress: '127.0.0.1', portRange: RANGE, payloadType: 0, symmetric: false });
  peer.setRemote({ address: '127.0.0.1', port: ours.localPort });
  const heard: Int16Array[] = [];
  const digits: string[] = [];
  const reports: string[] = [];
  const events: RtpMediaEvents = {
    callerAudio: (s) => heard.push(s),
    dtmf: (d) => digits.push(d),
    inactive: () => reports.push('inactive'),
    resumed: () => reports.push('resumed'),
  };
  const media = new RtpMedia(ours, negotiated(peer.localPort, overrides), events, { jitterDelayMs: 40, ...options });
  sessions.push(peer, media);
  const received: RtpPacket[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  peer.on('packet', (p) => {
    received.push(p);
    for (const w of [...waiters]) {
      if (received.length < w.n) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const peerGot = (n: number) => (received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
  const oursGot = (n: number) =>
    new Promise<void>((resolve) => {
      if (ours.packetsReceived >= n) return resolve();
      const off = ours.on('packet', () => {
        if (ours.packetsReceived >= n) {
          off();
          resolve();
        }
      });
    });
  return { peer, media, heard, digits, reports, received, peerGot, oursGot };
}

describe('RTP media of a call', () => {
  it('decodes caller G.711 through the jitter buffer, one 20 ms frame per tick', async () => {
    const { peer, media, heard, oursGot } = await pair();
    const tone = sine({ frequencyHz: 440, durationMs: 200, sampleRateHz: 8000, amplitude: 8000 });
    for (let i = 0; i < 10; i++) peer.sendFrame(encodeMulaw(tone.subarray(i * 160, (i + 1) * 160)), { samples: 160 });
    await oursGot(10);
    const start = performance.now();
    for (let t = 0; t <= 400; t += 20) media.tick(start + t, 0);
    const audio = heard.filter((f) => f.some((s) => s !== 0));
    expect(audio).toHaveLength(10);
    expect(Array.from(audio[3]!)).toEqual(Array.from(decodeMulaw(encodeMulaw(tone.subarray(480, 640)))));
    expect(media.stats()).toMatchObject({ codec: 'PCMU', packets_received: 10, late_packets: 0 });
  });

  it('reports one RFC 4733 key press per event, whatever the repeats', async () => {
    const { peer, digits, oursGot } = await pair();
    const ts = peer.nextTimestamp;
    const packets = planDtmfPackets({ digit: '5', durationMs: 100 });
    for (const p of packets) peer.sendPacket(p.payload, { payloadType: 101, marker: p.marker, timestamp: ts });
    await oursGot(packets.length);
    expect(digits).toEqual(['5']);
  });

  it('sends agent frames at once and fills silence when the agent is quiet, with continuous timestamps', async () => {
    const { media, received, peerGot } = await pair();
    const start = performance.now();
    media.tick(start, 0);
    const voice = new Int16Array(160).fill(3000);
    media.sendAudio(voice);
    media.sendAudio(voice);
    await peerGot(2);
    for (let t = 20; t <= 200; t += 20) media.tick(start + t, 0);
    await peerGot(9);
    const stamps = received.map((p) => p.timestamp);
    for (let i = 1; i < stamps.length; i++) expect((stamps[i]! - stamps[i - 1]!) >>> 0).toBe(160);
    expect(received.every((p) => p.payloadType === 0)).toBe(true);
    expect(Array.from(decodeMulaw(received[0]!.payload)).every((s) => Math.abs(s - 3000) < 200)).toBe(true);
    expect(Array.from(decodeMulaw(received.at(-1)!.payload)).every((s) => s === 0)).toBe(true);
  });

  it('sends DTMF as RFC 4733 events with audio muted during each press (section 2.5.1)', async () => {
    const { media, received, peerGot } = await pair();
    const sent = media.sendDtmf('1#');
    expect(sent.ok).toBe(true);
    const start = performance.now();
    for (let t = 0; t <= 600; t += 20) media.tick(start + t, 0);
    await sent.sent;
    await peerGot(media.rtp.packetsSent);
    const events = received.filter((p) => p.payloadType === 101);
    const receiver = new DtmfReceiver();
    const pressed = events.flatMap((p) => receiver.process({ timestamp: p.timestamp, payload: p.payload })).map((k) => k.digit);
    expect(pressed).toEqual(['1', '#']);
    expect(media.stats().dtmf_sent).toBe(2);
  });

  it('refuses DTMF when telephone-event was not negotiated', async () => {
    const { media } = await pair({ telephoneEventPayloadType: undefined });
    expect(media.sendDtmf('1').ok).toBe(false);
  });

  it('reports a silent line once, and its return', async () => {
    const { peer, media, reports, oursGot } = await pair({}, { inactivityMs: 100 });
    const start = performance.now();
    media.tick(start, 0);
    media.tick(start + 150, 0);
    media.tick(start + 300, 0);
    expect(reports).toEqual(['inactive']);
    peer.sendFrame(encodeMulaw(new Int16Array(160)), { samples: 160 });
    await oursGot(1);
    expect(reports).toEqual(['inactive', 'resumed']);
  });

  it('switches codec and destination on a new offer/answer (re-INVITE), and stops sending on hold', async () => {
    const { peer, media, received, peerGot } = await pair();
    media.update(negotiated(peer.localPort, { codec: { name: 'PCMA', payloadType: 8, clockRateHz: 8000 } }));
    media.sendAudio(new Int16Array(160));
    await peerGot(1);
    expect(received[0]!.payloadType).toBe(8);
    media.update(negotiated(peer.localPort, { direction: 'recvonly', remoteHold: true }));
    media.sendAudio(new Int16Array(160));
    media.update(negotiated(peer.localPort));
    media.sendAudio(new Int16Array(160));
    await peerGot(2);
    expect(received).toHaveLength(2);
    expect(received[1]!.payloadType).toBe(0);
  });
});
