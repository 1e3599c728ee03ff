import path from 'node:path';
import type { Logger } from 'pino';
import { SttAdapter } from '../../contracts/stt-adapter.js';
import type { SttAdapterOptions, SttCapabilities, SttEngineSession, SttSessionContext } from '../../contracts/stt.js';
import { ResourcePool, type ResourcePoolStats } from '../../util/resource-pool.js';
import { requirePath } from '../native.js';
import { CepstralPriors, type ChannelKey } from './cepstral-priors.js';
import { PocketsphinxDecoder, type PocketsphinxModelFiles } from './decoder.js';
import { pocketsphinxApi } from './ffi.js';
import { DEFAULT_GRAMMAR_FIT_THRESHOLD } from './grammar.js';
import { PocketsphinxSession } from './session.js';

/** Where Debian's `pocketsphinx-en-us` puts the US English model. */
export const DEBIAN_EN_US_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** Options of {@link PocketsphinxStt}. */
export interface PocketsphinxSttOptions extends SttAdapterOptions {
  /** Model name reported in metrics (default `en-us`). */
  model?: string | undefined;
  /** Folder holding `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`. */
  modelDir?: string | undefined;
  /** Explicit model files; overrides `modelDir`. */
  modelFiles?: PocketsphinxModelFiles | undefined;
  /** Decoder pool: `minSize` pre-loaded by `warm()`, grown lazily to `maxSize` (~90 MB each). */
  pool?: { minSize?: number; maxSize?: number; acquireTimeoutMs?: number } | undefined;
  /** Grammar results with a lower {@link grammarFit} are re-decoded with the open vocabulary. */
  grammarFitThreshold?: number | undefined;
  /** Longest utterance kept for that re-decode, in seconds (default 30). */
  maxFallbackSeconds?: number | undefined;
  logger?: Logger | undefined;
}

function modelFilesIn(dir: string): PocketsphinxModelFiles {
  return {
    hmmDir: path.join(dir, 'en-us'),
    lmPath: path.join(dir, 'en-us.lm.bin'),
    dictPath: path.join(dir, 'cmudict-en-us.dict'),
  };
}

/**
 * Offline speech recognition with CMU pocketsphinx (Debian `libpocketsphinx3` and
 * `pocketsphinx-en-us`) bound in-process through koffi. Decoders are pooled; each stream holds
 * one for its lifetime. The en-us model is wideband (16 kHz): 8 kHz phone audio is folded or
 * resampled up by the base.
 */
export class PocketsphinxStt extends SttAdapter {
  readonly provider = 'pocketsphinx';
  readonly capabilities: SttCapabilities = {
    streaming: true,
    interimResults: true,
    nativeSampleRatesHz: [16_000],
    languages: ['en-us', 'en'],
    grammars: { phrases: true, jsgf: true },
    widebandModel: true,
  };
  private readonly files: PocketsphinxModelFiles;
  private readonly pool: ResourcePool<PocketsphinxDecoder>;
  private readonly priors = new CepstralPriors();
  private readonly grammarFitThreshold: number;
  private readonly maxFallbackSamples: number;
  private readonly logger: Logger | undefined;

  constructor(options: PocketsphinxSttOptions = {}) {
    super({ ...options, model: options.model ?? 'en-us' });
    this.files = options.modelFiles ?? modelFilesIn(options.modelDir ?? DEBIAN_EN_US_MODEL_DIR);
    this.grammarFitThreshold = options.grammarFitThreshold ?? DEFAULT_GRAMMAR_FIT_THRESHOLD;
    this.maxFallbackSamples = Math.round((options.maxFallbackSeconds ?? 30) * 16_000);
    this.logger = options.logger;
    this.pool = new ResourcePool(
      () => this.createDecoder(),
      (decoder) => void decoder.free(),
      { name: 'pocketsphinx decoder', minSize: options.pool?.minSize ?? 1, maxSize: options.pool?.maxSize ?? 2, acquireTimeoutMs: options.pool?.acquireTimeoutMs ?? 5000 },
    );
  }

  /** Pre-loads `pool.minSize` decoders so the first call does not wait for model loading. */
  async warm(): Promise<void> {
    await this.pool.warm();
  }

  get poolStats(): ResourcePoolStats {
    return this.pool.stats;
  }

  override async close(): Promise<void> {
    this.pool.close();
  }

  protected async openSession(context: SttSessionContext): Promise<SttEngineSession> {
    const lease = await this.pool.acquire(context.signal);
    if (context.signal.aborted) {
      lease.release();
      throw context.signal.reason;
    }
    const channel: ChannelKey =
      context.narrowbandUpsampling === 'fold' ? 'narrowband-fold' : context.narrowbandUpsampling === 'resample' ? 'narrowband-resample' : 'wideband';
    try {
      return new PocketsphinxSession(
        lease,
        context.sink,
        channel,
        this.priors,
        {
          grammarFitThreshold: this.grammarFitThreshold,
          maxFallbackSamples: this.maxFallbackSamples,
          onHintProblem: (problem, count) => this.logger?.warn({ provider: this.provider, problem, count }, 'speech hints partly unusable'),
        },
        context.hints,
      );
    } catch (err) {
      lease.release({ broken: true });
      throw err;
    }
  }

  private async createDecoder(): Promise<PocketsphinxDecoder> {
    pocketsphinxApi();
    requirePath(this.files.hmmDir, 'pocketsphinx-en-us', this.provider);
    requirePath(this.files.lmPath, 'pocketsphinx-en-us', this.provider);
    requirePath(this.files.dictPath, 'pocketsphinx-en-us', this.provider);
    const decoder = await PocketsphinxDecoder.create(this.files);
    this.priors.offerModelDefault(decoder.getCepstralMean());
    return decoder;
  }
}
