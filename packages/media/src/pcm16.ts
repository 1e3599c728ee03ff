/**
 * Signed 16-bit little-endian PCM ("s16le", "L16" on the wire is big-endian and not this).
 *
 * Conversions always copy: a Node `Buffer` is often a slice of a shared pool at an odd byte
 * offset, where an `Int16Array` view would throw or alias memory the caller will reuse.
 *
 * @packageDocumentation
 */

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Full-scale reference for dBFS: a square wave at ±32768 reads 0 dBFS, a full-scale sine -3.01. */
export const PCM16_FULL_SCALE = 32768;

/**
 * Reads little-endian PCM16 bytes into a new `Int16Array`.
 *
 * @param bytes - An even number of bytes (any alignment).
 * @throws RangeError when `bytes.length` is odd; use {@link FrameSplitter} for streams that may
 * split a sample across chunks.
 */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  if (bytes.length % 2 !== 0) {
    throw new RangeError(`PCM16 needs an even byte count, got ${bytes.length}`);
  }
  const samples = new Int16Array(bytes.length / 2);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(samples.buffer).set(bytes);
  } else {
    for (let i = 0; i < samples.length; i++) {
      samples[i] = ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >> 16;
    }
  }
  return samples;
}

/** Writes samples as little-endian PCM16 into a new `Buffer`. */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.length * 2);
  if (HOST_IS_LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  } else {
    for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i]!, 2 * i);
  }
  return bytes;
}

/** Root-mean-square amplitude of a frame, in sample units (0..32768); 0 for an empty frame. */
export function rms(frame: Int16Array): number {
  if (frame.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < frame.length; i++) {
    const s = frame[i]!;
    sum += s * s;
  }
  return Math.sqrt(sum / frame.length);
}

/**
 * Level of a frame in dB relative to full scale ({@link PCM16_FULL_SCALE}).
 *
 * @param floorDbfs - Returned for digital silence and anything quieter, so callers never see
 * `-Infinity` (default -100 dBFS, below the 16-bit noise floor of about -101 dBFS).
 */
export function dbfs(frame: Int16Array, floorDbfs = -100): number {
  const level = rms(frame);
  if (level === 0) return floorDbfs;
  const db = 20 * Math.log10(level / PCM16_FULL_SCALE);
  return db < floorDbfs ? floorDbfs : db;
}

/** Saturates a number to the PCM16 range after rounding to the nearest integer. */
export function clampPcm16(value: number): number {
  const v = Math.round(value);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
