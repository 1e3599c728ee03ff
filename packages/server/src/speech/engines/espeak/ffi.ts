import koffi from 'koffi';
import { SpeechError } from '../../contracts/errors.js';
import { loadNativeLibrary } from '../native.js';

/** A voice from `espeak_ListVoices`, reduced to what adapters need. */
export interface EspeakVoiceInfo {
  /** The voice's primary language tag (`en-us`, `fr-fr`, `hi`). */
  language: string;
  /** The voice file that selects it (`gmw/en-US`, `roa/fr`). */
  identifier: string;
  gender: 'female' | 'male' | null;
}

const AUDIO_OUTPUT_SYNCHRONOUS = 2;
const POS_CHARACTER = 1;
const ESPEAK_CHARS_UTF8 = 1;
const ESPEAK_INITIALIZE_DONT_EXIT = 0x8000;
const ESPEAK_RATE = 1;
/** Audio arrives in callbacks of this many ms. */
const CALLBACK_BUFFER_MS = 100;

const EspeakVoice = koffi.struct('unpod_espeak_voice', {
  name: 'const char *',
  languages: 'void *',
  identifier: 'const char *',
  gender: 'uint8_t',
  age: 'uint8_t',
  variant: 'uint8_t',
  xx1: 'uint8_t',
  score: 'int',
  spare: 'void *',
});
const SynthCallback = koffi.proto('int unpod_espeak_synth_cb(void *wav, int numsamples, void *events)');

interface EspeakCore {
  sampleRateHz: number;
  voices: EspeakVoiceInfo[];
  setVoiceByName: (name: string) => number;
  setParameter: (parameter: number, value: number, relative: number) => number;
  synth: (text: Buffer, size: number, position: number, positionType: number, endPosition: number, flags: number, uid: null, user: null) => number;
  /** Where the registered callback delivers chunks during `synth`. */
  receiver: ((samples: Int16Array) => void) | undefined;
}

let core: EspeakCore | undefined;

/**
 * Initialises libespeak-ng (Debian `libespeak-ng1` + `espeak-ng-data`) once, in synchronous mode:
 * `espeak_Synth` runs on the calling thread and hands audio to a callback as it goes.
 */
export function espeakCore(): EspeakCore {
  if (core !== undefined) return core;
  const lib = loadNativeLibrary('libespeak-ng.so.1', 'libespeak-ng1', 'espeak-ng');
  const initialize = lib.func('int espeak_Initialize(int output, int buflength, const char *path, int options)');
  const sampleRateHz = initialize(AUDIO_OUTPUT_SYNCHRONOUS, CALLBACK_BUFFER_MS, null, ESPEAK_INITIALIZE_DONT_EXIT) as number;
  if (sampleRateHz <= 0) {
    throw new SpeechError('unavailable', 'espeak-ng failed to initialise: install the Debian package espeak-ng-data', { provider: 'espeak-ng' });
  }
  const listVoices = lib.func('void *espeak_ListVoices(void *spec)');
  const created: EspeakCore = {
    sampleRateHz,
    voices: readVoices(listVoices(null)),
    setVoiceByName: lib.func('int espeak_SetVoiceByName(const char *name)'),
    setParameter: lib.func('int espeak_SetParameter(int parameter, int value, int relative)'),
    synth: lib.func(
      'int espeak_Synth(const void *text, size_t size, unsigned int position, int position_type, unsigned int end_position, unsigned int flags, void *uid, void *user)',
    ),
    receiver: undefined,
  };
  const callback = koffi.register((wav: unknown, count: number) => {
    if (wav !== null && count > 0) {
      const bytes = koffi.view(wav, count * 2).slice(0);
      created.receiver?.(new Int16Array(bytes));
    }
    return 0;
  }, koffi.pointer(SynthCallback));
  lib.func('void espeak_SetSynthCallback(unpod_espeak_synth_cb *cb)')(callback);
  core = created;
  return core;
}

/** Reads the NULL-terminated `espeak_VOICE *` array; one entry per primary language. */
function readVoices(array: unknown): EspeakVoiceInfo[] {
  const byLanguage = new Map<string, EspeakVoiceInfo>();
  for (let i = 0; ; i++) {
    const entry: unknown = koffi.decode(array, i * koffi.sizeof('void *'), 'void *');
    if (entry === null) break;
    const voice = koffi.decode(entry, EspeakVoice) as { languages: unknown; identifier: string | null; gender: number };
    if (voice.languages === null || voice.identifier === null) continue;
    // `languages` is a list of (priority byte, NUL-terminated name); the first is the primary.
    const language = (koffi.decode(voice.languages, 1, 'char', -1) as string).toLowerCase();
    if (language === '' || byLanguage.has(language)) continue;
    byLanguage.set(language, { language, identifier: voice.identifier, gender: voice.gender === 1 ? 'male' : voice.gender === 2 ? 'female' : null });
  }
  return [...byLanguage.values()].sort((a, b) => a.language.localeCompare(b.language));
}

/**
 * Synthesises `text` with the voice file `identifier` (from {@link EspeakVoiceInfo}), calling `onChunk` with ~100 ms PCM16 blocks at
 * {@link EspeakCore.sampleRateHz} as they are produced. Synchronous: returns when done.
 */
export function espeakSynthesize(text: string, identifier: string, wordsPerMinute: number, onChunk: (samples: Int16Array) => void): void {
  const es = espeakCore();
  if (es.setVoiceByName(identifier) !== 0) {
    throw new SpeechError('unsupported', `espeak-ng could not load voice "${identifier}"`, { provider: 'espeak-ng' });
  }
  es.setParameter(ESPEAK_RATE, wordsPerMinute, 0);
  const bytes = Buffer.from(`${text}\0`, 'utf8');
  es.receiver = onChunk;
  try {
    const rc = es.synth(bytes, bytes.length, 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, null, null);
    if (rc !== 0) throw new SpeechError('provider_error', `espeak_Synth failed with ${rc}`, { provider: 'espeak-ng' });
  } finally {
    es.receiver = undefined;
  }
}
