import type { IncomingHttpHeaders } from 'node:http';

/**
 * How a fake vendor answers, set with `fake.behave(...)`. Every fake understands every mode:
 *
 * - `ok`: the documented happy path with the scripted transcripts (the default).
 * - `http-error`: refuse the request (or WebSocket handshake) with `status` (401, 429, 500...)
 *   and the vendor's documented error body.
 * - `die-after`: accept, then drop the TCP connection `ms` after the request or connection began,
 *   without a close frame or response.
 * - `close-mid-stream`: accept and start, then end the stream abnormally: a WebSocket vendor sends
 *   its error close (`code`, default 1011) once `afterBytes` of audio arrived; an HTTP vendor sends
 *   part of a streamed answer (or nothing) and drops the connection.
 * - `stall`: accept and never answer (the connection stays open until the client gives up).
 * - `garbage`: answer with something that is not the documented shape.
 *
 * `times` limits a mode to the next N requests or connections; after that the fake is `ok` again.
 */
export type VendorBehaviour =
  | { mode: 'ok' }
  | { mode: 'http-error'; status: number; times?: number }
  | { mode: 'die-after'; ms: number; times?: number }
  | { mode: 'close-mid-stream'; afterBytes?: number; code?: number; reason?: string; times?: number }
  | { mode: 'stall'; times?: number }
  | { mode: 'garbage'; times?: number };

/** One request (or WebSocket connection) as a fake received it. */
export interface VendorRequest {
  method: string;
  /** Path with query string. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The behaviour it was answered with. */
  behaviour: VendorBehaviour['mode'];
  /** Audio bytes received (PCM16 payload, without any WAV header). */
  audioBytes: number;
  /** Sample rate the request declared, when it did. */
  sampleRateHz: number | null;
}

/** The behaviour currently in force, consumed one request at a time. */
export class BehaviourState {
  private current: VendorBehaviour = { mode: 'ok' };
  private remaining = Infinity;

  set(behaviour: VendorBehaviour): void {
    this.current = behaviour;
    this.remaining = 'times' in behaviour && behaviour.times !== undefined ? behaviour.times : Infinity;
  }

  /** The behaviour for the next request; counts down `times`. */
  take(): VendorBehaviour {
    const b = this.current;
    if (b.mode === 'ok') return b;
    this.remaining--;
    if (this.remaining <= 0) this.set({ mode: 'ok' });
    return b;
  }
}

/** Scripted transcripts, one per utterance, in order; `fallback` once the script is used up. */
export class TranscriptScript<T> {
  private readonly queue: T[] = [];

  constructor(private readonly fallback: T) {}

  push(...items: T[]): void {
    this.queue.push(...items);
  }

  next(): T {
    return this.queue.shift() ?? this.fallback;
  }
}

/**
 * The audio inside a PCM16 WAV file: its sample rate and the byte length of its `data` chunk,
 * or null when the bytes are not a mono 16-bit PCM WAV.
 */
export function readPcmWav(bytes: Uint8Array): { sampleRateHz: number; dataBytes: number } | null {
  if (bytes.length < 44) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return null;
  let at = 12;
  let rate: number | null = null;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ') {
      const format = view.getUint16(at + 8, true);
      const channels = view.getUint16(at + 10, true);
      const bits = view.getUint16(at + 22, true);
      if (format !== 1 || channels !== 1 || bits !== 16) return null;
      rate = view.getUint32(at + 12, true);
    } else if (id === 'data') {
      if (rate === null) return null;
      return { sampleRateHz: rate, dataBytes: Math.min(size, bytes.length - at - 8) };
    }
    at += 8 + size + (size % 2);
  }
  return null;
}
