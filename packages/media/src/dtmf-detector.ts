import type { DtmfDigit } from './dtmf.js';
import { PCM16_FULL_SCALE } from './pcm16.js';

/** An in-band key press found by {@link DtmfDetector}. */
export interface DtmfTone {
  digit: DtmfDigit;
  /** Start on the audio timeline (ms since the first sample), to within one block. */
  atMs: number;
  durationMs: number;
}

/** Options for {@link DtmfDetector}. */
export interface DtmfDetectorOptions {
  /** Sample rate of the PCM16 input (default 8000). */
  sampleRateHz?: number;
  /** Each tone must be at least this loud, as RMS (default -36 dBFS, about -33 dBm0 in G.711). */
  minToneDbfs?: number;
  /** How much louder the low (row) tone may be than the high one (default 8 dB). */
  maxNormalTwistDb?: number;
  /** How much louder the high (column) tone may be than the low one (default 4 dB). */
  maxReverseTwistDb?: number;
  /** Each chosen tone must beat the other tones of its group by this much (default 8 dB). */
  minPeakRatioDb?: number;
  /** The two tones must carry at least this share of the block's energy (default 0.6). */
  minToneEnergyShare?: number;
}

const ROWS_HZ = [697, 770, 852, 941];
const COLS_HZ = [1209, 1336, 1477, 1633];
const KEYPAD: readonly DtmfDigit[] = ['1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D'];
/** A block holding a digit: how many quarters the tones cover at least half of, and whether they fill it. */
interface BlockHit {
  digit: DtmfDigit;
  covered: number;
  full: boolean;
}

/** A block counts as filled when every quarter is at least 90 % covered (about 24.3 ms of tone). */
const FULL_QUARTER = 0.9;

/** 205 samples at 8 kHz: ~39 Hz resolution, enough to separate the 73 Hz-apart row tones. */
const BLOCK_MS = 205 / 8;

/**
 * In-band DTMF detector (Goertzel filters over fixed blocks) for carriers that send key presses as
 * audio instead of RFC 4733 events.
 *
 * Each block of ~25.6 ms is a hit for a digit when the strongest row and column tones are loud
 * enough, within the twist limits, clearly above the other tones of their group, and carry most
 * of the energy of the part of the block they occupy. That part is measured per quarter block by
 * comparing the signal's energy with the energy of the two fitted tones there, which cancels the
 * beating between them. A press starts on a block the tones fill, or on two consecutive hits of
 * one digit covering at least three and two quarters; it ends at the first block that is not a
 * hit covering two quarters. So tones of 40 ms or more are found at any alignment and tones of
 * 23 ms or less never are (ITU-T Q.24), and a 10 ms drop-out does not split a press. Frames of
 * any length may be fed; state carries across calls.
 */
export class DtmfDetector {
  private readonly sampleRateHz: number;
  private readonly blockSize: number;
  private readonly quarterSize: number;
  private readonly omegas: Float64Array;
  private readonly coeffs: Float64Array;
  /** cos(ω_k n) and sin(ω_k n) for each filter k and block position n, row-major by k. */
  private readonly cosTable: Float64Array;
  private readonly sinTable: Float64Array;
  private readonly block: Int16Array;
  private readonly s1 = new Float64Array(8);
  private readonly s2 = new Float64Array(8);
  private readonly power = new Float64Array(8);
  private readonly minToneAmplitude: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly peakRatio: number;
  private readonly minShare: number;

  private filled = 0;
  private blocks = 0;
  private previous: BlockHit | undefined;
  private pressed: { digit: DtmfDigit; startBlock: number } | undefined;

  constructor(options: DtmfDetectorOptions = {}) {
    this.sampleRateHz = options.sampleRateHz ?? 8000;
    const n = Math.round((BLOCK_MS * this.sampleRateHz) / 1000);
    this.blockSize = n;
    this.quarterSize = n / 4;
    this.block = new Int16Array(n);
    this.omegas = Float64Array.from([...ROWS_HZ, ...COLS_HZ], (f) => (2 * Math.PI * f) / this.sampleRateHz);
    this.coeffs = this.omegas.map((w) => 2 * Math.cos(w));
    this.cosTable = new Float64Array(8 * n);
    this.sinTable = new Float64Array(8 * n);
    for (let k = 0; k < 8; k++) {
      for (let i = 0; i < n; i++) {
        this.cosTable[k * n + i] = Math.cos(this.omegas[k]! * i);
        this.sinTable[k * n + i] = Math.sin(this.omegas[k]! * i);
      }
    }
    this.minToneAmplitude = PCM16_FULL_SCALE * Math.SQRT2 * 10 ** ((options.minToneDbfs ?? -36) / 20);
    // Compared with powers (amplitude squared), so dB / 10.
    this.normalTwist = 10 ** ((options.maxNormalTwistDb ?? 8) / 10);
    this.reverseTwist = 10 ** ((options.maxReverseTwistDb ?? 4) / 10);
    this.peakRatio = 10 ** ((options.minPeakRatioDb ?? 8) / 10);
    this.minShare = options.minToneEnergyShare ?? 0.6;
  }

  /** Feeds PCM16 samples; returns the presses that ended within them. */
  process(frame: Int16Array): DtmfTone[] {
    const out: DtmfTone[] = [];
    const { coeffs, s1, s2 } = this;
    for (let i = 0; i < frame.length; i++) {
      const x = frame[i]!;
      for (let k = 0; k < 8; k++) {
        const s0 = x + coeffs[k]! * s1[k]! - s2[k]!;
        s2[k] = s1[k]!;
        s1[k] = s0;
      }
      this.block[this.filled] = x;
      if (++this.filled === this.blockSize) this.endBlock(out);
    }
    return out;
  }

  /** Ends the stream: reports a press still held at the end. */
  flush(): DtmfTone[] {
    const out: DtmfTone[] = [];
    if (this.pressed !== undefined) out.push(this.release(this.blocks));
    this.previous = undefined;
    return out;
  }

  private endBlock(out: DtmfTone[]): void {
    const hit = this.classify();
    this.s1.fill(0);
    this.s2.fill(0);
    this.filled = 0;
    const block = this.blocks++;

    const pressed = this.pressed;
    if (pressed !== undefined) {
      if (hit?.digit === pressed.digit && hit.covered >= 2) return;
      out.push(this.release(block));
    }
    const prev = this.previous;
    this.previous = hit;
    if (hit === undefined) return;
    const withPrev = prev?.digit === hit.digit && prev.covered >= 2;
    if (hit.full || (withPrev && hit.covered >= 2 && Math.max(prev.covered, hit.covered) >= 3)) {
      this.pressed = { digit: hit.digit, startBlock: withPrev ? block - 1 : block };
      this.previous = undefined;
    }
  }

  private release(endBlock: number): DtmfTone {
    const pressed = this.pressed!;
    this.pressed = undefined;
    const blockMs = (this.blockSize * 1000) / this.sampleRateHz;
    return { digit: pressed.digit, atMs: pressed.startBlock * blockMs, durationMs: (endBlock - pressed.startBlock) * blockMs };
  }

  /** Decides the block that just filled: the digit it holds and how much of it the tones cover. */
  private classify(): BlockHit | undefined {
    const n = this.blockSize;
    const { power, s1, s2 } = this;
    for (let k = 0; k < 8; k++) {
      // Squared amplitude of the component: (2|X|/N)^2.
      power[k] = (4 * Math.max(0, s1[k]! * s1[k]! + s2[k]! * s2[k]! - this.coeffs[k]! * s1[k]! * s2[k]!)) / (n * n);
    }
    const row = strongest(power, 0);
    const col = 4 + strongest(power, 4);
    const rowPower = power[row]!;
    const colPower = power[col]!;
    const minPower = this.minToneAmplitude * this.minToneAmplitude;
    if (rowPower < minPower || colPower < minPower) return undefined;
    if (rowPower > colPower * this.normalTwist || colPower > rowPower * this.reverseTwist) return undefined;
    for (let k = 0; k < 8; k++) {
      const chosen = k < 4 ? rowPower : colPower;
      if (k !== row && k !== col && power[k]! * this.peakRatio > chosen) return undefined;
    }

    // Fit both tones (a·cos + b·sin from each DFT value) and compare energies quarter by quarter.
    const [ra, rb] = this.fit(row);
    const [ca, cb] = this.fit(col);
    const signal = [0, 0, 0, 0];
    const model = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const q = Math.min(3, Math.floor(i / this.quarterSize));
      const x = this.block[i]!;
      const y =
        ra * this.cosTable[row * n + i]! + rb * this.sinTable[row * n + i]! +
        ca * this.cosTable[col * n + i]! + cb * this.sinTable[col * n + i]!;
      signal[q]! += x * x;
      model[q]! += y * y;
    }
    let energy = 0;
    let modelEnergy = 0;
    const coverage = [0, 0, 0, 0];
    for (let q = 0; q < 4; q++) {
      energy += signal[q]!;
      modelEnergy += model[q]!;
      coverage[q] = model[q]! > 0 ? signal[q]! / model[q]! : 0;
    }
    const most = Math.max(...coverage);
    if (most === 0) return undefined;
    let covered = 0;
    let fill = 0;
    let full = true;
    for (const c of coverage) {
      const share = Math.min(1, c / most);
      fill += share / 4;
      if (share >= 0.5) covered++;
      if (share < FULL_QUARTER) full = false;
    }
    // A tone over a fraction c of the block fits with amplitude c·A, so its fitted energy is c
    // times its real energy: divide by the measured fill to get the share where it sounds.
    if (modelEnergy < this.minShare * fill * energy) return undefined;
    return { digit: KEYPAD[row * 4 + (col - 4)]!, covered, full };
  }

  /** Coefficients (a, b) of a·cos(ωn) + b·sin(ωn) from filter k's Goertzel state (X = Σ x·e^(-jωn)). */
  private fit(k: number): [number, number] {
    const w = this.omegas[k]!;
    const n = this.blockSize;
    const s1 = this.s1[k]!;
    const s2 = this.s2[k]!;
    // s1 - e^(-jω)·s2 = e^(jω(N-1))·X
    const yr = s1 - s2 * Math.cos(w);
    const yi = s2 * Math.sin(w);
    const c = Math.cos(w * (n - 1));
    const s = Math.sin(w * (n - 1));
    const xr = yr * c + yi * s;
    const xi = yi * c - yr * s;
    return [(2 / n) * xr, (-2 / n) * xi];
  }
}

function strongest(power: Float64Array, from: number): number {
  let best = 0;
  for (let k = 1; k < 4; k++) if (power[from + k]! > power[from + best]!) best = k;
  return best;
}
