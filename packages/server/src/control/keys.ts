import { createHash } from 'node:crypto';
import { secureRandomBytes } from '../random.js';

/**
 * API keys and one-use tokens: random secrets shown once, stored only as SHA-256 hashes. The
 * secrets carry 256 bits of entropy, so a fast hash is sufficient (no password stretching).
 */
export function generateSecret(prefix: 'sk' | 'st' | 'ct'): string {
  return `${prefix}_${secureRandomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** `sk_3f9a…b21c`: enough to tell keys apart in a list, useless to an attacker. */
export function maskSecret(secret: string): string {
  const body = secret.slice(secret.indexOf('_') + 1);
  return `${secret.slice(0, secret.indexOf('_') + 1)}${body.slice(0, 4)}…${body.slice(-4)}`;
}
