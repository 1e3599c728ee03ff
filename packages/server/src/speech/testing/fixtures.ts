import { concatPcm16, createResampler, decodeMulaw, encodeMulaw } from '@unpod/media';
import { fliteTextToWave } from '../engines/flite/ffi.js';

/**
 * Test audio made at run time with flite (pocketsphinx reads flite voices well and espeak-ng
 * voices badly, so recognition fixtures always come from flite).
 */

/** Caller-like sentences with numbers spelled out, scored by word error rate. */
export const CALLER_SENTENCES: readonly string[] = [
  'my order number is four five six seven eight',
  'yes that is correct',
  'i would like to book a table for two people',
  'can you tell me the opening hours please',
  'my name is john smith and i live in boston',
  'please cancel my appointment for tomorrow',
  'the total amount is twenty three dollars',
  'i want to speak to a human agent',
  'no thank you that will be all',
  'my phone number is nine one two three four five',
];

/** Digit strings as a caller reads out an account or phone number. */
export const DIGIT_STRINGS: readonly string[] = [
  'four five six seven eight',
  'nine one two three four five',
  'three three zero one',
  'seven two eight eight six one',
  'five oh four two',
  'one nine seven three',
  'two four six eight zero',
  'eight one five five nine two',
];

/** Accepts any sequence of digits (with "oh" for zero), as a phone-number turn would. */
export const DIGITS_JSGF =
  '#JSGF V1.0;\ngrammar digits;\npublic <digits> = ( oh | zero | one | two | three | four | five | six | seven | eight | nine )+ ;\n';

/** Speech from a flite voice at its native rate (16 kHz for slt, rms, awb, kal16). */
export async function speak(text: string, voice = 'slt'): Promise<{ samples: Int16Array; sampleRateHz: number }> {
  return fliteTextToWave(text, voice);
}

/** What a SIP trunk delivers: 16 kHz speech down to 8 kHz, through a G.711 mu-law round trip. */
export async function toTelephone(samples16k: Int16Array): Promise<Int16Array> {
  const down = await createResampler({ inRateHz: 16_000, outRateHz: 8000 });
  try {
    const body = down.process(samples16k);
    const tail = down.flush();
    const narrow = new Int16Array(body.length + tail.length);
    narrow.set(body, 0);
    narrow.set(tail, body.length);
    return decodeMulaw(encodeMulaw(narrow));
  } finally {
    down.close();
  }
}

/** `ms` of silence at `sampleRateHz`. */
export function silence(ms: number, sampleRateHz: number): Int16Array {
  return new Int16Array(Math.round((ms * sampleRateHz) / 1000));
}

/** Lower case, punctuation dropped, single spaces. */
export function normaliseWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** Word-level edit distance between a reference and a hypothesis. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const r = normaliseWords(reference);
  const h = normaliseWords(hypothesis);
  let previous = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const current = [i];
    for (let j = 1; j <= h.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return { errors: previous[h.length]!, words: r.length };
}

/** Word error rate (0..1+) over reference/hypothesis pairs. */
export function wordErrorRate(pairs: readonly { reference: string; hypothesis: string }[]): number {
  let errors = 0;
  let words = 0;
  for (const p of pairs) {
    const e = wordErrors(p.reference, p.hypothesis);
    errors += e.errors;
    words += e.words;
  }
  return words === 0 ? 0 : errors / words;
}

/** Root-mean-square level of PCM16, 0..32768. */
export function rmsLevel(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

/** Splits audio into frames of `frameMs` (the last may be shorter). */
export function* frames(samples: Int16Array, sampleRateHz: number, frameMs = 20): Generator<Int16Array> {
  const size = Math.round((sampleRateHz * frameMs) / 1000);
  for (let at = 0; at < samples.length; at += size) yield samples.subarray(at, Math.min(samples.length, at + size));
}

/** Joins PCM16 blocks. */
export const concat = concatPcm16;
