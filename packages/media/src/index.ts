/**
 * `@unpod/media`: the media DSP cores of Unpod. Everything here is synchronous and free of timers
 * and I/O (`process(input): output[]`), except {@link createResampler}'s one-time WASM load and
 * the WAV file helpers in `wav-file`.
 *
 * @packageDocumentation
 */

export {
  alawToLinear,
  decodeAlaw,
  decodeMulaw,
  encodeAlaw,
  encodeMulaw,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
} from './g711.js';

export { clampPcm16, dbfs, pcm16FromBytes, pcm16ToBytes, PCM16_FULL_SCALE, rms } from './pcm16.js';
export { FrameSplitter, type FrameSplitterOptions } from './frame-splitter.js';

export {
  createResampler,
  ResamplerError,
  type Resampler,
  type ResamplerErrorCode,
  type ResamplerOptions,
} from './resampler.js';
export { FoldingUpsampler } from './folding-upsampler.js';

export {
  WavError,
  WAV_HEADER_BYTES,
  type WavAudio,
  type WavEncoding,
  type WavErrorCode,
  type WavFormat,
} from './wav-format.js';
export { parseWav, type ParseWavOptions } from './wav-read.js';
export { encodeWav, wavHeader, WavWriter } from './wav-write.js';
export { readWavFile, WavFileWriter, writeWavFile } from './wav-file.js';

export { EnergyVad, type EnergyVadOptions, type VadEvent } from './energy-vad.js';

export {
  decodeTelephoneEvent,
  DTMF_DIGITS,
  dtmfDigitOf,
  dtmfEventCode,
  encodeTelephoneEvent,
  isDtmfDigit,
  TELEPHONE_EVENT_BYTES,
  type DtmfDigit,
  type TelephoneEvent,
} from './dtmf.js';
export {
  DtmfReceiver,
  planDtmfPackets,
  type DtmfKeyPress,
  type DtmfReceiverOptions,
  type DtmfSendOptions,
  type PlannedDtmfPacket,
  type TelephoneEventPacket,
} from './rfc4733.js';
export { DtmfDetector, type DtmfDetectorOptions, type DtmfTone } from './dtmf-detector.js';
export { goertzelAmplitude } from './goertzel.js';

export {
  JitterBuffer,
  type AdaptiveDelayOptions,
  type JitterBufferOptions,
  type JitterBufferStats,
  type JitterPacket,
  type LostFrame,
  type PlayoutFrame,
  type PushResult,
} from './jitter-buffer.js';

export { measureTone, type ToneMeasurement } from './analysis.js';
export {
  concatPcm16,
  createPrng,
  dbfsToAmplitude,
  mixInto,
  sine,
  whiteNoise,
  type NoiseOptions,
  type Prng,
  type SineOptions,
} from './synth.js';
