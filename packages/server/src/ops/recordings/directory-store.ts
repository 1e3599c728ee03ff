import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkKey, recordingKey, type RecordingStore } from './recording-store.js';

/**
 * Recordings as files in one directory: the node's data dir by default, or a directory every
 * node mounts at the same path (NFS, a shared volume) so any node serves any recording.
 */
export class DirectoryRecordingStore implements RecordingStore {
  readonly kind = 'directory' as const;

  constructor(readonly dir: string) {}

  async localPath(callId: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return path.join(this.dir, recordingKey(callId));
  }

  async put(key: string, file: string): Promise<string> {
    const target = this.pathOf(key);
    if (path.resolve(file) !== target) {
      await mkdir(this.dir, { recursive: true });
      await rename(file, target);
    }
    return key;
  }

  async get(key: string): Promise<{ stream: ReturnType<typeof createReadStream>; sizeBytes: number } | null> {
    const file = this.resolve(key);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return null;
    return { stream: createReadStream(file), sizeBytes: info.size };
  }

  async exists(key: string): Promise<boolean> {
    const info = await stat(this.resolve(key)).catch(() => undefined);
    return info?.isFile() ?? false;
  }

  async delete(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }

  private pathOf(key: string): string {
    return path.join(this.dir, checkKey(key));
  }

  /**
   * Rows written before recordings had a store hold the file's absolute path; those are read as
   * they are (the server wrote them, never a client).
   */
  private resolve(key: string): string {
    return path.isAbsolute(key) ? key : this.pathOf(key);
  }
}
