/**
 * Shared RIFF/WAVE definitions for the reader and writer.
 *
 * @packageDocumentation
 */

/** Closed set of WAV error codes; branch on these, never on the message. */
export type WavErrorCode =
  | 'not_riff'
  | 'not_wave'
  | 'no_fmt'
  | 'no_data'
  | 'unsupported_format'
  | 'truncated'
  | 'too_large'
  | 'closed';

/** The only error the WAV functions throw for bad input. */
export class WavError extends Error {
  override readonly name = 'WavError';
  constructor(
    readonly code: WavErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** How samples were stored in the file; the reader always returns PCM16. */
export type WavEncoding = 'pcm16' | 'mulaw' | 'alaw';

/** Decoded audio. `samples` is interleaved when `channels > 1`. */
export interface WavAudio {
  sampleRateHz: number;
  channels: number;
  samples: Int16Array;
  /** Encoding found in the file (the reader decodes G.711 to PCM16). */
  encoding: WavEncoding;
}

/** Layout of PCM16 audio to write. */
export interface WavFormat {
  sampleRateHz: number;
  channels: number;
}

/** WAVE_FORMAT_* codes (RFC 2361 registry). */
export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_ALAW = 0x0006;
export const WAVE_FORMAT_MULAW = 0x0007;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Bytes 2..15 shared by every KSDATAFORMAT_SUBTYPE_* GUID whose first two bytes are a format code. */
export const EXTENSIBLE_GUID_TAIL = Uint8Array.of(
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
);

/** Size of the canonical PCM header the writer produces (RIFF + fmt(16) + data headers). */
export const WAV_HEADER_BYTES = 44;

/** Largest data chunk a 32-bit RIFF size can describe alongside the 44-byte header. */
export const WAV_MAX_DATA_BYTES = 0xffffffff - (WAV_HEADER_BYTES - 8);

/** Size written in place of the real ones while a recording is still open. */
export const WAV_PLACEHOLDER_SIZE = 0xffffffff;
