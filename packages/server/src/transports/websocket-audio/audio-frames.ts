/** Caller audio rates a WebSocket audio client may ask for (`sample_rate` query parameter). */
export const AUDIO_SAMPLE_RATES_HZ: readonly number[] = [8000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

export const DEFAULT_AUDIO_SAMPLE_RATE_HZ = 16_000;

/** Longest binary frame accepted, as audio time (larger frames are refused with an error event). */
export const MAX_AUDIO_FRAME_MS = 1000;

/** `sample_rate` from a client URL: the default when absent, null when unusable. */
export function parseSampleRate(raw: string | null): number | null {
  if (raw === null || raw === '') return DEFAULT_AUDIO_SAMPLE_RATE_HZ;
  if (!/^\d{4,6}$/.test(raw)) return null;
  const rate = Number(raw);
  return AUDIO_SAMPLE_RATES_HZ.includes(rate) ? rate : null;
}

export type AudioFrameProblem = { code: 'invalid_audio' | 'audio_frame_too_large'; message: string };

/** Why a binary frame cannot be caller audio, or null when it can. */
export function checkAudioFrame(byteLength: number, sampleRateHz: number): AudioFrameProblem | null {
  if (byteLength % 2 !== 0) {
    return { code: 'invalid_audio', message: `binary frames are PCM16 little-endian: ${byteLength} bytes is not a whole number of samples` };
  }
  const maxBytes = (sampleRateHz * 2 * MAX_AUDIO_FRAME_MS) / 1000;
  if (byteLength > maxBytes) {
    return { code: 'audio_frame_too_large', message: `audio frames may hold at most ${MAX_AUDIO_FRAME_MS} ms (${maxBytes} bytes at ${sampleRateHz} Hz); got ${byteLength} bytes` };
  }
  return null;
}
