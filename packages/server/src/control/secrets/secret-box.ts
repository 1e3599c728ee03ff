import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Name of the key file generated in the data directory when `UNPOD_SECRET_KEY` is not set. */
export const SECRET_KEY_FILE = 'secret.key';

/** A secret that cannot be decrypted (wrong master key, or ciphertext moved or altered). */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/**
 * Authenticated encryption of stored secrets with AES-256-GCM: a fresh 96-bit IV per secret and
 * associated data binding the ciphertext to its row, so a secret copied onto another row (another
 * space, another provider) fails to open. Sealed form: `v1.<base64(iv | tag | ciphertext)>`.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** A box over a 32-byte master key. */
  static fromKey(key: Buffer): SecretBox {
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`the master key must be ${KEY_BYTES} bytes, got ${key.length}`);
    return new SecretBox(Buffer.from(key));
  }

  /**
   * The master key given (from `UNPOD_SECRET_KEY`), or the one in `<dataDir>/secret.key`,
   * generated on first use with mode 0600. A key file readable by others is refused.
   */
  static async load(options: { key: Buffer | null; dataDir: string }): Promise<SecretBox> {
    if (options.key !== null) return SecretBox.fromKey(options.key);
    const file = path.join(options.dataDir, SECRET_KEY_FILE);
    await mkdir(options.dataDir, { recursive: true });
    try {
      await writeFile(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) {
      throw new SecretBoxError(`${file} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it`);
    }
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`${file} does not hold a base64 ${KEY_BYTES}-byte key`);
    await chmod(file, 0o600);
    return new SecretBox(key);
  }

  /** Encrypts `plaintext`, bound to `context` (e.g. the row's space, provider and id). */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Decrypts what {@link seal} produced with the same `context`; throws {@link SecretBoxError} otherwise. */
  open(sealed: string, context: string): string {
    const [version, payload] = sealed.split('.', 2);
    if (version !== VERSION || payload === undefined) throw new SecretBoxError('unknown secret format');
    const raw = Buffer.from(payload, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('secret cannot be decrypted with this master key (or was altered)');
    }
  }
}
