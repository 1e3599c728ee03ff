/** Produces the audio a fake vendor speaks for `text` at `sampleRateHz` (PCM16 mono). */
export type FakeSpeech = (text: string, sampleRateHz: number) => Int16Array | Promise<Int16Array>;

/** Seconds of audio per character of text for the default tone (about 15 characters a second). */
const SECONDS_PER_CHAR = 0.065;

/**
 * The default fake speech: a 440 Hz tone at -10 dBFS whose length follows the text (at least
 * 0.2 s), with 5 ms fades so chunk boundaries are easy to check for clicks.
 */
export function toneSpeech(text: string, sampleRateHz: number): Int16Array {
  const seconds = Math.max(0.2, text.trim().length * SECONDS_PER_CHAR);
  const n = Math.round(seconds * sampleRateHz);
  const fade = Math.round(0.005 * sampleRateHz);
  const out = new Int16Array(n);
  const amplitude = 32767 * 10 ** (-10 / 20);
  for (let i = 0; i < n; i++) {
    const envelope = Math.min(1, i / fade, (n - 1 - i) / fade);
    out[i] = Math.round(amplitude * envelope * Math.sin((2 * Math.PI * 440 * i) / sampleRateHz));
  }
  return out;
}

/** PCM16 samples as little-endian bytes. */
export function pcmBytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** Splits `bytes` into pieces of `size` bytes (the last may be shorter). */
export function slices(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
  return out;
}

/** A WAV file (RIFF, PCM 16-bit mono) holding `samples`. */
export function wavFile(samples: Int16Array, sampleRateHz: number): Buffer {
  const data = pcmBytes(samples);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRateHz, 24);
  header.writeUInt32LE(sampleRateHz * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
