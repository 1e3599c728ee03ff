import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE, SecretBox, SecretBoxError } from './secret-box.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'unpod-secrets-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('SecretBox (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV each time, and only under the same context', () => {
    const box = SecretBox.fromKey(randomBytes(32));
    const a = box.seal('{"api_key":"k-123"}', 'row-1');
    const b = box.seal('{"api_key":"k-123"}', 'row-1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\./);
    expect(box.open(a, 'row-1')).toBe('{"api_key":"k-123"}');
    expect(() => box.open(a, 'row-2')).toThrow(SecretBoxError);
  });

  it('detects altered ciphertext, a wrong key and a truncated or unknown format', () => {
    const box = SecretBox.fromKey(randomBytes(32));
    const sealed = box.seal('secret', 'ctx');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1.${raw.toString('base64')}`, 'ctx')).toThrow(/cannot be decrypted/);
    expect(() => SecretBox.fromKey(randomBytes(32)).open(sealed, 'ctx')).toThrow(/cannot be decrypted/);
    expect(() => box.open('v1.AAAA', 'ctx')).toThrow(/truncated/);
    expect(() => box.open('v2.AAAA', 'ctx')).toThrow(/unknown secret format/);
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => SecretBox.fromKey(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('generates the key file once with mode 0600 and reuses it', async () => {
    const first = await SecretBox.load({ key: null, dataDir: dir });
    const file = path.join(dir, SECRET_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toHaveLength(32);
    const sealed = first.seal('x', 'c');
    const second = await SecretBox.load({ key: null, dataDir: dir });
    expect(second.open(sealed, 'c')).toBe('x');
  });

  it('prefers the given key (UNPOD_SECRET_KEY) and creates no file', async () => {
    const key = randomBytes(32);
    const box = await SecretBox.load({ key, dataDir: dir });
    expect(SecretBox.fromKey(key).open(box.seal('y', 'c'), 'c')).toBe('y');
    await expect(stat(path.join(dir, SECRET_KEY_FILE))).rejects.toThrow();
  });

  it('refuses a key file other users can read, and one that does not hold a key', async () => {
    await SecretBox.load({ key: null, dataDir: dir });
    const file = path.join(dir, SECRET_KEY_FILE);
    await chmod(file, 0o644);
    await expect(SecretBox.load({ key: null, dataDir: dir })).rejects.toThrow(/readable by other users/);
    await rm(file);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, 'not a key\n', { mode: 0o600 });
    await expect(SecretBox.load({ key: null, dataDir: dir })).rejects.toThrow(/does not hold/);
  });
});
