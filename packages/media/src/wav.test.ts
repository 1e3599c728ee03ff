import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrng, sine } from './synth.js';
import { readWavFile, WavFileWriter, writeWavFile } from './wav-file.js';
import { EXTENSIBLE_GUID_TAIL, WAV_MAX_DATA_BYTES, WavError, type WavErrorCode } from './wav-format.js';
import { parseWav } from './wav-read.js';
import { encodeWav, wavHeader, WavWriter } from './wav-write.js';

/** Builds a RIFF chunk: 4-char id, little-endian size, body, pad byte when the size is odd. */
function chunk(id: string, body: Uint8Array | number[], declaredSize?: number): Uint8Array {
  const data = Uint8Array.from(body);
  const out = new Uint8Array(8 + data.length + (data.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, declaredSize ?? data.length, true);
  out.set(data, 8);
  return out;
}

function riff(form: string, ...chunks: Uint8Array[]): Uint8Array {
  const body = Buffer.concat([Buffer.from(form, 'latin1'), ...chunks]);
  return Buffer.concat([chunk('RIFF', body)]);
}

function fmt(formatTag: number, channels: number, rateHz: number, bits: number, extra: number[] = []): Uint8Array {
  const b = new Uint8Array(16 + extra.length);
  const v = new DataView(b.buffer);
  const align = (channels * bits) / 8;
  v.setUint16(0, formatTag, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rateHz, true);
  v.setUint32(8, rateHz * align, true);
  v.setUint16(12, align, true);
  v.setUint16(14, bits, true);
  b.set(extra, 16);
  return chunk('fmt ', b);
}

function extensible(subFormat: number, guidTail: Uint8Array = EXTENSIBLE_GUID_TAIL): number[] {
  // cbSize 22, valid bits 16, channel mask 3 (FL|FR), sub-format GUID.
  return [22, 0, 16, 0, 3, 0, 0, 0, subFormat & 0xff, subFormat >> 8, ...guidTail];
}

function expectWavError(run: () => unknown, code: WavErrorCode): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(WavError);
    expect((err as WavError).code).toBe(code);
    return;
  }
  throw new Error(`expected WavError ${code}, nothing was thrown`);
}

const pcmBytes = (values: number[]): Uint8Array => new Uint8Array(Int16Array.from(values).buffer);

describe('parseWav', () => {
  it('round-trips PCM16 mono and stereo at any rate through encodeWav', () => {
    const mono = sine({ frequencyHz: 440, sampleRateHz: 8000, durationMs: 50 });
    expect(parseWav(encodeWav({ sampleRateHz: 8000, channels: 1 }, mono))).toEqual({
      sampleRateHz: 8000, channels: 1, samples: mono, encoding: 'pcm16',
    });
    const stereo = Int16Array.from([1, -1, 32767, -32768, 0, 5]);
    const back = parseWav(encodeWav({ sampleRateHz: 44100, channels: 2 }, stereo));
    expect(back.channels).toBe(2);
    expect(back.sampleRateHz).toBe(44100);
    expect(back.samples).toEqual(stereo);
  });

  it('reads a file that sits at an odd offset inside a larger buffer', () => {
    const file = encodeWav({ sampleRateHz: 16000, channels: 1 }, Int16Array.from([1, 2, 3]));
    const padded = new Uint8Array(file.length + 1);
    padded.set(file, 1);
    expect(Array.from(parseWav(padded.subarray(1)).samples)).toEqual([1, 2, 3]);
  });

  it('decodes 8-bit μ-law (format 7) and A-law (format 6) to PCM16', () => {
    const mulaw = riff('WAVE', fmt(7, 1, 8000, 8, [0, 0]), chunk('fact', [3, 0, 0, 0]), chunk('data', [0xff, 0x00, 0x80]));
    expect(parseWav(mulaw)).toMatchObject({ encoding: 'mulaw', sampleRateHz: 8000 });
    expect(Array.from(parseWav(mulaw).samples)).toEqual([0, -32124, 32124]);
    const alaw = riff('WAVE', fmt(6, 1, 8000, 8), chunk('data', [0xd5, 0x55, 0xaa, 0x2a]));
    expect(Array.from(parseWav(alaw).samples)).toEqual([8, -8, 32256, -32256]);
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE with a PCM or G.711 sub-format', () => {
    const pcm = riff('WAVE', fmt(0xfffe, 2, 48000, 16, extensible(1)), chunk('data', pcmBytes([10, -10, 20, -20])));
    expect(parseWav(pcm)).toMatchObject({ encoding: 'pcm16', channels: 2, sampleRateHz: 48000 });
    expect(Array.from(parseWav(pcm).samples)).toEqual([10, -10, 20, -20]);
    const mulaw = riff('WAVE', fmt(0xfffe, 1, 8000, 8, extensible(7)), chunk('data', [0xff]));
    expect(parseWav(mulaw).encoding).toBe('mulaw');
  });

  it('skips unknown and odd-sized chunks in any order, including data before fmt', () => {
    const file = riff(
      'WAVE',
      chunk('LIST', [1, 2, 3]),
      chunk('data', pcmBytes([7, 8])),
      chunk('junk', []),
      fmt(1, 1, 16000, 16),
    );
    expect(Array.from(parseWav(file).samples)).toEqual([7, 8]);
  });

  it('drops a trailing partial sample frame', () => {
    const file = riff('WAVE', fmt(1, 2, 8000, 16), chunk('data', [1, 0, 2, 0, 3, 0]));
    expect(Array.from(parseWav(file).samples)).toEqual([1, 2]);
  });

  it.each<[string, () => Uint8Array, WavErrorCode]>([
    ['empty input', () => new Uint8Array(0), 'truncated'],
    ['a cut RIFF header', () => Buffer.from('RIFF\x10\0', 'latin1'), 'truncated'],
    ['not RIFF', () => Buffer.from('OggS and more bytes here', 'latin1'), 'not_riff'],
    ['short junk', () => Buffer.from('ID3', 'latin1'), 'not_riff'],
    ['big-endian RIFX', () => Buffer.from('RIFX\0\0\0\x04WAVE', 'latin1'), 'unsupported_format'],
    ['RIFF but AVI', () => riff('AVI ', chunk('data', [])), 'not_wave'],
    ['no fmt chunk', () => riff('WAVE', chunk('data', pcmBytes([1]))), 'no_fmt'],
    ['no data chunk', () => riff('WAVE', fmt(1, 1, 8000, 16), chunk('LIST', [])), 'no_data'],
    ['8-bit PCM', () => riff('WAVE', fmt(1, 1, 8000, 8), chunk('data', [1])), 'unsupported_format'],
    ['24-bit PCM', () => riff('WAVE', fmt(1, 1, 8000, 24), chunk('data', [1, 2, 3])), 'unsupported_format'],
    ['IEEE float', () => riff('WAVE', fmt(3, 1, 8000, 32), chunk('data', [0, 0, 0, 0])), 'unsupported_format'],
    ['zero channels', () => riff('WAVE', fmt(1, 0, 8000, 16), chunk('data', [])), 'unsupported_format'],
    ['zero rate', () => riff('WAVE', fmt(1, 1, 0, 16), chunk('data', [])), 'unsupported_format'],
    [
      'extensible with a foreign GUID',
      () => riff('WAVE', fmt(0xfffe, 1, 8000, 16, extensible(1, new Uint8Array(14))), chunk('data', [])),
      'unsupported_format',
    ],
    ['extensible fmt too short', () => riff('WAVE', fmt(0xfffe, 1, 8000, 16, [0, 0]), chunk('data', [])), 'truncated'],
    ['fmt chunk under 16 bytes', () => riff('WAVE', chunk('fmt ', [1, 0, 1, 0]), chunk('data', [])), 'truncated'],
    ['data longer than the file', () => riff('WAVE', fmt(1, 1, 8000, 16), chunk('data', [1, 0], 4000)), 'truncated'],
    ['input cut inside fmt', () => riff('WAVE', fmt(1, 1, 8000, 16)).subarray(0, 30), 'truncated'],
    ['input cut inside a chunk header', () => riff('WAVE', fmt(1, 1, 8000, 16), chunk('data', [])).subarray(0, 40), 'truncated'],
  ])('throws a precise WavError for %s', (_name, build, code) => {
    expectWavError(() => parseWav(build()), code);
  });

  it('reads what is there when allowTruncatedData is set', () => {
    // 5 data bytes present of 4000 declared: two whole samples and half of a third.
    const file = riff('WAVE', fmt(1, 1, 8000, 16), chunk('data', [1, 0, 2, 0, 3, 0], 4000)).subarray(0, -1);
    expect(Array.from(parseWav(file, { allowTruncatedData: true }).samples)).toEqual([1, 2]);
  });

  it('never throws anything but WavError, and always returns, on corrupted files', () => {
    const good = encodeWav({ sampleRateHz: 8000, channels: 1 }, sine({ frequencyHz: 300, sampleRateHz: 8000, durationMs: 10 }));
    const random = createPrng(4733);
    const foreign: unknown[] = [];
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = Uint8Array.from(good.subarray(0, Math.floor(random() * (good.length + 1))));
      const flips = Math.floor(random() * 6);
      for (let f = 0; f < flips && bytes.length > 0; f++) {
        bytes[Math.floor(random() * Math.min(bytes.length, 60))] = Math.floor(random() * 256);
      }
      try {
        parseWav(bytes, { allowTruncatedData: random() < 0.5 });
      } catch (err) {
        if (!(err instanceof WavError)) foreign.push(err);
      }
    }
    expect(foreign).toEqual([]);
  });
});

describe('WavWriter', () => {
  it('writes the canonical 44-byte header', () => {
    const h = Buffer.from(wavHeader({ sampleRateHz: 16000, channels: 1 }, 8));
    expect(h.toString('latin1', 0, 4)).toBe('RIFF');
    expect(h.readUInt32LE(4)).toBe(44);
    expect(h.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect([h.readUInt32LE(16), h.readUInt16LE(20), h.readUInt16LE(22)]).toEqual([16, 1, 1]);
    expect([h.readUInt32LE(24), h.readUInt32LE(28), h.readUInt16LE(32), h.readUInt16LE(34)]).toEqual([16000, 32000, 2, 16]);
    expect(h.toString('latin1', 36, 40)).toBe('data');
    expect(h.readUInt32LE(40)).toBe(8);
    expectWavError(() => wavHeader({ sampleRateHz: 8000, channels: 1 }, WAV_MAX_DATA_BYTES + 1), 'too_large');
  });

  it('streams with placeholder sizes and patches them at the end', () => {
    const writer = new WavWriter({ sampleRateHz: 8000, channels: 1 });
    const parts = [writer.header(), writer.process(Int16Array.from([1, 2])), writer.process(Int16Array.from([3]))];
    const unpatched = Buffer.concat(parts);
    expect(unpatched.readUInt32LE(40)).toBe(0xffffffff);
    expectWavError(() => parseWav(unpatched), 'truncated');
    expect(Array.from(parseWav(unpatched, { allowTruncatedData: true }).samples)).toEqual([1, 2, 3]);

    unpatched.set(writer.finalHeader(), 0);
    expect(writer.dataBytes).toBe(6);
    expect(Array.from(parseWav(unpatched).samples)).toEqual([1, 2, 3]);
  });
});

describe('WAV files', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'unpod-media-wav-'));
    dirs.push(d);
    return d;
  };

  it('writes and reads a whole file', async () => {
    const path = join(await tempDir(), 'tone.wav');
    const samples = sine({ frequencyHz: 1000, sampleRateHz: 16000, durationMs: 100 });
    await writeWavFile(path, { sampleRateHz: 16000, channels: 1 }, samples);
    expect((await readWavFile(path)).samples).toEqual(samples);
  });

  it('records incrementally, is readable before close, and exact after close', async () => {
    const path = join(await tempDir(), 'call.wav');
    const rec = await WavFileWriter.create(path, { sampleRateHz: 8000, channels: 1 });
    const frame = sine({ frequencyHz: 500, sampleRateHz: 8000, durationMs: 20 });
    await Promise.all([rec.write(frame), rec.write(frame), rec.write(frame)]);
    const midCall = parseWav(await readFile(path), { allowTruncatedData: true });
    expect(midCall.samples.length).toBe(480);
    await rec.close();
    await rec.close();
    const done = await readWavFile(path);
    expect(done.samples.length).toBe(480);
    expect(done.samples.subarray(160, 320)).toEqual(frame);
    await expect(rec.write(frame)).rejects.toMatchObject({ code: 'closed' });
  });
});
