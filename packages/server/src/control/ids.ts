import { ID_PREFIX, type IdKind } from '@unpod/protocol';
import { secureRandomBytes } from '../random.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastMs = 0;
let lastRandom: number[] = [];

/**
 * A new time-ordered id: `<PREFIX>_` + 10 chars of milliseconds + 16 random chars (Crockford
 * base32). Within one millisecond the random part is incremented, so ids from one process are
 * strictly increasing and make stable pagination cursors.
 */
export function newId(kind: IdKind): string {
  const now = Date.now();
  if (now <= lastMs && lastRandom.length === 16) {
    increment(lastRandom);
  } else {
    lastMs = now;
    lastRandom = [...secureRandomBytes(16)].map((b) => b & 31);
  }
  let time = '';
  let t = lastMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return `${ID_PREFIX[kind]}_${time}${lastRandom.map((d) => CROCKFORD[d]).join('')}`;
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]! += 1;
      return;
    }
    digits[i] = 0;
  }
}

/** Current time as ISO-8601 UTC, the format every timestamp column uses. */
export function nowIso(): string {
  return new Date().toISOString();
}
