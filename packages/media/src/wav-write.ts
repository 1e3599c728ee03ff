import { pcm16ToBytes } from './pcm16.js';
import {
  WAV_HEADER_BYTES,
  WAV_MAX_DATA_BYTES,
  WAV_PLACEHOLDER_SIZE,
  WAVE_FORMAT_PCM,
  WavError,
  type WavFormat,
} from './wav-format.js';

function checkFormat(format: WavFormat): void {
  const { sampleRateHz, channels } = format;
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < 1 || sampleRateHz > 0xffffffff) {
    throw new RangeError(`sampleRateHz must be a positive integer, got ${sampleRateHz}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) {
    throw new RangeError(`channels must be an integer from 1 to 65535, got ${channels}`);
  }
}

/**
 * Builds the canonical 44-byte PCM16 header.
 *
 * @param dataBytes - Size of the data chunk, or `undefined` for a recording still being written:
 * both sizes then hold the 0xFFFFFFFF placeholder, which {@link parseWav} with
 * `allowTruncatedData` (and most players) read as "up to the end of the file".
 */
export function wavHeader(format: WavFormat, dataBytes?: number): Uint8Array {
  checkFormat(format);
  if (dataBytes !== undefined && (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > WAV_MAX_DATA_BYTES)) {
    throw new WavError('too_large', `data size ${dataBytes} does not fit a RIFF file`);
  }
  const header = new Uint8Array(WAV_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < 4; i++) header[at + i] = text.charCodeAt(i);
  };
  const blockAlign = format.channels * 2;
  ascii(0, 'RIFF');
  view.setUint32(4, dataBytes === undefined ? WAV_PLACEHOLDER_SIZE : WAV_HEADER_BYTES - 8 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.sampleRateHz, true);
  view.setUint32(28, format.sampleRateHz * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes === undefined ? WAV_PLACEHOLDER_SIZE : dataBytes, true);
  return header;
}

/**
 * Encodes interleaved PCM16 samples as a complete WAV file in memory.
 *
 * @throws WavError - `too_large` past the 4 GiB RIFF limit.
 */
export function encodeWav(format: WavFormat, samples: Int16Array): Uint8Array {
  if (samples.length % format.channels !== 0) {
    throw new RangeError(`${samples.length} samples do not split into ${format.channels} channels`);
  }
  const header = wavHeader(format, samples.length * 2);
  const out = new Uint8Array(WAV_HEADER_BYTES + samples.length * 2);
  out.set(header, 0);
  out.set(pcm16ToBytes(samples), WAV_HEADER_BYTES);
  return out;
}

/**
 * Streaming WAV encoder as pure byte functions, for recordings of unknown length: write
 * `header()` first, append what each `process()` returns, and when the stream ends overwrite the
 * first {@link WAV_HEADER_BYTES} bytes with `finalHeader()`. A file never patched still reads with
 * `parseWav(bytes, { allowTruncatedData: true })`. See `WavFileWriter` for the file-backed shell.
 */
export class WavWriter {
  private written = 0;

  constructor(readonly format: WavFormat) {
    checkFormat(format);
  }

  /** Data bytes accepted so far. */
  get dataBytes(): number {
    return this.written;
  }

  /** Header with placeholder sizes, to write at offset 0 before any data. */
  header(): Uint8Array {
    return wavHeader(this.format);
  }

  /**
   * Encodes a chunk of interleaved samples; returns the bytes to append.
   *
   * @throws WavError - `too_large` when the file would pass the RIFF size limit (nothing is counted).
   */
  process(samples: Int16Array): Uint8Array {
    if (samples.length % this.format.channels !== 0) {
      throw new RangeError(`${samples.length} samples do not split into ${this.format.channels} channels`);
    }
    const bytes = samples.length * 2;
    if (this.written + bytes > WAV_MAX_DATA_BYTES) {
      throw new WavError('too_large', 'recording would pass the 4 GiB RIFF limit');
    }
    this.written += bytes;
    return pcm16ToBytes(samples);
  }

  /** Header with the real sizes, to write over the placeholder one at offset 0. */
  finalHeader(): Uint8Array {
    return wavHeader(this.format, this.written);
  }
}
