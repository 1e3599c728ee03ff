import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * Cryptographically random bytes, served from a pool refilled from the CSPRNG 4 KiB at a time
 * (as `crypto.randomUUID()` does). Every `crypto.randomBytes()` call is a trip into OpenSSL that
 * costs ~20 µs here, and one call setup needs five ids and tokens. Bytes are copied out and
 * handed out once.
 */
export function secureRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES / 8) return randomBytes(size);
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return out;
}
