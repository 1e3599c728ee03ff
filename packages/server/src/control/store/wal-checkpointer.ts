import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background connection copies the WAL back into the database file. */
export const WAL_CHECKPOINT_INTERVAL_MS = 250;

/** Grace for the worker's own checkpoint and close at shutdown before it is terminated. */
const CLOSE_GRACE_MS = 5_000;

// CommonJS, evaluated in the worker. A PASSIVE checkpoint never blocks the writer; it copies
// what it can, then syncs, and the writer restarts the WAL once it is fully copied.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message) }); }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ closed: true });
});
`;

/**
 * Checkpoints an SQLite WAL from a worker thread. SQLite's automatic checkpoint runs inside
 * whichever commit crosses the threshold, and with its fsyncs it stalls that commit (and with it
 * the event loop: better-sqlite3 is synchronous) for several milliseconds every second or so under
 * call load. The writing connection turns automatic checkpoints off while this runs; if the worker
 * fails, `onFailure` turns them back on so the WAL cannot grow without bound.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private failed = false;
  private exited = false;
  private closing: Promise<void> | null = null;

  constructor(
    file: string,
    private readonly onFailure: (reason: string) => void,
    intervalMs = WAL_CHECKPOINT_INTERVAL_MS,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    // Never keeps the process alive; the writer checkpoints the rest when it closes.
    this.worker.unref();
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error !== undefined) this.fail(`checkpoint failed: ${m.error}`);
    });
    this.worker.on('error', (err) => this.fail(err.message));
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (!this.closing) this.fail(`checkpoint worker exited with code ${code}`);
    });
  }

  /** Stop the worker after one last checkpoint. */
  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      // Held until the worker is gone, so a shutdown waits for its last checkpoint.
      this.worker.ref();
      const timer = setTimeout(() => void this.worker.terminate(), CLOSE_GRACE_MS);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.on('message', (m: { closed?: boolean }) => {
        if (m.closed) void this.worker.terminate();
      });
      this.worker.postMessage('close');
    });
    return this.closing;
  }

  private fail(reason: string): void {
    if (this.failed || this.closing) return;
    this.failed = true;
    this.onFailure(reason);
    void this.worker.terminate();
  }
}
