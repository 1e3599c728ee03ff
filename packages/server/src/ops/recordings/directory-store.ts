import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { checkKey, deleteLocalFile, isLocalFileKey, localFileExists, readLocalFile, recordingKey, type RecordingStore } from './recording-store.js';

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

  async get(key: string): Promise<{ stream: Readable; sizeBytes: number } | null> {
    return readLocalFile(this.resolve(key));
  }

  async exists(key: string): Promise<boolean> {
    return localFileExists(this.resolve(key));
  }

  async delete(key: string): Promise<void> {
    await deleteLocalFile(this.resolve(key));
  }

  private pathOf(key: string): string {
    return path.join(this.dir, checkKey(key));
  }

  private resolve(key: string): string {
    return isLocalFileKey(key) ? key : this.pathOf(key);
  }
}
