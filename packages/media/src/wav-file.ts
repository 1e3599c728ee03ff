/**
 * File-system shell around the pure WAV byte functions: the only I/O in this package.
 *
 * @packageDocumentation
 */

import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { WavError, type WavAudio, type WavFormat } from './wav-format.js';
import { parseWav, type ParseWavOptions } from './wav-read.js';
import { encodeWav, WavWriter } from './wav-write.js';

/** Reads and parses a WAV file. Throws `WavError` for malformed content, fs errors as they come. */
export async function readWavFile(path: string, options?: ParseWavOptions): Promise<WavAudio> {
  return parseWav(await readFile(path), options);
}

/** Writes interleaved PCM16 samples as a WAV file (replacing any existing file). */
export async function writeWavFile(path: string, format: WavFormat, samples: Int16Array): Promise<void> {
  await writeFile(path, encodeWav(format, samples));
}

/**
 * Records PCM16 to a WAV file as it arrives: the header goes out first with placeholder sizes
 * and is patched on `close()`, so a process that dies mid-call still leaves a readable file.
 * Writes are queued in call order; `close()` waits for them.
 */
export class WavFileWriter {
  private readonly writer: WavWriter;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  private position: number;

  private constructor(
    private readonly handle: FileHandle,
    format: WavFormat,
  ) {
    this.writer = new WavWriter(format);
    this.position = 0;
  }

  /** Creates (or truncates) `path` and writes the placeholder header. */
  static async create(path: string, format: WavFormat): Promise<WavFileWriter> {
    const handle = await open(path, 'w');
    const file = new WavFileWriter(handle, format);
    try {
      await file.append(file.writer.header());
    } catch (err) {
      await handle.close();
      throw err;
    }
    return file;
  }

  /** Data bytes accepted so far. */
  get dataBytes(): number {
    return this.writer.dataBytes;
  }

  /** Appends samples; resolves when they are written. */
  write(samples: Int16Array): Promise<void> {
    if (this.closed) return Promise.reject(new WavError('closed', 'WavFileWriter is closed'));
    const bytes = this.writer.process(samples);
    return this.enqueue(() => this.append(bytes));
  }

  /** Patches the header sizes and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    const header = this.writer.finalHeader();
    this.queue = this.queue
      .then(async () => {
        if (this.failure === undefined) await this.handle.write(header, 0, header.length, 0);
      })
      .finally(() => this.handle.close());
    return this.queue;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return task().catch((err: unknown) => {
        this.failure = err;
        throw err;
      });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async append(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.position + done);
      done += bytesWritten;
    }
    this.position += bytes.length;
  }
}
