/**
 * Per-source reception statistics (RFC 3550 appendix A.1 sequence tracking, A.3 loss, A.8
 * interarrival jitter). Pure: feed packets with their arrival time in RTP clock units.
 */

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

export interface ReceptionReport {
  ssrc: number;
  /** Fraction lost since the previous report, 0-255 (RFC 3550 section 6.4.1). */
  fractionLost: number;
  /** Cumulative packets lost (24-bit signed on the wire). */
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp (0 if none). */
  lastSr: number;
  /** Delay since the last SR in 1/65536 s (0 if none). */
  delaySinceLastSr: number;
}

export class ReceiverStats {
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = MIN_SEQUENTIAL;
  private receivedCount = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | undefined;
  private jitterValue = 0;
  private initialised = false;
  lastSrNtpMiddle = 0;
  lastSrArrivalMs: number | undefined;

  constructor(readonly ssrc: number) {}

  get packetsReceived(): number {
    return this.receivedCount;
  }

  /** Jitter in timestamp units (divide by the clock rate for seconds). */
  get jitter(): number {
    return this.jitterValue;
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.extendedHighestSeq - this.baseSeq + 1;
  }

  get cumulativeLost(): number {
    return this.initialised ? this.expected - this.receivedCount : 0;
  }

  /**
   * Records a packet. `arrivalRtpUnits` is the arrival time converted to the payload clock.
   * Returns false while the source is on probation or for an implausible jump (A.1).
   */
  update(seq: number, rtpTimestamp: number, arrivalRtpUnits: number): boolean {
    if (!this.initialised) {
      this.initSeq(seq);
      this.maxSeq = seq - 1;
      this.initialised = true;
    }
    const valid = this.updateSeq(seq);
    if (valid) this.updateJitter(rtpTimestamp, arrivalRtpUnits);
    return valid;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.receivedCount = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  private updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
    if (this.probation > 0) {
      if (seq === (this.maxSeq + 1) % RTP_SEQ_MOD) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.receivedCount++;
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
        return false;
      }
    }
    this.receivedCount++;
    return true;
  }

  /** A.8: J += (|D| - J) / 16 with D the transit-time difference. */
  private updateJitter(rtpTimestamp: number, arrivalRtpUnits: number): void {
    const transit = arrivalRtpUnits - rtpTimestamp;
    if (this.transit !== undefined) {
      const d = Math.abs(transit - this.transit);
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    this.transit = transit;
  }

  /** Builds a report block and starts a new reporting interval (A.3). */
  report(nowMs: number): ReceptionReport {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, this.cumulativeLost)),
      extendedHighestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitterValue),
      lastSr: this.lastSrNtpMiddle,
      delaySinceLastSr: this.lastSrArrivalMs === undefined ? 0 : Math.floor(((nowMs - this.lastSrArrivalMs) / 1000) * 65536),
    };
  }
}
