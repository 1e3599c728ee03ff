import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { SpeechError } from '../contracts/errors.js';

export type NativeLibrary = ReturnType<typeof koffi.load>;

/**
 * Loads a shared library by soname, failing with `unavailable` and the Debian package to install
 * when it is missing, so an operator (or a test run) sees the fix instead of a dlopen message.
 */
export function loadNativeLibrary(soname: string, debianPackage: string, provider: string): NativeLibrary {
  try {
    return koffi.load(soname);
  } catch (err) {
    throw new SpeechError('unavailable', `${soname} could not be loaded: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`, {
      provider,
      cause: err,
    });
  }
}

/** Fails with `unavailable` naming the Debian package when a data file or folder is missing. */
export function requirePath(path: string, debianPackage: string, provider: string): string {
  if (!existsSync(path)) {
    throw new SpeechError('unavailable', `${path} is missing: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`, {
      provider,
    });
  }
  return path;
}

/** Runs a koffi function on its worker thread and resolves with its result. */
export function callAsync<T>(fn: { async: (...args: never[]) => unknown }, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    (fn.async as (...a: unknown[]) => void)(...args, (err: unknown, result: T) => {
      if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(result);
    });
  });
}

/**
 * Copies strings into C memory that stays valid until `free()` (sphinxbase keeps pointers into
 * its argv), and returns a `char **` over them.
 */
export class CStringArray {
  readonly pointer: unknown;
  private readonly strings: unknown[];

  constructor(readonly values: readonly string[]) {
    this.strings = values.map((value) => {
      const bytes = Buffer.from(`${value}\0`, 'utf8');
      const p: unknown = koffi.alloc('char', bytes.length);
      koffi.encode(p, koffi.array('uint8_t', bytes.length), [...bytes]);
      return p;
    });
    this.pointer = koffi.alloc('char *', Math.max(1, this.strings.length));
    if (this.strings.length > 0) koffi.encode(this.pointer, koffi.array('char *', this.strings.length), this.strings);
  }

  free(): void {
    for (const p of this.strings) koffi.free(p);
    koffi.free(this.pointer);
  }
}
