import { SpeechError, abortedError, toSpeechError } from '../contracts/errors.js';
import type { TtsAdapter } from '../contracts/tts-adapter.js';
import type { TtsChunk, TtsSynthesizeOptions } from '../contracts/tts.js';
import { splitSentences } from '../text/sentences.js';
import { childController } from '../util/abort.js';
import { ChainPlanner } from './chain.js';
import type { ChainLink, FailoverContext } from './types.js';
import { MalformedResultError, failoverReason } from './types.js';
import { checkTtsChunk } from './validate.js';

/**
 * A call's text-to-speech over an ordered chain of adapters, with the surface the pipeline uses
 * (`provider`, `synthesize`). Text is rendered one sentence at a time; when a provider errs,
 * times out (`ttsTimeoutMs` to the first chunk or between chunks), produces malformed audio or
 * no audio for a sentence, the next step renders that sentence again from its start and goes on
 * with the rest: the caller may hear the start of that one sentence twice, never a gap. Each
 * step speaks with its own voice and language. One instance per call (stay-on-fallback, usage
 * meter, failover listener); breakers are shared per node.
 */
export class FailoverTts {
  readonly planner: ChainPlanner;
  private readonly now: () => number;
  /** The provider that produced the latest audio of this call, null before the first. */
  lastAudioProvider: string | null = null;

  constructor(
    readonly chain: readonly ChainLink<TtsAdapter>[],
    readonly context: FailoverContext,
  ) {
    if (chain.length === 0) throw new Error('a text-to-speech chain needs at least one step');
    this.now = context.now ?? Date.now;
    this.planner = new ChainPlanner('tts', chain.map((l) => l.step.provider), context.options, context.breakers, this.now);
  }

  /** The chain's first provider (the profile's primary). */
  get provider(): string {
    return this.chain[0]!.step.provider;
  }

  /**
   * Synthesises `text`; every chunk is at `options.sampleRateHz`, tagged with its sentence.
   * `options.voice` and `options.language` apply only to steps that name neither. Throws the
   * last step's error when every step failed on a sentence.
   */
  async *synthesize(text: string, options: TtsSynthesizeOptions): AsyncGenerator<TtsChunk, void, undefined> {
    const sentences = splitSentences(text);
    for (let index = 0; index < sentences.length; index++) {
      yield* this.sentence(sentences[index]!, index, options);
    }
  }

  private async *sentence(sentence: string, index: number, options: TtsSynthesizeOptions): AsyncGenerator<TtsChunk, void, undefined> {
    const tried = new Set<number>();
    let pick = this.planner.pick(tried);
    let failed: { provider: string; error: SpeechError } | null = null;
    while (pick !== null) {
      tried.add(pick.index);
      const link = this.chain[pick.index]!;
      const provider = link.step.provider;
      if (failed !== null) {
        this.report(failed.provider, provider, failed.error);
        this.planner.movedTo(pick.index);
      }
      const { controller, dispose } = childController(options.signal);
      let verdict = false;
      try {
        this.context.meter.ttsRequest(provider, sentence.length);
        const named = link.step.voice !== null || link.step.language !== null;
        const chunks = link.adapter.synthesize(sentence, {
          voice: named ? link.step.voice : options.voice,
          language: link.step.language ?? options.language,
          sampleRateHz: options.sampleRateHz,
          signal: controller.signal,
        });
        let samples = 0;
        for await (const chunk of withTimeouts(chunks, this.context.options.ttsTimeoutMs, provider, controller)) {
          checkTtsChunk(provider, chunk, options.sampleRateHz);
          if (chunk.samples.length === 0) continue;
          samples += chunk.samples.length;
          this.context.meter.ttsAudio(provider, chunk.samples.length / options.sampleRateHz);
          this.lastAudioProvider = provider;
          yield { samples: chunk.samples, sampleRateHz: options.sampleRateHz, segmentIndex: index, segmentText: sentence };
        }
        if (samples === 0) throw new MalformedResultError(provider, 'no audio for a sentence');
        verdict = true;
        pick.breaker.success();
        return;
      } catch (raw) {
        if (options.signal?.aborted) throw abortedError(provider, options.signal);
        const error = toSpeechError(raw, provider);
        verdict = true;
        pick.breaker.failure(this.context.options.breaker);
        failed = { provider, error };
        pick = this.planner.pick(tried);
        if (pick === null) throw error;
      } finally {
        if (!verdict) pick?.breaker.release();
        if (!controller.signal.aborted) controller.abort();
        dispose();
      }
    }
  }

  private report(from: string, to: string, error: SpeechError): void {
    try {
      this.context.onFailover({ kind: 'tts', from, to, reason: failoverReason(error), message: error.message, phase: 'stream', at: new Date(this.now()).toISOString() });
    } catch {
      // A listener must not break synthesis.
    }
  }
}

/** Iterates `chunks`, failing with `timeout` when the first or a next chunk takes longer than `limitMs`. */
async function* withTimeouts<T>(chunks: AsyncIterable<T>, limitMs: number, provider: string, controller: AbortController): AsyncGenerator<T, void, undefined> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const guard = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new SpeechError('timeout', `no audio for ${limitMs} ms`, { provider, retryable: true });
          controller.abort(err);
          reject(err);
        }, limitMs);
      });
      let result: IteratorResult<T>;
      try {
        result = await Promise.race([iterator.next(), guard]);
      } finally {
        clearTimeout(timer);
      }
      if (result.done === true) return;
      yield result.value;
    }
  } finally {
    void iterator.return?.()?.catch(() => undefined);
  }
}
