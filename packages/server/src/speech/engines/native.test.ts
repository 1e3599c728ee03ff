import { describe, expect, it } from 'vitest';
import { isSpeechError } from '../contracts/errors.js';
import { loadNativeLibrary, requirePath } from './native.js';

describe('native library loading', () => {
  it('names the Debian package to install when a library is missing', () => {
    let err: unknown;
    try {
      loadNativeLibrary('libunpod-absent.so.9', 'libunpod-absent9', 'test');
    } catch (e) {
      err = e;
    }
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect((err as Error).message).toContain('apt-get install libunpod-absent9');
  });

  it('names the Debian package when model data is missing', () => {
    expect(() => requirePath('/nonexistent/model', 'pocketsphinx-en-us', 'pocketsphinx')).toThrow(/apt-get install pocketsphinx-en-us/);
  });
});
