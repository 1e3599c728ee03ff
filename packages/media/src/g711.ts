/**
 * ITU-T G.711 companding: μ-law (North America, Japan) and A-law (rest of world).
 *
 * Decoding uses 256-entry tables built once at module load. Encoding follows the ITU-T reference
 * quantiser (the G.191 software tool library formulation): negative samples take their one's
 * complement magnitude, which is what makes `encode(decode(code)) === code` for every code except
 * μ-law's negative zero (0x7F), which comes back as positive zero (0xFF).
 *
 * @packageDocumentation
 */

/** Largest magnitude the μ-law quantiser represents before clipping (32635 + bias = 0x7FFF). */
const MULAW_CLIP = 32635;
/** μ-law bias added before the segment search (0x84 = 132, i.e. 33 in 14-bit units). */
const MULAW_BIAS = 0x84;
/** A-law inverts the even bits of every code on the wire. */
const ALAW_EVEN_BITS = 0x55;

function buildMulawTable(): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const u = ~code & 0xff;
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    const magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
    table[code] = (u & 0x80) !== 0 ? -magnitude : magnitude;
  }
  return table;
}

function buildAlawTable(): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const a = code ^ ALAW_EVEN_BITS;
    const segment = (a >> 4) & 0x07;
    const mantissa = a & 0x0f;
    const magnitude = segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
    table[code] = (a & 0x80) !== 0 ? magnitude : -magnitude;
  }
  return table;
}

const MULAW_TO_LINEAR = buildMulawTable();
const ALAW_TO_LINEAR = buildAlawTable();

/** Decodes one μ-law code (0..255) to a 16-bit linear sample. */
export function mulawToLinear(code: number): number {
  return MULAW_TO_LINEAR[code & 0xff]!;
}

/** Decodes one A-law code (0..255) to a 16-bit linear sample. */
export function alawToLinear(code: number): number {
  return ALAW_TO_LINEAR[code & 0xff]!;
}

/**
 * Encodes one 16-bit linear sample (clamped to -32768..32767) to μ-law.
 *
 * The biased magnitude is at least 0x84, so its highest set bit is bit 7..14 and the segment is
 * that bit position minus 7; the four bits below it are the mantissa.
 */
export function linearToMulaw(sample: number): number {
  const s = sample < -32768 ? -32768 : sample > 32767 ? 32767 : sample | 0;
  const sign = s < 0 ? 0x80 : 0x00;
  let magnitude = s < 0 ? ~s : s;
  if (magnitude > MULAW_CLIP) magnitude = MULAW_CLIP;
  magnitude += MULAW_BIAS;
  const segment = 24 - Math.clz32(magnitude);
  const mantissa = (magnitude >> (segment + 3)) & 0x0f;
  return ~(sign | (segment << 4) | mantissa) & 0xff;
}

/**
 * Encodes one 16-bit linear sample (clamped to -32768..32767) to A-law.
 *
 * Works on the 12-bit magnitude (sample >> 4): segment 0 is linear below 16, segment n >= 1
 * holds magnitudes whose highest set bit is bit n + 3.
 */
export function linearToAlaw(sample: number): number {
  const s = sample < -32768 ? -32768 : sample > 32767 ? 32767 : sample | 0;
  const sign = s < 0 ? 0x00 : 0x80;
  const magnitude = (s < 0 ? ~s : s) >> 4;
  let code: number;
  if (magnitude < 16) {
    code = magnitude;
  } else {
    const segment = 28 - Math.clz32(magnitude);
    code = (segment << 4) | ((magnitude >> (segment - 1)) & 0x0f);
  }
  return (sign | code) ^ ALAW_EVEN_BITS;
}

function checkOut<T extends Int16Array | Uint8Array>(out: T, length: number): T {
  if (out.length < length) {
    throw new RangeError(`output buffer holds ${out.length} samples, ${length} needed`);
  }
  return out;
}

/**
 * Encodes a frame of PCM16 samples to μ-law codes.
 *
 * @param pcm - Linear samples.
 * @param out - Optional destination (at least `pcm.length` long) to avoid an allocation.
 * @returns The codes: `out` (its first `pcm.length` entries) or a new array.
 */
export function encodeMulaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  const codes = out === undefined ? new Uint8Array(pcm.length) : checkOut(out, pcm.length);
  for (let i = 0; i < pcm.length; i++) codes[i] = linearToMulaw(pcm[i]!);
  return codes;
}

/**
 * Decodes a frame of μ-law codes to PCM16 samples.
 *
 * @param codes - μ-law bytes.
 * @param out - Optional destination (at least `codes.length` long) to avoid an allocation.
 */
export function decodeMulaw(codes: Uint8Array, out?: Int16Array): Int16Array {
  const pcm = out === undefined ? new Int16Array(codes.length) : checkOut(out, codes.length);
  for (let i = 0; i < codes.length; i++) pcm[i] = MULAW_TO_LINEAR[codes[i]!]!;
  return pcm;
}

/**
 * Encodes a frame of PCM16 samples to A-law codes.
 *
 * @param pcm - Linear samples.
 * @param out - Optional destination (at least `pcm.length` long) to avoid an allocation.
 */
export function encodeAlaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  const codes = out === undefined ? new Uint8Array(pcm.length) : checkOut(out, pcm.length);
  for (let i = 0; i < pcm.length; i++) codes[i] = linearToAlaw(pcm[i]!);
  return codes;
}

/**
 * Decodes a frame of A-law codes to PCM16 samples.
 *
 * @param codes - A-law bytes.
 * @param out - Optional destination (at least `codes.length` long) to avoid an allocation.
 */
export function decodeAlaw(codes: Uint8Array, out?: Int16Array): Int16Array {
  const pcm = out === undefined ? new Int16Array(codes.length) : checkOut(out, codes.length);
  for (let i = 0; i < codes.length; i++) pcm[i] = ALAW_TO_LINEAR[codes[i]!]!;
  return pcm;
}
