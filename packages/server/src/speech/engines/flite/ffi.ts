import koffi from 'koffi';
import { SpeechError } from '../../contracts/errors.js';
import { Mutex } from '../../util/mutex.js';
import { callAsync, loadNativeLibrary, type NativeLibrary } from '../native.js';

/** A flite voice shipped in Debian (`libflite1`: `libflite_cmu_us_<name>.so.1`). */
export interface FliteVoiceInfo {
  id: string;
  sampleRateHz: number;
  gender: 'female' | 'male';
}

/** Voices Debian's `libflite1` ships, with their native rates. */
export const FLITE_VOICES: readonly FliteVoiceInfo[] = [
  { id: 'slt', sampleRateHz: 16_000, gender: 'female' },
  { id: 'rms', sampleRateHz: 16_000, gender: 'male' },
  { id: 'awb', sampleRateHz: 16_000, gender: 'male' },
  { id: 'kal16', sampleRateHz: 16_000, gender: 'male' },
  { id: 'kal', sampleRateHz: 8000, gender: 'male' },
];

/** `cst_wave` from `cst_wave.h`. */
const CstWave = koffi.struct('unpod_cst_wave', {
  type: 'const char *',
  sample_rate: 'int',
  num_samples: 'int',
  num_channels: 'int',
  samples: 'void *',
});

interface FliteCore {
  textToWave: { async: (...args: never[]) => unknown };
  deleteWave: (wave: unknown) => void;
}

let core: FliteCore | undefined;
/** flite's C state is global: one synthesis at a time in the whole process. */
const fliteLock = new Mutex();
const voices = new Map<string, unknown>();
/** Voice libraries stay loaded for the process: registered voices point into them. */
const voiceLibraries: NativeLibrary[] = [];

function fliteCore(): FliteCore {
  if (core !== undefined) return core;
  const lib = loadNativeLibrary('libflite.so.1', 'libflite1', 'flite');
  lib.func('int flite_init()')();
  core = {
    textToWave: lib.func('void *flite_text_to_wave(const char *text, void *voice)'),
    deleteWave: lib.func('void delete_wave(void *wave)'),
  };
  return core;
}

/** Loads (once) and returns the `cst_voice *` of a Debian flite voice. */
export function fliteVoice(id: string): unknown {
  const known = voices.get(id);
  if (known !== undefined) return known;
  fliteCore();
  const lib = loadNativeLibrary(`libflite_cmu_us_${id}.so.1`, 'libflite1', 'flite');
  voiceLibraries.push(lib);
  const voice: unknown = lib.func(`void *register_cmu_us_${id}(const char *voxdir)`)(null);
  if (voice === null) throw new SpeechError('unavailable', `flite voice ${id} failed to register`, { provider: 'flite' });
  voices.set(id, voice);
  return voice;
}

/**
 * Renders `text` with a flite voice on koffi's worker thread, one call at a time per process
 * (concurrent calls corrupt flite's global state and change the audio). Returns mono PCM16 at the
 * voice's rate.
 */
export function fliteTextToWave(text: string, voiceId: string, signal?: AbortSignal): Promise<{ samples: Int16Array; sampleRateHz: number }> {
  return fliteLock.run(() => {
    if (signal?.aborted) throw new SpeechError('aborted', 'synthesis was aborted', { provider: 'flite' });
    return renderWave(text, voiceId);
  });
}

async function renderWave(text: string, voiceId: string): Promise<{ samples: Int16Array; sampleRateHz: number }> {
  const voice = fliteVoice(voiceId);
  const { textToWave, deleteWave } = fliteCore();
  const wave = await callAsync<unknown>(textToWave, text, voice);
  if (wave === null) throw new SpeechError('provider_error', 'flite produced no audio', { provider: 'flite' });
  try {
    const head = koffi.decode(wave, CstWave) as { sample_rate: number; num_samples: number; num_channels: number; samples: unknown };
    if (head.num_channels !== 1) throw new SpeechError('provider_error', `flite returned ${head.num_channels} channels`, { provider: 'flite' });
    const samples =
      head.num_samples > 0 ? (koffi.decode(head.samples, koffi.array('int16_t', head.num_samples, 'Typed')) as Int16Array) : new Int16Array(0);
    return { samples, sampleRateHz: head.sample_rate };
  } finally {
    deleteWave(wave);
  }
}
