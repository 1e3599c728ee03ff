import { isAbsolute } from 'node:path';
import { SpeechError } from '../../contracts/errors.js';

function bad(message: string): SpeechError {
  return new SpeechError('unsupported', `sherpa-onnx: ${message}`, { provider: 'sherpa-onnx' });
}

/** Checks a model directory option: a non-empty absolute path. */
export function checkModelDir(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw bad('modelDir is required (the directory holding the model files)');
  if (!isAbsolute(value)) throw bad(`modelDir must be an absolute path, got "${value}"`);
  return value;
}

/** Checks an optional number option against an inclusive range. */
export function checkRange(name: string, value: number | undefined, min: number, max: number, integer = false): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw bad(`${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got ${String(value)}`);
  }
}
