import type { Logger } from '../../logger.js';
import { recordingKey, type RecordingStore } from './recording-store.js';

/** What a call's recorder needs: where to write, and what to do with the closed file. */
export interface RecordingTarget {
  recordingPath: string;
  saveRecording: (file: string) => Promise<void>;
}

/**
 * Wires one call's recorder to the store: it writes to the store's local path; once closed the
 * file is handed to the store and the returned key saved on the call row. When the store fails
 * (bucket down) the local file is kept and its path saved instead, so this node can still serve it.
 */
export async function recordingTarget(
  store: RecordingStore,
  callId: string,
  save: (callId: string, key: string) => Promise<void>,
  logger: Logger,
): Promise<RecordingTarget> {
  const recordingPath = await store.localPath(callId);
  return {
    recordingPath,
    saveRecording: async (file) => {
      let key: string;
      try {
        key = await store.put(recordingKey(callId), file);
      } catch (err) {
        logger.error({ err, call_id: callId, store: store.kind }, 'storing the recording failed; kept on this node only');
        key = file;
      }
      await save(callId, key);
    },
  };
}
