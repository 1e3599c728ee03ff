import type { IncomingMessage, ServerResponse } from 'node:http';
import { pcmBytes, slices } from './audio.js';
import type { LiveRequest } from './fake-vendor.js';

/** What {@link streamRawPcm} needs from the vendor. */
export interface RawStreamOptions {
  live: LiveRequest;
  req: IncomingMessage;
  res: ServerResponse;
  samples: Int16Array;
  sampleRateHz: number;
  chunkMs: number;
  contentType: string;
  /** Called while a held request waits; resolves on release or client disconnect. */
  waitForRelease: (gone: Promise<unknown>) => Promise<void>;
}

/**
 * Writes PCM16 LE as a chunked HTTP body, one write per `chunkMs` of audio. Writes are cut at odd
 * byte offsets (one byte more than a whole number of samples), as real networks do, so clients
 * must carry half samples across reads. Applies the request's plan: `close_mid_stream` drops the
 * connection after the first write, `stall` stops writing, `garbage` answers an HTML page, and a
 * hold pauses after the first write until released.
 */
export async function streamRawPcm(options: RawStreamOptions): Promise<void> {
  const { live, res } = options;
  const gone = new Promise<void>((resolve) => res.on('close', () => resolve()));
  void gone.then(() => live.settle(res.writableFinished ? 'completed' : 'client_aborted'));
  const failure = live.plan.failure;
  if (failure?.kind === 'garbage') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>502 upstream gateway</body></html>');
    return;
  }
  res.writeHead(200, { 'content-type': options.contentType, 'transfer-encoding': 'chunked' });
  const chunkBytes = Math.max(2, Math.round((options.sampleRateHz * options.chunkMs) / 1000) * 2) + 1;
  const pieces = slices(pcmBytes(options.samples), chunkBytes);
  for (let i = 0; i < pieces.length; i++) {
    if (res.destroyed) return;
    res.write(pieces[i]);
    live.record.chunksSent++;
    if (i > 0) continue;
    if (failure?.kind === 'close_mid_stream') {
      live.settle('failed');
      // Let the first piece leave before dropping the connection.
      await new Promise<void>((resolve) => res.socket?.write('', () => resolve()) ?? resolve());
      res.socket?.destroy();
      return;
    }
    if (failure?.kind === 'stall') {
      await gone;
      return;
    }
    if (live.plan.hold) await options.waitForRelease(gone);
  }
  if (!res.destroyed) res.end();
}
