import { SpeechError } from '../../contracts/errors.js';

/**
 * Turns a stream of little-endian PCM16 byte chunks into sample arrays. Network chunks may split
 * a sample across two reads, so an odd trailing byte is carried into the next chunk.
 */
export class Pcm16Assembler {
  private carry: number | null = null;

  /** Samples completed by `bytes` (possibly empty). */
  push(bytes: Uint8Array): Int16Array {
    const total = bytes.length + (this.carry === null ? 0 : 1);
    const out = new Int16Array(total >> 1);
    const view = new DataView(out.buffer);
    let read = 0;
    let write = 0;
    if (this.carry !== null && bytes.length > 0) {
      view.setUint8(0, this.carry);
      view.setUint8(1, bytes[0]!);
      read = 1;
      write = 1;
      this.carry = null;
    }
    for (; read + 1 < bytes.length; read += 2, write++) {
      out[write] = (bytes[read]! | (bytes[read + 1]! << 8)) << 16 >> 16;
    }
    if (read < bytes.length) this.carry = bytes[read]!;
    return out;
  }

  /** True when half a sample is still waiting (the stream ended on an odd byte count). */
  get pending(): boolean {
    return this.carry !== null;
  }
}

/** Decodes base64 audio from a vendor message, failing with a clear `provider_error`. */
export function decodeBase64Audio(value: unknown, provider: string, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new SpeechError('provider_error', `${provider} sent a malformed message: ${what} is not base64 audio`, { provider });
  }
  return Buffer.from(value, 'base64');
}

/**
 * Extracts PCM16 mono from a RIFF/WAVE file (Google returns LINEAR16 with its WAV header).
 * Fails with `provider_error` for anything that is not 16-bit mono PCM.
 */
export function pcmFromWav(bytes: Uint8Array, provider: string): { samples: Int16Array; sampleRateHz: number } {
  const fail = (why: string): SpeechError => new SpeechError('provider_error', `${provider} returned audio that is not 16-bit mono WAV: ${why}`, { provider });
  const tag = (at: number): string => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw fail('no RIFF/WAVE header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let rate: number | null = null;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw fail('short fmt chunk');
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bits = view.getUint16(body + 14, true);
      if (format !== 1 || channels !== 1 || bits !== 16) throw fail(`format ${format}, ${channels} channel(s), ${bits} bits`);
      rate = view.getUint32(body + 4, true);
    } else if (id === 'data') {
      if (rate === null) throw fail('data before fmt');
      // Streamed WAV writers put 0 or 0xFFFFFFFF in the size; take what is there.
      const end = size === 0 || size === 0xffffffff ? bytes.length : Math.min(bytes.length, body + size);
      const samples = new Pcm16Assembler().push(bytes.subarray(body, end));
      return { samples, sampleRateHz: rate };
    }
    at = body + size + (size & 1);
  }
  throw fail('no data chunk');
}
