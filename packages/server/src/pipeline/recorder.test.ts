import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { parseWav } from '@unpod/media';
import { CallRecorder } from './recorder.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function recorder(): Promise<CallRecorder> {
  const dir = await mkdtemp(path.join(tmpdir(), 'unpod-rec-'));
  dirs.push(dir);
  return CallRecorder.create(path.join(dir, 'call.wav'), 8000, (err) => {
    throw err;
  });
}

const block = (n: number, value: number) => new Int16Array(n).fill(value);

test('caller on the left, agent on the right, aligned on the caller clock', async () => {
  const r = await recorder();
  r.caller(block(80, 100));
  r.agent(block(120, 7));
  r.caller(block(80, 200));
  r.caller(block(80, 300));
  const { path: file, durationMs } = await r.close();
  const wav = parseWav(await readFile(file));
  expect(wav.channels).toBe(2);
  expect(durationMs).toBe(30);
  const left = wav.samples.filter((_, i) => i % 2 === 0);
  const right = wav.samples.filter((_, i) => i % 2 === 1);
  expect([left[0], left[80], left[160]]).toEqual([100, 200, 300]);
  // Agent audio played during the second block lands beside it; silence where none was played.
  expect([right[0], right[79], right[80], right[199], right[200]]).toEqual([0, 0, 7, 7, 0]);
});

test('paused stretches are silent on both channels and keep their length', async () => {
  const r = await recorder();
  r.caller(block(80, 100));
  r.setActive(false);
  r.agent(block(80, 5));
  r.caller(block(160, 100));
  r.setActive(true);
  r.caller(block(80, 100));
  const wav = parseWav(await readFile((await r.close()).path));
  expect(wav.samples.length).toBe(2 * 320);
  expect(wav.samples.subarray(160, 160 + 320).every((s) => s === 0)).toBe(true);
  expect(wav.samples[480]).toBe(100);
});

test('agent audio still queued at the end is written after the last caller audio', async () => {
  const r = await recorder();
  r.caller(block(80, 1));
  r.agent(block(200, 9));
  const wav = parseWav(await readFile((await r.close()).path));
  // 80 caller samples (no agent audio played yet), then the 200 agent samples against silence.
  expect(wav.samples.length).toBe(2 * 280);
  expect(wav.samples[2 * 80 + 1]).toBe(9);
  expect(wav.samples[2 * 279 + 1]).toBe(9);
  expect(wav.samples[2 * 279]).toBe(0);
});
