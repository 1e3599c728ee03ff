import {
  decodeAlaw,
  decodeMulaw,
  DtmfReceiver,
  encodeAlaw,
  encodeMulaw,
  isDtmfDigit,
  JitterBuffer,
  planDtmfPackets,
  type PlannedDtmfPacket,
} from '@unpod/media';
import type { Endpoint, NegotiatedAudio, RtpPacket, RtpSession } from '@unpod/sip';
import type { FrameTicking } from './media-ticker.js';

export interface RtpMediaOptions {
  /** Playout delay of the inbound jitter buffer (adaptive from here). Default 60 ms. */
  jitterDelayMs?: number;
  /** Report the line silent after this long without inbound RTP. Default 5000 ms. */
  inactivityMs?: number;
  frameMs?: number;
}

/** What the media of one call reports. */
export interface RtpMediaEvents {
  /** One frame of caller audio, decoded to PCM16 at 8 kHz (silence for concealed frames). */
  callerAudio(samples: Int16Array): void;
  /** A completed RFC 4733 key press. */
  dtmf(digit: string, durationMs: number): void;
  /** No inbound RTP for `silentMs` (reported once until RTP resumes). */
  inactive(silentMs: number): void;
  /** RTP arrived again after `inactive`. */
  resumed(silentMs: number): void;
}

/** Per-call RTP counters, recorded on the call when it ends. */
export interface RtpStats {
  codec: string;
  packets_received: number;
  packets_sent: number;
  /** RFC 3550 A.3 cumulative loss of the caller's stream and its share of what was expected. */
  packets_lost: number;
  loss_ratio: number;
  /** RFC 3550 A.8 interarrival jitter. */
  jitter_ms: number;
  /** Packets that arrived after their playout slot (dropped by the jitter buffer). */
  late_packets: number;
  late_ratio: number;
  /** Frames the jitter buffer concealed (lost or not yet arrived). */
  concealed_frames: number;
  duplicates: number;
  reordered: number;
  /** Longest stretch without inbound RTP. */
  max_inbound_gap_ms: number;
  /** Outgoing frames sent later than one frame period after their due time (event-loop lag). */
  late_sends: number;
  dtmf_received: number;
  dtmf_sent: number;
  /** Packets dropped because they could not be processed. */
  bad_packets: number;
}

const SILENT_FRAME_CACHE = new Map<string, Uint8Array>();

/**
 * One call's RTP media: caller packets -> jitter buffer -> G.711 decode -> `callerAudio`, RFC 4733
 * events -> `dtmf`; agent frames -> G.711 encode -> RTP at once, with silence filling the gaps so
 * the stream stays continuous (carriers drop calls with no RTP, NAT bindings expire) and its
 * timestamps follow the wall clock. DTMF out mutes audio for the event (RFC 4733 section 2.5.1).
 * Driven by the node's `MediaTicker` once per frame.
 */
export class RtpMedia implements FrameTicking {
  private codec: NegotiatedAudio['codec'];
  private telephoneEventPt: number | undefined;
  private sending = true;
  private jitter: JitterBuffer;
  private readonly dtmfIn = new DtmfReceiver();
  private readonly frameMs: number;
  private readonly samplesPerFrame: number;
  private readonly inactivityMs: number;
  private readonly jitterDelayMs: number;
  private audioSsrc: number | undefined;
  private startMs: number | undefined;
  private framesSent = 0;
  private lastRtpMs: number | undefined;
  private inactiveReported = false;
  private dtmfQueue: string[] = [];
  private dtmfActive: { packets: PlannedDtmfPacket[]; index: number; timestamp: number; ticks: number } | null = null;
  private dtmfGapTicks = 0;
  private dtmfSettled: Array<() => void> = [];
  private readonly counters = {
    received: 0,
    lateSends: 0,
    maxGapMs: 0,
    dtmfReceived: 0,
    dtmfSent: 0,
    lateBeforeReset: 0,
    concealedBeforeReset: 0,
    dupBeforeReset: 0,
    reorderedBeforeReset: 0,
    receivedBeforeReset: 0,
    badPackets: 0,
  };
  private closed = false;
  private encoded = new Uint8Array(160);

  constructor(
    readonly rtp: RtpSession,
    negotiated: NegotiatedAudio,
    private readonly events: RtpMediaEvents,
    options: RtpMediaOptions = {},
  ) {
    this.frameMs = options.frameMs ?? 20;
    this.samplesPerFrame = (8000 * this.frameMs) / 1000;
    this.inactivityMs = options.inactivityMs ?? 5000;
    this.jitterDelayMs = options.jitterDelayMs ?? 60;
    this.codec = negotiated.codec;
    this.telephoneEventPt = negotiated.telephoneEventPayloadType;
    this.jitter = this.newJitterBuffer();
    this.apply(negotiated);
    rtp.on('packet', (packet) => {
      try {
        this.onPacket(packet);
      } catch {
        // A packet our cores cannot take (a malformed event payload...) is dropped, never thrown
        // into the socket's event emitter, where it would take the process down.
        this.counters.badPackets += 1;
      }
    });
  }

  get codecName(): string {
    return this.codec.name;
  }

  /** The far end supports RFC 4733 events. */
  get canSendDtmf(): boolean {
    return this.telephoneEventPt !== undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get localPort(): number {
    return this.rtp.localPort;
  }

  /** A new offer/answer (re-INVITE): codec, events, destination and direction. */
  update(negotiated: NegotiatedAudio): void {
    if (negotiated.codec.payloadType !== this.codec.payloadType || negotiated.codec.name !== this.codec.name) {
      this.codec = negotiated.codec;
      this.resetJitter();
    }
    this.telephoneEventPt = negotiated.telephoneEventPayloadType;
    this.apply(negotiated);
  }

  /** One frame (or a few) of agent audio, PCM16 at 8 kHz; goes on the wire at once. */
  sendAudio(samples: Int16Array): void {
    if (this.closed || this.dtmfActive !== null) return;
    // The RTP packet copies the payload, so one encode buffer per call serves every frame.
    if (this.encoded.length < samples.length) this.encoded = new Uint8Array(samples.length);
    const out = this.encoded.subarray(0, samples.length);
    const payload = this.codec.name === 'PCMA' ? encodeAlaw(samples, out) : encodeMulaw(samples, out);
    if (this.sending) this.rtp.sendFrame(payload, { samples: samples.length, marker: this.rtp.packetsSent === 0, payloadType: this.codec.payloadType });
    else this.rtp.skip(samples.length);
    this.framesSent += Math.max(1, Math.round(samples.length / this.samplesPerFrame));
  }

  /** Queues RFC 4733 key presses; resolves once they have been sent. False when events were not negotiated. */
  sendDtmf(digits: string): { ok: boolean; sent: Promise<void> } {
    if (!this.canSendDtmf || this.closed) return { ok: false, sent: Promise.resolve() };
    for (const d of digits.toUpperCase()) if (isDtmfDigit(d)) this.dtmfQueue.push(d);
    return { ok: true, sent: new Promise((resolve) => this.dtmfSettled.push(resolve)) };
  }

  tick(nowMs: number, lateMs: number): void {
    if (this.closed) return;
    this.startMs ??= nowMs;
    this.playInbound(nowMs);
    for (const press of this.dtmfIn.poll(nowMs)) this.reportDtmf(press.digit, press.durationMs);
    this.watchInactivity(nowMs);
    if (lateMs >= this.frameMs) this.counters.lateSends += 1;
    this.sendOutbound(nowMs);
  }

  stats(): RtpStats {
    const report = [...this.rtp.receptionStats.values()].reduce(
      (acc, r) => ({ lost: acc.lost + Math.max(0, r.cumulativeLost), expected: acc.expected + Math.max(0, r.expected), jitter: Math.max(acc.jitter, r.jitter) }),
      { lost: 0, expected: 0, jitter: 0 },
    );
    const jb = this.jitter.stats();
    const c = this.counters;
    const audioReceived = c.receivedBeforeReset + jb.received;
    const late = c.lateBeforeReset + jb.late;
    return {
      codec: this.codec.name,
      packets_received: c.received,
      packets_sent: this.rtp.packetsSent,
      packets_lost: report.lost,
      loss_ratio: report.expected > 0 ? round4(report.lost / report.expected) : 0,
      jitter_ms: Math.round((report.jitter / 8) * 100) / 100,
      late_packets: late,
      late_ratio: audioReceived > 0 ? round4(late / audioReceived) : 0,
      concealed_frames: c.concealedBeforeReset + jb.underruns + jb.lost,
      duplicates: c.dupBeforeReset + jb.duplicates,
      reordered: c.reorderedBeforeReset + jb.reordered,
      max_inbound_gap_ms: Math.round(c.maxGapMs),
      late_sends: c.lateSends,
      dtmf_received: c.dtmfReceived,
      dtmf_sent: c.dtmfSent,
      bad_packets: c.badPackets,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const settle of this.dtmfSettled.splice(0)) settle();
    await this.rtp.close();
  }

  private apply(negotiated: NegotiatedAudio): void {
    if (negotiated.remote) this.rtp.setRemote(negotiated.remote satisfies Endpoint);
    this.sending = negotiated.remote !== undefined && (negotiated.direction === 'sendrecv' || negotiated.direction === 'sendonly');
  }

  private newJitterBuffer(): JitterBuffer {
    return new JitterBuffer({ frameMs: this.frameMs, targetDelayMs: this.jitterDelayMs, adaptive: { minDelayMs: 20, maxDelayMs: 200 } });
  }

  /** A new source or codec restarts playout; counters of the old buffer are kept. */
  private resetJitter(): void {
    const s = this.jitter.stats();
    const c = this.counters;
    c.lateBeforeReset += s.late;
    c.concealedBeforeReset += s.underruns + s.lost;
    c.dupBeforeReset += s.duplicates;
    c.reorderedBeforeReset += s.reordered;
    c.receivedBeforeReset += s.received;
    this.jitter = this.newJitterBuffer();
  }

  private onPacket(packet: RtpPacket): void {
    if (this.closed) return;
    const nowMs = performance.now();
    this.counters.received += 1;
    if (this.lastRtpMs !== undefined) this.counters.maxGapMs = Math.max(this.counters.maxGapMs, nowMs - this.lastRtpMs);
    if (this.inactiveReported) {
      this.inactiveReported = false;
      this.events.resumed(nowMs - (this.lastRtpMs ?? nowMs));
    }
    this.lastRtpMs = nowMs;
    if (packet.payloadType === this.telephoneEventPt) {
      for (const press of this.dtmfIn.process({ timestamp: packet.timestamp, payload: packet.payload, arrivalMs: nowMs })) {
        this.reportDtmf(press.digit, press.durationMs);
      }
      return;
    }
    if (packet.payloadType !== this.codec.payloadType) return;
    if (this.audioSsrc !== undefined && packet.ssrc !== this.audioSsrc) this.resetJitter();
    this.audioSsrc = packet.ssrc;
    this.jitter.push({ seq: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet.payload, arrivalMs: nowMs, marker: packet.marker });
  }

  private playInbound(nowMs: number): void {
    for (let guard = 0; guard < 50; guard++) {
      const frame = this.jitter.pop(nowMs);
      if (frame === undefined) return;
      if (frame.lost) {
        this.events.callerAudio(new Int16Array(this.samplesPerFrame));
        continue;
      }
      this.events.callerAudio(this.codec.name === 'PCMA' ? decodeAlaw(frame.payload) : decodeMulaw(frame.payload));
    }
  }

  private reportDtmf(digit: string, durationMs: number): void {
    this.counters.dtmfReceived += 1;
    this.events.dtmf(digit, Math.round(durationMs));
  }

  private watchInactivity(nowMs: number): void {
    const since = this.lastRtpMs ?? this.startMs ?? nowMs;
    if (!this.inactiveReported && nowMs - since >= this.inactivityMs) {
      this.inactiveReported = true;
      this.events.inactive(nowMs - since);
    }
    if (this.lastRtpMs !== undefined) this.counters.maxGapMs = Math.max(this.counters.maxGapMs, nowMs - this.lastRtpMs);
  }

  /**
   * Keeps the outbound stream continuous: when agent audio has fallen two frames behind the wall
   * clock, the slot is filled with silence (a tolerance of one frame leaves room for the agent
   * audio's own pacing, which runs on another timer); far behind, timestamps jump instead.
   */
  private sendOutbound(nowMs: number): void {
    if (this.dtmfActive !== null || this.dtmfQueue.length > 0) {
      this.sendDtmfTick();
      return;
    }
    const expected = Math.floor((nowMs - this.startMs!) / this.frameMs);
    while (this.framesSent < expected - 3) {
      this.rtp.skip(this.samplesPerFrame);
      this.framesSent += 1;
    }
    if (this.framesSent < expected - 1) {
      if (this.sending) this.rtp.sendFrame(this.silence(), { samples: this.samplesPerFrame, marker: this.rtp.packetsSent === 0, payloadType: this.codec.payloadType });
      else this.rtp.skip(this.samplesPerFrame);
      this.framesSent += 1;
    }
  }

  private sendDtmfTick(): void {
    if (this.dtmfGapTicks > 0) {
      this.dtmfGapTicks -= 1;
      if (this.sending) this.rtp.sendFrame(this.silence(), { samples: this.samplesPerFrame, marker: false, payloadType: this.codec.payloadType });
      else this.rtp.skip(this.samplesPerFrame);
      this.framesSent += 1;
      return;
    }
    if (this.dtmfActive === null) {
      const digit = this.dtmfQueue.shift();
      if (digit === undefined) {
        for (const settle of this.dtmfSettled.splice(0)) settle();
        return;
      }
      const packets = planDtmfPackets({ digit: digit as Parameters<typeof planDtmfPackets>[0]['digit'], durationMs: 100, packetIntervalMs: this.frameMs });
      this.dtmfActive = { packets, index: 0, timestamp: this.rtp.nextTimestamp, ticks: 0 };
    }
    const active = this.dtmfActive;
    const packet = active.packets[active.index]!;
    if (this.sending && this.telephoneEventPt !== undefined) {
      this.rtp.sendPacket(packet.payload, { payloadType: this.telephoneEventPt, marker: packet.marker, timestamp: active.timestamp });
    }
    active.index += 1;
    active.ticks += 1;
    this.framesSent += 1;
    if (active.index >= active.packets.length) {
      // The audio clock kept running during the event (section 2.5.1.2): move past it.
      this.rtp.skip(active.ticks * this.samplesPerFrame);
      this.dtmfActive = null;
      this.counters.dtmfSent += 1;
      // Inter-digit pause between queued presses; the last press settles at once.
      this.dtmfGapTicks = this.dtmfQueue.length > 0 ? 3 : 0;
      if (this.dtmfQueue.length === 0) for (const settle of this.dtmfSettled.splice(0)) settle();
    }
  }

  private silence(): Uint8Array {
    const key = `${this.codec.name}:${this.samplesPerFrame}`;
    let frame = SILENT_FRAME_CACHE.get(key);
    if (!frame) {
      const pcm = new Int16Array(this.samplesPerFrame);
      frame = this.codec.name === 'PCMA' ? encodeAlaw(pcm) : encodeMulaw(pcm);
      SILENT_FRAME_CACHE.set(key, frame);
    }
    return frame;
  }
}

function round4(value: number): number {
  return Math.round(value * 10000) / 10000;
}
