import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpeechError } from '../../contracts/errors.js';

/** A VITS voice (Piper voices are VITS models with espeak-ng phonemisation) found in a directory. */
export interface SherpaTtsModel {
  kind: 'vits';
  model: string;
  tokens: string;
  /** Piper and other espeak-based voices. */
  dataDir: string | undefined;
  /** Lexicon-based VITS voices. */
  lexicon: string | undefined;
}

/** A speech recognition model found in a directory. */
export type SherpaSttModel =
  | { kind: 'whisper'; encoder: string; decoder: string; tokens: string }
  | { kind: 'transducer'; encoder: string; decoder: string; joiner: string; tokens: string };

function unavailable(message: string): SpeechError {
  return new SpeechError('unavailable', message, { provider: 'sherpa-onnx' });
}

function listDir(dir: string, what: string): string[] {
  if (!existsSync(dir)) throw unavailable(`sherpa-onnx ${what} model directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw unavailable(`sherpa-onnx ${what} model path ${dir} is not a directory`);
  return readdirSync(dir).sort();
}

/** Prefers the int8 build of a model when both are there (smaller, faster on CPU). */
function pick(files: string[], test: (f: string) => boolean): string | undefined {
  const matches = files.filter((f) => f.endsWith('.onnx') && test(f));
  return matches.find((f) => f.includes('.int8.')) ?? matches[0];
}

/**
 * Finds a VITS/Piper voice in `dir`: exactly one `.onnx` model, `tokens.txt`, and either an
 * `espeak-ng-data/` directory holding `phontab` (Piper) or a `lexicon.txt`. Anything missing
 * fails with `unavailable` listing what is missing, so an operator can fix the directory.
 */
export function findTtsModel(dir: string): SherpaTtsModel {
  const files = listDir(dir, 'TTS');
  const models = files.filter((f) => f.endsWith('.onnx'));
  const missing: string[] = [];
  if (models.length === 0) missing.push('a .onnx voice model');
  if (models.length > 1) throw unavailable(`sherpa-onnx TTS model directory ${dir} holds several .onnx files (${models.join(', ')}); keep one voice per directory`);
  if (!files.includes('tokens.txt')) missing.push('tokens.txt');
  const hasEspeak = files.includes('espeak-ng-data') && existsSync(join(dir, 'espeak-ng-data', 'phontab'));
  const hasLexicon = files.includes('lexicon.txt');
  if (!hasEspeak && !hasLexicon) missing.push('espeak-ng-data/ (with phontab) or lexicon.txt');
  if (missing.length > 0) throw unavailable(`sherpa-onnx TTS model directory ${dir} is incomplete: missing ${missing.join(', ')}`);
  return {
    kind: 'vits',
    model: join(dir, models[0]!),
    tokens: join(dir, 'tokens.txt'),
    dataDir: hasEspeak ? join(dir, 'espeak-ng-data') : undefined,
    lexicon: hasLexicon ? join(dir, 'lexicon.txt') : undefined,
  };
}

/**
 * Finds a recognition model in `dir`: a transducer (`encoder*.onnx`, `decoder*.onnx`,
 * `joiner*.onnx`, `tokens.txt`, as Zipformer releases are laid out) or Whisper
 * (`*encoder*.onnx`, `*decoder*.onnx`, `*tokens.txt`). Fails with `unavailable` naming what is
 * missing.
 */
export function findSttModel(dir: string): SherpaSttModel {
  const files = listDir(dir, 'STT');
  const encoder = pick(files, (f) => f.includes('encoder'));
  const decoder = pick(files, (f) => f.includes('decoder'));
  const joiner = pick(files, (f) => f.includes('joiner'));
  const tokens = files.includes('tokens.txt') ? 'tokens.txt' : files.find((f) => f.endsWith('tokens.txt'));
  const missing = [encoder ? null : 'an encoder .onnx', decoder ? null : 'a decoder .onnx', tokens ? null : 'tokens.txt'].filter((m): m is string => m !== null);
  if (missing.length > 0) throw unavailable(`sherpa-onnx STT model directory ${dir} is incomplete: missing ${missing.join(', ')}`);
  const at = (f: string): string => join(dir, f);
  if (joiner !== undefined) return { kind: 'transducer', encoder: at(encoder!), decoder: at(decoder!), joiner: at(joiner), tokens: at(tokens!) };
  if (files.some((f) => f.includes('whisper') || /^(tiny|base|small|medium|large|distil)/.test(f))) {
    return { kind: 'whisper', encoder: at(encoder!), decoder: at(decoder!), tokens: at(tokens!) };
  }
  throw unavailable(`sherpa-onnx STT model directory ${dir} is incomplete: an encoder and decoder without a joiner must be a Whisper export (file names starting with tiny, base, small, medium, large or distil, or containing "whisper"); a transducer also needs a joiner .onnx`);
}
