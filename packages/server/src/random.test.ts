import { describe, expect, it } from 'vitest';
import { secureRandomBytes } from './random.js';

describe('secureRandomBytes', () => {
  it('returns independent buffers of the requested size, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = secureRandomBytes(16);
      expect(bytes).toHaveLength(16);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
    const kept = secureRandomBytes(32);
    const copy = Buffer.from(kept);
    for (let i = 0; i < 300; i++) secureRandomBytes(32);
    expect(kept.equals(copy)).toBe(true);
  });

  it('serves sizes above the pooled range straight from the CSPRNG', () => {
    expect(secureRandomBytes(4096)).toHaveLength(4096);
    expect(secureRandomBytes(0)).toHaveLength(0);
  });
});
