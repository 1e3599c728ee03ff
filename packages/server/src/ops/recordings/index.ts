import { DirectoryRecordingStore } from './directory-store.js';
import type { RecordingsConfig } from './config.js';
import type { RecordingStore } from './recording-store.js';
import { S3RecordingStore } from './s3-store.js';

export { DirectoryRecordingStore } from './directory-store.js';
export { S3RecordingStore, type S3RecordingsConfig } from './s3-store.js';
export { loadRecordingsConfig, RECORDINGS_ENV_VARS, type RecordingsConfig } from './config.js';
export { checkKey, recordingKey, RecordingKeyError, type RecordingStore } from './recording-store.js';
export { recordingTarget, type RecordingTarget } from './target.js';

/** The store a node's configuration asks for. */
export function createRecordingStore(config: RecordingsConfig): RecordingStore {
  return config.kind === 'directory' ? new DirectoryRecordingStore(config.dir) : new S3RecordingStore(config, config.spoolDir);
}
