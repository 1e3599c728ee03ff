import type { UtteranceKind } from './frames.js';

/** Agent audio handed to the playout, tagged with the sentence it renders. */
export interface PlayoutAudio {
  utteranceId: number;
  kind: UtteranceKind;
  interruptible: boolean;
  samples: Int16Array;
  segmentIndex: number;
  segmentText: string;
}

export type PlayoutEvent =
  | { type: 'started'; utteranceId: number; kind: UtteranceKind; interruptible: boolean }
  /** The utterance left the playout: played to its end, or flushed with `heardText` played. */
  | { type: 'stopped'; utteranceId: number; kind: UtteranceKind; interrupted: boolean; heardText: string; started: boolean };

interface Segment {
  text: string;
  totalSamples: number;
  playedSamples: number;
}

interface Utterance {
  id: number;
  kind: UtteranceKind;
  interruptible: boolean;
  segments: Map<number, Segment>;
  started: boolean;
  /** No more audio will come (`tts.end` seen). */
  ended: boolean;
}

interface Chunk {
  utterance: Utterance;
  samples: Int16Array;
  offset: number;
  segment: Segment;
}

/** Utterances remembered after they left, for late `heardText` questions. */
const REMEMBERED = 64;

/**
 * The agent audio waiting to be played to the caller, cut into fixed frames on demand. Pure and
 * synchronous: the output shell calls {@link next} once per frame period. It knows how much of
 * each sentence has been played, so what the caller heard of an utterance is exact to the frame:
 * whole sentences played, plus the share of the words of the sentence playing when it stopped.
 * A frame never mixes two utterances (the last frame of one is padded with silence).
 */
export class Playout {
  private readonly queue: Chunk[] = [];
  private readonly utterances = new Map<number, Utterance>();
  private readonly gone = new Map<number, string>();

  constructor(readonly frameSamples: number) {
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) throw new RangeError('frameSamples must be a positive integer');
  }

  /** Nothing queued to play now. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Utterances started or queued and not yet finished. */
  get pendingUtterances(): number {
    return this.utterances.size;
  }

  /** True when `utteranceId` left the playout (played out or flushed): late audio for it is dropped. */
  finished(utteranceId: number): boolean {
    return this.gone.has(utteranceId);
  }

  enqueue(audio: PlayoutAudio): void {
    if (this.gone.has(audio.utteranceId) || audio.samples.length === 0) return;
    const u = this.utterance(audio.utteranceId, audio.kind, audio.interruptible);
    let segment = u.segments.get(audio.segmentIndex);
    if (!segment) {
      segment = { text: audio.segmentText, totalSamples: 0, playedSamples: 0 };
      u.segments.set(audio.segmentIndex, segment);
    }
    segment.totalSamples += audio.samples.length;
    this.queue.push({ utterance: u, samples: audio.samples, offset: 0, segment });
  }

  /** No more audio will come for `utteranceId`; it stops once what is queued has played. */
  end(utteranceId: number, kind: UtteranceKind, interruptible: boolean): PlayoutEvent[] {
    if (this.gone.has(utteranceId)) return [];
    const u = this.utterance(utteranceId, kind, interruptible);
    u.ended = true;
    if (this.queue.some((c) => c.utterance === u)) return [];
    return [this.finish(u, false)];
  }

  /** The next frame to send, or null when nothing is queued (idle or waiting for synthesis). */
  next(): { samples: Int16Array; utteranceId: number; events: PlayoutEvent[] } | null {
    const head = this.queue[0];
    if (!head) return null;
    const u = head.utterance;
    const events: PlayoutEvent[] = [];
    if (!u.started) {
      u.started = true;
      events.push({ type: 'started', utteranceId: u.id, kind: u.kind, interruptible: u.interruptible });
    }
    const samples = new Int16Array(this.frameSamples);
    let filled = 0;
    while (filled < this.frameSamples && this.queue[0]?.utterance === u) {
      const chunk = this.queue[0];
      const n = Math.min(this.frameSamples - filled, chunk.samples.length - chunk.offset);
      samples.set(chunk.samples.subarray(chunk.offset, chunk.offset + n), filled);
      filled += n;
      chunk.offset += n;
      chunk.segment.playedSamples += n;
      if (chunk.offset >= chunk.samples.length) this.queue.shift();
    }
    if (u.ended && this.queue[0]?.utterance !== u && !this.queue.some((c) => c.utterance === u)) events.push(this.finish(u, false));
    return { samples, utteranceId: u.id, events };
  }

  /**
   * Drops the queued audio of every interruptible utterance (or only `utteranceId`) and returns
   * one `stopped` event per utterance dropped, with what was heard of it.
   */
  flush(utteranceId?: number): PlayoutEvent[] {
    // Cutting an utterance whose audio has not arrived yet: remember it so its audio is dropped.
    if (utteranceId !== undefined && !this.gone.has(utteranceId)) this.utterance(utteranceId, 'reply', true);
    const victims = [...this.utterances.values()].filter((u) => (utteranceId === undefined ? u.interruptible : u.id === utteranceId));
    if (victims.length === 0) return [];
    const dropped = new Set(victims);
    for (let i = this.queue.length - 1; i >= 0; i--) if (dropped.has(this.queue[i]!.utterance)) this.queue.splice(i, 1);
    return victims.map((u) => this.finish(u, true));
  }

  /** What the caller heard of `utteranceId` so far (or in full, once it left). */
  heardText(utteranceId: number): string {
    const gone = this.gone.get(utteranceId);
    if (gone !== undefined) return gone;
    const u = this.utterances.get(utteranceId);
    return u ? heard(u) : '';
  }

  private utterance(id: number, kind: UtteranceKind, interruptible: boolean): Utterance {
    let u = this.utterances.get(id);
    if (!u) {
      u = { id, kind, interruptible, segments: new Map(), started: false, ended: false };
      this.utterances.set(id, u);
    }
    return u;
  }

  private finish(u: Utterance, interrupted: boolean): PlayoutEvent {
    const heardText = heard(u);
    this.utterances.delete(u.id);
    this.gone.set(u.id, heardText);
    if (this.gone.size > REMEMBERED) this.gone.delete(this.gone.keys().next().value!);
    return { type: 'stopped', utteranceId: u.id, kind: u.kind, interrupted, heardText, started: u.started };
  }
}

/** Whole sentences played, then the played share of the words of the sentence that was cut. */
function heard(u: Utterance): string {
  const parts: string[] = [];
  for (const index of [...u.segments.keys()].sort((a, b) => a - b)) {
    const s = u.segments.get(index)!;
    if (s.playedSamples >= s.totalSamples) {
      parts.push(s.text);
      continue;
    }
    if (s.playedSamples > 0) {
      const words = s.text.split(/\s+/).filter((w) => w.length > 0);
      const count = Math.floor((words.length * s.playedSamples) / s.totalSamples);
      if (count > 0) parts.push(words.slice(0, count).join(' '));
    }
    break;
  }
  return parts.join(' ');
}
