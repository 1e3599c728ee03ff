import type { WebSocket } from 'ws';
import { pcmBytes, slices } from './audio.js';
import type { LiveRequest } from './fake-vendor.js';

/** What {@link sendAudioMessages} needs. */
export interface WsAudioOptions {
  live: LiveRequest;
  socket: WebSocket;
  samples: Int16Array;
  sampleRateHz: number;
  chunkMs: number;
  /** The vendor's audio message for one base64 piece. */
  message: (base64: string) => unknown;
  /** Resolves when the client closed the socket. */
  gone: Promise<unknown>;
  waitForRelease: (gone: Promise<unknown>) => Promise<void>;
  /** True once the client cancelled this generation: stop sending. */
  stopped?: (() => boolean) | undefined;
}

/**
 * Sends audio as one JSON message per `chunkMs`, applying the request's plan after the first
 * message: `close_mid_stream` terminates the socket (no close frame), `stall` stops sending,
 * `garbage` sends a frame that is not JSON instead of audio, a hold waits for release. Returns
 * false when the exchange must not go on.
 */
export async function sendAudioMessages(options: WsAudioOptions): Promise<boolean> {
  const { live, socket } = options;
  const failure = live.plan.failure;
  if (failure?.kind === 'garbage') {
    socket.send('<<this is not json>>');
    return false;
  }
  const pieces = slices(pcmBytes(options.samples), Math.max(2, Math.round((options.sampleRateHz * options.chunkMs) / 1000) * 2));
  for (let i = 0; i < pieces.length; i++) {
    if (socket.readyState !== socket.OPEN || options.stopped?.() === true) return false;
    await new Promise<void>((resolve) => socket.send(JSON.stringify(options.message(pieces[i]!.toString('base64'))), () => resolve()));
    live.record.chunksSent++;
    if (i > 0) continue;
    if (failure?.kind === 'close_mid_stream') {
      live.settle('failed');
      socket.terminate();
      return false;
    }
    if (failure?.kind === 'stall') {
      await options.gone;
      return false;
    }
    if (live.plan.hold) await options.waitForRelease(options.gone);
  }
  return socket.readyState === socket.OPEN;
}
