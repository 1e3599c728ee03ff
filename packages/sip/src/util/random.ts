import { randomBytes } from 'node:crypto';

/** Random lowercase alphanumeric token of `length` characters, for tags, Call-IDs and branches. */
export function randomToken(length = 16): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** Unsigned 32-bit random integer (RTP SSRC, initial timestamps). */
export function randomUint32(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** Unsigned 16-bit random integer (initial RTP sequence numbers). */
export function randomUint16(): number {
  return randomBytes(2).readUInt16BE(0);
}
