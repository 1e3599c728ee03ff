import { decodeAlaw, decodeMulaw } from './g711.js';
import { pcm16FromBytes } from './pcm16.js';
import {
  EXTENSIBLE_GUID_TAIL,
  WAVE_FORMAT_ALAW,
  WAVE_FORMAT_EXTENSIBLE,
  WAVE_FORMAT_MULAW,
  WAVE_FORMAT_PCM,
  WavError,
  type WavAudio,
  type WavEncoding,
} from './wav-format.js';

/** Options for {@link parseWav}. */
export interface ParseWavOptions {
  /**
   * Accept a data chunk that claims more bytes than the file holds (a recording whose writer died
   * before patching its sizes, or a stream cut short) and decode what is there. Default false:
   * such input throws `WavError('truncated')`.
   */
  allowTruncatedData?: boolean;
}

interface FmtInfo {
  encoding: WavEncoding;
  channels: number;
  sampleRateHz: number;
  blockAlign: number;
}

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/**
 * Parses a RIFF/WAVE file held in memory and returns its audio as PCM16.
 *
 * Accepts PCM 16-bit (format 1), 8-bit A-law (6) and μ-law (7), and WAVE_FORMAT_EXTENSIBLE
 * wrapping any of those, with any channel count and rate. Unknown chunks (LIST, fact, cue, ...)
 * are skipped; chunks may come in any order. A trailing partial sample frame is dropped.
 *
 * @throws WavError - `not_riff`, `not_wave`, `no_fmt`, `no_data`, `unsupported_format` or
 * `truncated`; never anything else for malformed bytes. Runs in time linear in the chunk count.
 */
export function parseWav(bytes: Uint8Array, options: ParseWavOptions = {}): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const riff = 'RIFF';
  for (let i = 0; i < Math.min(4, len); i++) {
    if (bytes[i] !== riff.charCodeAt(i)) {
      const head = len >= 4 ? tag(bytes, 0) : '';
      if (head === 'RIFX' || head === 'RF64') {
        throw new WavError('unsupported_format', `${head} files (big-endian or 64-bit RIFF) are not supported`);
      }
      throw new WavError('not_riff', 'input does not start with a RIFF header');
    }
  }
  if (len < 12) throw new WavError('truncated', `input ends after ${len} bytes, inside the RIFF header`);
  if (tag(bytes, 8) !== 'WAVE') throw new WavError('not_wave', `RIFF form type is "${tag(bytes, 8)}", not "WAVE"`);

  // A RIFF size past the end (including a streaming placeholder) means "to the end of the input".
  const riffEnd = Math.min(8 + view.getUint32(4, true), len);
  let fmt: FmtInfo | undefined;
  let dataOffset = -1;
  let dataSize = 0;
  let cutShort = false;
  let offset = 12;
  while (offset < riffEnd) {
    if (offset + 8 > riffEnd) {
      cutShort = true;
      break;
    }
    const id = tag(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + size > riffEnd) throw new WavError('truncated', 'fmt chunk runs past the end of the input');
      fmt = parseFmt(view, body, size);
    } else if (id === 'data' && dataOffset < 0) {
      dataOffset = body;
      dataSize = size;
      // A data chunk that runs to (or past) the end leaves nothing after it to scan.
      if (body + size >= riffEnd) break;
    }
    offset = body + size + (size & 1);
  }
  if (offset > riffEnd && dataOffset < 0) cutShort = true;

  if (fmt === undefined) {
    if (cutShort) throw new WavError('truncated', 'input ends before a fmt chunk');
    throw new WavError('no_fmt', 'no fmt chunk');
  }
  if (dataOffset < 0) {
    if (cutShort) throw new WavError('truncated', 'input ends before a data chunk');
    throw new WavError('no_data', 'no data chunk');
  }
  if (dataOffset + dataSize > len) {
    if (options.allowTruncatedData !== true) {
      throw new WavError('truncated', `data chunk claims ${dataSize} bytes, input holds ${Math.max(0, len - dataOffset)}`);
    }
    dataSize = Math.max(0, len - dataOffset);
  }

  const frames = Math.floor(dataSize / fmt.blockAlign);
  const data = bytes.subarray(dataOffset, dataOffset + frames * fmt.blockAlign);
  const samples =
    fmt.encoding === 'pcm16' ? pcm16FromBytes(data) : fmt.encoding === 'mulaw' ? decodeMulaw(data) : decodeAlaw(data);
  return { sampleRateHz: fmt.sampleRateHz, channels: fmt.channels, samples, encoding: fmt.encoding };
}

function parseFmt(view: DataView, at: number, size: number): FmtInfo {
  if (size < 16) throw new WavError('truncated', `fmt chunk is ${size} bytes, at least 16 expected`);
  let formatTag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRateHz = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw new WavError('truncated', `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, 40 expected`);
    const guid = new Uint8Array(view.buffer, view.byteOffset + at + 24, 16);
    for (let i = 0; i < EXTENSIBLE_GUID_TAIL.length; i++) {
      if (guid[i + 2] !== EXTENSIBLE_GUID_TAIL[i]) {
        throw new WavError('unsupported_format', 'WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID');
      }
    }
    formatTag = view.getUint16(at + 24, true);
  }
  if (channels === 0 || sampleRateHz === 0) {
    throw new WavError('unsupported_format', `fmt declares ${channels} channels at ${sampleRateHz} Hz`);
  }
  let encoding: WavEncoding;
  if (formatTag === WAVE_FORMAT_PCM && bitsPerSample === 16) encoding = 'pcm16';
  else if (formatTag === WAVE_FORMAT_MULAW && bitsPerSample === 8) encoding = 'mulaw';
  else if (formatTag === WAVE_FORMAT_ALAW && bitsPerSample === 8) encoding = 'alaw';
  else {
    throw new WavError(
      'unsupported_format',
      `format 0x${formatTag.toString(16)} with ${bitsPerSample} bits per sample (supported: PCM 16-bit, μ-law and A-law 8-bit)`,
    );
  }
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw new WavError('unsupported_format', `block align ${blockAlign} does not match ${channels} × ${bitsPerSample} bits`);
  }
  return { encoding, channels, sampleRateHz, blockAlign };
}
