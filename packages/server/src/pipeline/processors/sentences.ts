import { SentenceChunker } from '../../speech/index.js';
import type { Direction, Frame, UtteranceKind } from '../frames.js';
import { FrameProcessor } from '../processor.js';

interface Open {
  chunker: SentenceChunker;
  kind: UtteranceKind;
  interruptible: boolean;
}

/**
 * Streamed agent text -> one `tts.speak` per complete sentence, so synthesis (and the caller
 * hearing it) starts at the first sentence instead of the end of the reply. `text.end` releases
 * the rest and becomes `tts.end`.
 */
export class SentenceProcessor extends FrameProcessor {
  private readonly open = new Map<number, Open>();

  constructor() {
    super('sentences');
  }

  protected process(frame: Frame, direction: Direction): void {
    if (direction === 'upstream') return this.push(frame, direction);
    switch (frame.type) {
      case 'text.delta': {
        let entry = this.open.get(frame.utteranceId);
        if (!entry) {
          entry = { chunker: new SentenceChunker(), kind: frame.kind, interruptible: frame.interruptible };
          this.open.set(frame.utteranceId, entry);
        }
        for (const text of entry.chunker.push(frame.text)) this.speak(frame.utteranceId, entry, text);
        return;
      }
      case 'text.end': {
        const entry = this.open.get(frame.utteranceId);
        this.open.delete(frame.utteranceId);
        if (entry) for (const text of entry.chunker.flush()) this.speak(frame.utteranceId, entry, text);
        return this.push({ type: 'tts.end', utteranceId: frame.utteranceId, kind: frame.kind, interruptible: frame.interruptible });
      }
      case 'interruption':
        for (const [id, entry] of this.open) if (entry.interruptible) this.open.delete(id);
        return this.push(frame);
      default:
        return this.push(frame);
    }
  }

  private speak(utteranceId: number, entry: Open, text: string): void {
    this.push({ type: 'tts.speak', utteranceId, kind: entry.kind, interruptible: entry.interruptible, text });
  }
}
