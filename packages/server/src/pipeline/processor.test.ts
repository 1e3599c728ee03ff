import { expect, test } from 'vitest';
import type { Direction, Frame } from './frames.js';
import { FrameProcessor, FunctionProcessor, Pipeline } from './processor.js';

const delta = (text: string, interruptible = true): Frame => ({ type: 'text.delta', utteranceId: 1, kind: 'reply', interruptible, text, wallMs: 0 });

/** A processor that holds each frame until released, like a TTS stage rendering a sentence. */
class Gate extends FrameProcessor {
  readonly seen: string[] = [];
  private release: (() => void) | null = null;
  constructor() {
    super('gate');
  }
  open(): void {
    this.release?.();
  }
  protected process(frame: Frame, direction: Direction): void | Promise<void> {
    this.seen.push(frame.type === 'text.delta' ? frame.text : frame.type);
    if (frame.type !== 'text.delta') return this.push(frame, direction);
    return new Promise<void>((resolve) => {
      this.release = () => {
        this.push(frame);
        resolve();
      };
    });
  }
}

test('frames pass through a pipeline in order; a pipeline is itself a processor', () => {
  const out: string[] = [];
  const upper = new FunctionProcessor('upper', (f, d, push) => push(f.type === 'text.delta' ? { ...f, text: f.text.toUpperCase() } : f, d));
  const inner = new Pipeline('inner', [upper]);
  const outer = new Pipeline('outer', [inner, new FunctionProcessor('tail', (f, d, push) => push(f, d))]);
  outer.setExits({ downstream: (f) => out.push(f.type === 'text.delta' ? f.text : f.type) });
  outer.queueFrame(delta('a'));
  outer.queueFrame(delta('b'));
  outer.queueFrame({ type: 'end' });
  expect(out).toEqual(['A', 'B', 'end']);
});

test('an interruption overtakes queued frames and drops the interruptible ones', async () => {
  const gate = new Gate();
  const out: string[] = [];
  gate.setExits({ downstream: (f) => out.push(f.type === 'text.delta' ? f.text : f.type) });
  gate.queueFrame(delta('first'));
  gate.queueFrame(delta('queued'));
  gate.queueFrame(delta('kept', false));
  gate.queueFrame({ type: 'interruption', wallMs: 0 });
  expect(out).toEqual(['interruption']);
  gate.open();
  await Promise.resolve();
  await Promise.resolve();
  gate.open();
  await new Promise((r) => setImmediate(r));
  expect(out).toEqual(['interruption', 'first', 'kept']);
  expect(gate.seen).not.toContain('queued');
});

test('frames going upstream do not wait behind work going downstream', () => {
  const gate = new Gate();
  const up: string[] = [];
  gate.setExits({ upstream: (f) => up.push(f.type) });
  gate.queueFrame(delta('busy'));
  gate.queueFrame({ type: 'bot.stopped_speaking', utteranceId: 1, interrupted: false, heardText: '', wallMs: 0 }, 'upstream');
  expect(up).toEqual(['bot.stopped_speaking']);
});

test('cancel drops everything queued and stops the processor', () => {
  const gate = new Gate();
  const out: string[] = [];
  gate.setExits({ downstream: (f) => out.push(f.type) });
  gate.queueFrame(delta('x'));
  gate.queueFrame(delta('y', false));
  gate.queueFrame({ type: 'cancel', reason: 'call_ended' });
  gate.queueFrame(delta('after'));
  expect(out).toEqual(['cancel']);
  expect(gate.queuedFrames).toBe(0);
});

test('a throwing processor reports an error upstream and keeps processing', () => {
  const errors: Frame[] = [];
  const out: Frame[] = [];
  let calls = 0;
  const p = new FunctionProcessor('flaky', (f, d, push) => {
    if (calls++ === 0) throw new Error('boom');
    push(f, d);
  });
  p.setExits({ upstream: (f) => errors.push(f), downstream: (f) => out.push(f) });
  p.queueFrame(delta('a'));
  p.queueFrame(delta('b'));
  expect(errors).toEqual([{ type: 'error', source: 'internal', code: 'processor_failed', message: 'flaky: boom', fatal: false }]);
  expect(out).toHaveLength(1);
});
