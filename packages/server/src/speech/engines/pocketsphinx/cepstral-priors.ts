/**
 * Which kind of audio reaches the decoder. Each has its own cepstral mean: the folded and the
 * clean-resampled narrowband spectra differ from wideband speech (and from each other) a lot.
 */
export type ChannelKey = 'wideband' | 'narrowband-fold' | 'narrowband-resample';

/**
 * Optional starting cepstral means per channel; none built in, so every channel starts from the
 * acoustic model's own `-cmninit` and learns from live calls. A mean fitted on some speakers
 * misfits others (measured on flite voices: it helped one channel and hurt the other), so a fixed
 * seed is no better than the model's default.
 */
export const NARROWBAND_CMN_SEEDS: Readonly<Partial<Record<ChannelKey, readonly number[]>>> = {};

/**
 * Live cepstral mean normalisation (CMN) state per channel, shared by a pool of decoders.
 *
 * Why: pocketsphinx normalises features with a running cepstral mean that is only updated at the
 * end of an utterance, so a call's first utterance is decoded with whatever mean the decoder
 * holds. A pooled decoder would carry the previous caller's channel (wideband WebRTC, folded or
 * resampled phone audio) into the next call. Each session starts from its channel's prior, and at
 * the end folds what it saw back in (an exponential moving average), so the prior follows the
 * channel rather than a single caller.
 */
export class CepstralPriors {
  private readonly priors = new Map<ChannelKey, Float32Array>();
  private modelDefault: Float32Array | undefined;

  constructor(
    private readonly seeds: Readonly<Partial<Record<ChannelKey, readonly number[]>>> = NARROWBAND_CMN_SEEDS,
    /** Weight of one call's mean in the running prior. */
    private readonly learningRate = 0.3,
    /** Calls shorter than this (audio seconds) do not move the prior. */
    private readonly minSecondsToLearn = 2,
  ) {}

  /** Records the model's `-cmninit` (read from a fresh decoder) the first time it is offered. */
  offerModelDefault(mean: Float32Array): void {
    this.modelDefault ??= mean.slice();
  }

  /** The mean a new session on `channel` starts from. */
  get(channel: ChannelKey, fallback: { getCepstralMean(): Float32Array }): Float32Array {
    const known = this.priors.get(channel);
    if (known !== undefined) return known.slice();
    const seed = this.seeds[channel];
    const base = this.modelDefault ?? fallback.getCepstralMean();
    const start = seed !== undefined && seed.length === base.length ? Float32Array.from(seed) : base.slice();
    this.priors.set(channel, start);
    return start.slice();
  }

  /** Folds the mean a session ended with into its channel's prior. */
  learn(channel: ChannelKey, mean: Float32Array, audioSeconds: number): void {
    if (audioSeconds < this.minSecondsToLearn) return;
    const prior = this.priors.get(channel);
    if (prior === undefined || prior.length !== mean.length) return;
    for (let i = 0; i < prior.length; i++) prior[i] = prior[i]! + this.learningRate * (mean[i]! - prior[i]!);
  }
}
