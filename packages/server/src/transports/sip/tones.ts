/**
 * Call-progress tones as PCM16 frames at 8 kHz. Ringback is 425 Hz, 1 s on and 4 s off (the ITU-T
 * E.180 recommendation most countries follow), at -13 dBm0-ish, generated once and shared.
 */
const RATE_HZ = 8000;
const FRAME_SAMPLES = 160;
const AMPLITUDE = 0.22 * 32767;

let ringbackCycle: Int16Array | null = null;

function cycle(): Int16Array {
  if (ringbackCycle) return ringbackCycle;
  const onSamples = RATE_HZ;
  const total = 5 * RATE_HZ;
  const out = new Int16Array(total);
  for (let i = 0; i < onSamples; i++) out[i] = Math.round(AMPLITUDE * Math.sin((2 * Math.PI * 425 * i) / RATE_HZ));
  ringbackCycle = out;
  return out;
}

/** Successive 20 ms frames of ringback, starting with the tone. */
export class RingbackTone {
  private offset = 0;

  next(): Int16Array {
    const source = cycle();
    const frame = source.slice(this.offset, this.offset + FRAME_SAMPLES);
    this.offset = (this.offset + FRAME_SAMPLES) % source.length;
    return frame;
  }
}
