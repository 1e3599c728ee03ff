/**
 * An RTP session on a UDP port pair (RFC 3550): RTP on an even port, RTCP on the next one
 * (section 11), symmetric RTP latching for NAT (RFC 4961), periodic SR/RR + SDES and BYE on close.
 * Payload bytes in and out; codecs live elsewhere.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomToken, randomUint16, randomUint32 } from '../util/random.js';
import { Emitter } from '../util/emitter.js';
import { type Endpoint } from '../transport/transport.js';
import { systemClock, type MediaClock } from './clock.js';
import { type FrameSink } from './paced-sender.js';
import { ReceiverStats } from './receiver-stats.js';
import { parseRtcpCompound, serializeBye, serializeReceiverReport, serializeSdes, serializeSenderReport, toNtp, type RtcpPacket } from './rtcp.js';
import { parseRtpPacket, serializeRtpPacket, type RtpPacket } from './rtp-packet.js';

export interface RtpSessionOptions {
  bindAddress?: string;
  /** Inclusive port range to allocate the even RTP port from. Default 10000-20000. */
  portRange?: { min: number; max: number };
  remote?: Endpoint;
  /** Send to where packets come from (latching). Default true. */
  symmetric?: boolean;
  /** Default payload type for `sendFrame`. */
  payloadType: number;
  clockRateHz?: number;
  cname?: string;
  /** Mean RTCP interval; actual intervals are randomised 0.5-1.5x (section 6.3.1). Default 5000 ms. */
  rtcpIntervalMs?: number;
  clock?: MediaClock;
}

export interface RtpSessionEvents {
  [event: string]: (...args: never[]) => void;
  packet: (packet: RtpPacket, source: Endpoint) => void;
  rtcp: (packets: RtcpPacket[], source: Endpoint) => void;
  /** Symmetric RTP switched the destination to a packet source. */
  latched: (remote: Endpoint) => void;
  error: (error: Error) => void;
}

async function bindUdp(port: number, address: string): Promise<Socket> {
  const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Binds an even RTP port and the following RTCP port inside `range` (RFC 3550 section 11). */
export async function allocatePortPair(address: string, range: { min: number; max: number }): Promise<{ rtp: Socket; rtcp: Socket }> {
  const min = range.min + (range.min % 2);
  const slots = Math.floor((range.max - min) / 2);
  if (slots <= 0) throw new RangeError('port range holds no even/odd pair');
  const first = Math.floor(Math.random() * slots);
  for (let i = 0; i < Math.min(slots, 64); i++) {
    const port = min + 2 * ((first + i) % slots);
    let rtp: Socket | undefined;
    try {
      rtp = await bindUdp(port, address);
      const rtcp = await bindUdp(port + 1, address);
      return { rtp, rtcp };
    } catch {
      rtp?.close();
    }
  }
  throw new Error('no free RTP port pair in range');
}

export class RtpSession extends Emitter<RtpSessionEvents> implements FrameSink {
  readonly ssrc = randomUint32();
  readonly localPort: number;
  private sequenceNumber = randomUint16();
  private timestamp = randomUint32();
  private remote: Endpoint | undefined;
  private remoteRtcp: Endpoint | undefined;
  private latched = false;
  private closed = false;
  private rtcpTimer: unknown;
  private sentSinceReport = false;
  private readonly receivers = new Map<number, ReceiverStats>();
  private readonly clock: MediaClock;
  private readonly clockRateHz: number;
  private readonly cname: string;
  packetsSent = 0;
  octetsSent = 0;
  packetsReceived = 0;

  private constructor(
    private readonly rtp: Socket,
    private readonly rtcp: Socket,
    private readonly options: RtpSessionOptions,
  ) {
    super();
    this.localPort = rtp.address().port;
    this.clock = options.clock ?? systemClock;
    this.clockRateHz = options.clockRateHz ?? 8000;
    this.cname = options.cname ?? `${randomToken(8)}@unpod`;
    if (options.remote) this.setRemote(options.remote);
    rtp.on('message', (data, rinfo) => this.onRtp(data, { address: rinfo.address, port: rinfo.port }));
    rtcp.on('message', (data, rinfo) => this.onRtcp(data, { address: rinfo.address, port: rinfo.port }));
    rtp.on('error', (error) => this.emit('error', error));
    rtcp.on('error', (error) => this.emit('error', error));
    this.scheduleRtcp();
  }

  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const { rtp, rtcp } = await allocatePortPair(options.bindAddress ?? '0.0.0.0', options.portRange ?? { min: 10000, max: 20000 });
    return new RtpSession(rtp, rtcp, options);
  }

  /** Where RTP currently goes (after latching, the observed source). */
  get remoteEndpoint(): Endpoint | undefined {
    return this.remote;
  }

  /** RTP timestamp the next frame will carry. */
  get nextTimestamp(): number {
    return this.timestamp;
  }

  /** Reception statistics per remote SSRC. */
  get receptionStats(): ReadonlyMap<number, ReceiverStats> {
    return this.receivers;
  }

  /** Sets the destination from SDP (RTCP on port + 1 unless given). */
  setRemote(remote: Endpoint, rtcp?: Endpoint): void {
    this.remote = remote;
    this.remoteRtcp = rtcp ?? { address: remote.address, port: remote.port + 1 };
    this.latched = false;
  }

  sendFrame(payload: Uint8Array, options: { samples: number; marker?: boolean; payloadType?: number }): void {
    this.sendPacket(payload, { payloadType: options.payloadType ?? this.options.payloadType, marker: options.marker ?? false, timestamp: this.timestamp });
    this.timestamp = (this.timestamp + options.samples) >>> 0;
  }

  skip(samples: number): void {
    this.timestamp = (this.timestamp + samples) >>> 0;
  }

  /** Sends one packet with an explicit timestamp (RFC 4733 events keep theirs across packets). */
  sendPacket(payload: Uint8Array, options: { payloadType: number; marker: boolean; timestamp: number }): void {
    if (this.closed || !this.remote) return;
    const packet = serializeRtpPacket({ payloadType: options.payloadType, sequenceNumber: this.sequenceNumber, timestamp: options.timestamp, ssrc: this.ssrc, marker: options.marker, payload });
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.packetsSent++;
    this.octetsSent += payload.length;
    this.sentSinceReport = true;
    this.rtp.send(packet, this.remote.port, this.remote.address, (error) => {
      if (error && !this.closed) this.emit('error', error);
    });
  }

  /** Sends RTCP now: SR if we sent since the last report, else RR; plus SDES CNAME. */
  sendRtcpReport(): void {
    if (this.closed || !this.remoteRtcp) return;
    this.sendRtcp(Buffer.concat([this.reportPacket(), serializeSdes(this.ssrc, this.cname)]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.remoteRtcp) this.sendRtcp(Buffer.concat([this.reportPacket(), serializeSdes(this.ssrc, this.cname), serializeBye(this.ssrc)]));
    this.closed = true;
    if (this.rtcpTimer !== undefined) this.clock.clearTimer(this.rtcpTimer);
    await Promise.all([new Promise<void>((r) => this.rtp.close(() => r())), new Promise<void>((r) => this.rtcp.close(() => r()))]);
    this.removeAllListeners();
  }

  private reportPacket(): Buffer {
    const reports = [...this.receivers.values()].filter((r) => r.packetsReceived > 0).map((r) => r.report(this.clock.nowMs()));
    if (!this.sentSinceReport) return serializeReceiverReport(this.ssrc, reports);
    this.sentSinceReport = false;
    return serializeSenderReport(this.ssrc, { ...toNtp(this.clock.wallClockMs()), rtpTimestamp: this.timestamp, packetCount: this.packetsSent, octetCount: this.octetsSent }, reports);
  }

  private sendRtcp(bytes: Buffer): void {
    if (!this.remoteRtcp) return;
    this.rtcp.send(bytes, this.remoteRtcp.port, this.remoteRtcp.address, () => undefined);
  }

  private scheduleRtcp(): void {
    const meanMs = this.options.rtcpIntervalMs ?? 5000;
    this.rtcpTimer = this.clock.setTimer(() => {
      if (this.closed) return;
      this.sendRtcpReport();
      this.scheduleRtcp();
    }, meanMs * (0.5 + Math.random()));
  }

  private onRtp(data: Buffer, source: Endpoint): void {
    let packet: RtpPacket;
    try {
      packet = parseRtpPacket(data);
    } catch {
      return;
    }
    this.packetsReceived++;
    if ((this.options.symmetric ?? true) && !this.latched) {
      this.latched = true;
      if (!this.remote || this.remote.address !== source.address || this.remote.port !== source.port) {
        this.remote = source;
        this.remoteRtcp = { address: source.address, port: source.port + 1 };
        this.emit('latched', source);
      }
    }
    let stats = this.receivers.get(packet.ssrc);
    if (!stats) {
      stats = new ReceiverStats(packet.ssrc);
      this.receivers.set(packet.ssrc, stats);
    }
    stats.update(packet.sequenceNumber, packet.timestamp, Math.floor((this.clock.nowMs() * this.clockRateHz) / 1000));
    this.emit('packet', packet, source);
  }

  private onRtcp(data: Buffer, source: Endpoint): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcpCompound(data);
    } catch {
      return;
    }
    if ((this.options.symmetric ?? true) && this.latched) this.remoteRtcp = source;
    for (const packet of packets) {
      if (packet.type !== 'sr') continue;
      const stats = this.receivers.get(packet.ssrc);
      if (stats) {
        stats.lastSrNtpMiddle = (((packet.sender.ntpSeconds & 0xffff) << 16) | (packet.sender.ntpFraction >>> 16)) >>> 0;
        stats.lastSrArrivalMs = this.clock.nowMs();
      }
    }
    this.emit('rtcp', packets, source);
  }
}
