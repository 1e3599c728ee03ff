import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where call recordings live. A recorder always writes to a local file while the call runs (a WAV
 * is patched in place when it closes); the store then keeps it (a shared directory: nothing to do)
 * or uploads it (S3). `recording_path` on the call row holds the store key the store returned
 * from {@link RecordingStore.put}, so any node of a cluster can serve any call's recording.
 */
export interface RecordingStore {
  readonly kind: 'directory' | 's3';
  /** Local file the recorder of `callId` writes to while the call runs (its folder exists). */
  localPath(callId: string): Promise<string>;
  /**
   * Keep the closed recording at `file` under `key`; returns the key to store on the call. The
   * local file is gone afterwards unless it already is the stored object (directory backend).
   */
  put(key: string, file: string): Promise<string>;
  /** A stream of the stored object, with its size; null when there is none. */
  get(key: string): Promise<{ stream: Readable; sizeBytes: number } | null>;
  exists(key: string): Promise<boolean>;
  /** Remove the object; no error when it does not exist. */
  delete(key: string): Promise<void>;
}

/** Thrown for a key that is not a plain recording name. */
export class RecordingKeyError extends Error {
  override readonly name = 'RecordingKeyError';
}

const KEY = /^[A-Za-z0-9_.-]{1,200}$/;

/** The store key of a call's recording. */
export function recordingKey(callId: string): string {
  return checkKey(`${callId}.wav`);
}

/** Keys are flat file names: no folders, no `..`, so a key can never leave the store. */
export function checkKey(key: string): string {
  if (!KEY.test(key) || key.startsWith('.')) throw new RecordingKeyError(`"${key.slice(0, 60)}" is not a valid recording key`);
  return key;
}

/**
 * Keys that are absolute paths name a file on this node: rows written before recordings had a
 * store, and recordings kept locally because the store failed. The server writes them, never a client.
 */
export const isLocalFileKey = (key: string): boolean => path.isAbsolute(key);

/** A local file as a stored object; null when it is missing. */
export async function readLocalFile(file: string): Promise<{ stream: Readable; sizeBytes: number } | null> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return null;
  return { stream: createReadStream(file), sizeBytes: info.size };
}

export async function localFileExists(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ?? false;
}

export async function deleteLocalFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
