import { SpeechError } from '../../contracts/errors.js';
import { Mutex } from '../../util/mutex.js';
import { CStringArray, callAsync } from '../native.js';
import { pocketsphinxApi, type CPointer, type PocketsphinxApi } from './ffi.js';

/** Files of a pocketsphinx model. */
export interface PocketsphinxModelFiles {
  /** Acoustic model folder (`-hmm`). */
  hmmDir: string;
  /** Trigram language model (`-lm`), the open-vocabulary search. */
  lmPath: string;
  /** Pronunciation dictionary (`-dict`). */
  dictPath: string;
  /** Further `-flag value` pairs passed to the decoder. */
  extraArgs?: readonly string[];
}

/** One word (or filler) of a decoded utterance. */
export interface DecodedSegment {
  /** As the dictionary spells it, without a pronunciation-variant suffix (`read(2)` -> `read`). */
  word: string;
  /** 10 ms frames from the start of the utterance. */
  startFrame: number;
  endFrame: number;
  /** Acoustic score in the decoder's log base (senone scores are relative to each frame's best). */
  acousticScore: number;
  /** Word posterior probability 0..1 (1 in grammar searches, which compute none). */
  posterior: number;
  /** True for silence, noise and sentence markers. */
  filler: boolean;
}

/**
 * Loading and freeing models touch sphinxbase's process-wide state (two `ps_init` running on
 * koffi worker threads at once corrupted the heap here), so they run one at a time. Decoding
 * touches only the decoder's own state and may overlap across decoders.
 */
const lifecycleLock = new Mutex();

/** The name pocketsphinx gives the search configured from `-lm`. */
export const OPEN_SEARCH = '_default';
/** The search name hint grammars are compiled into. */
export const HINT_SEARCH = 'unpod_hints';

/**
 * One native pocketsphinx decoder (`ps_decoder_t`): acoustic model, dictionary and language model,
 * about 90 MB. Not thread-safe and not re-entrant: one user at a time (see the pool), and no call
 * while an asynchronous one is in flight.
 */
export class PocketsphinxDecoder {
  private handle: CPointer;
  private readonly cmn: CPointer;
  private grammarText: string | null = null;
  private search = OPEN_SEARCH;
  readonly cepstrumLength: number;

  private constructor(
    private readonly api: PocketsphinxApi,
    handle: CPointer,
    private readonly config: CPointer,
    private readonly argv: CStringArray,
  ) {
    this.handle = handle;
    const feat = api.ps_get_feat(handle);
    this.cmn = api.cmnOf(feat);
    this.cepstrumLength = api.cepsizeOf(feat);
  }

  /** Loads a decoder on koffi's worker thread (model loading takes 0.3-0.5 s). */
  static create(files: PocketsphinxModelFiles): Promise<PocketsphinxDecoder> {
    return lifecycleLock.run(() => PocketsphinxDecoder.load(files));
  }

  private static async load(files: PocketsphinxModelFiles): Promise<PocketsphinxDecoder> {
    const api = pocketsphinxApi();
    const args = ['-hmm', files.hmmDir, '-lm', files.lmPath, '-dict', files.dictPath, '-logfn', '/dev/null', ...(files.extraArgs ?? [])];
    const argv = new CStringArray(args);
    const config = api.cmd_ln_parse_r(null, api.ps_args(), args.length, argv.pointer, 1);
    if (config === null) {
      argv.free();
      throw new SpeechError('provider_error', 'pocketsphinx rejected its configuration', { provider: 'pocketsphinx' });
    }
    const handle = await callAsync<CPointer>(api.ps_init, config);
    if (handle === null) {
      api.cmd_ln_free_r(config);
      argv.free();
      throw new SpeechError('unavailable', `pocketsphinx could not load the model in ${files.hmmDir}`, { provider: 'pocketsphinx' });
    }
    return new PocketsphinxDecoder(api, handle, config, argv);
  }

  /** Compiles `jsgf` into the hint search (cached while unchanged); false when it does not compile. */
  loadGrammar(jsgf: string): boolean {
    if (this.grammarText === jsgf) return true;
    this.selectSearch(OPEN_SEARCH);
    if (this.grammarText !== null) this.api.ps_unset_search(this.live(), HINT_SEARCH);
    this.grammarText = null;
    if (this.api.ps_set_jsgf_string(this.live(), HINT_SEARCH, jsgf) !== 0) return false;
    this.grammarText = jsgf;
    return true;
  }

  /** True when the dictionary has a pronunciation for `word`. */
  hasWord(word: string): boolean {
    const p = this.api.ps_lookup_word(this.live(), word);
    if (p === null) return false;
    this.api.ckd_free(p);
    return true;
  }

  /** Starts an utterance on `search` (`OPEN_SEARCH` or `HINT_SEARCH`); frame numbers restart at 0. */
  startUtterance(search: string): void {
    this.selectSearch(search);
    this.api.ps_start_stream(this.live());
    if (this.api.ps_start_utt(this.live()) !== 0) throw new SpeechError('provider_error', 'ps_start_utt failed', { provider: 'pocketsphinx' });
  }

  /** Decodes PCM16 at 16 kHz on the calling thread (a 20 ms chunk costs a few ms). */
  process(samples: Int16Array): void {
    if (this.api.ps_process_raw(this.live(), samples, samples.length, 0, 0) < 0) {
      throw new SpeechError('provider_error', 'ps_process_raw failed', { provider: 'pocketsphinx' });
    }
  }

  /** Decodes a long block on koffi's worker thread. */
  async processInBackground(samples: Int16Array): Promise<void> {
    const n = await callAsync<number>(this.api.ps_process_raw, this.live(), samples, samples.length, 0, 0);
    if (n < 0) throw new SpeechError('provider_error', 'ps_process_raw failed', { provider: 'pocketsphinx' });
  }

  /** The current best hypothesis (partial during an utterance, final after it). */
  hypothesis(): string {
    const score = [0];
    return normaliseHypothesis(this.api.ps_get_hyp(this.live(), score) ?? '');
  }

  /** Ends the utterance on koffi's worker thread (the final passes can take tens of ms). */
  async endUtterance(): Promise<void> {
    const rc = await callAsync<number>(this.api.ps_end_utt, this.live());
    if (rc < 0) throw new SpeechError('provider_error', 'ps_end_utt failed', { provider: 'pocketsphinx' });
  }

  /** Frames decoded in the current (or last) utterance. */
  frames(): number {
    return this.api.ps_get_n_frames(this.live());
  }

  /** Word segmentation of the best hypothesis. */
  segments(): DecodedSegment[] {
    const api = this.api;
    const logmath = api.ps_get_logmath(this.live());
    const out: DecodedSegment[] = [];
    for (let seg = api.ps_seg_iter(this.live()); seg !== null; seg = api.ps_seg_next(seg)) {
      const raw = api.ps_seg_word(seg) ?? '';
      const sf = [0];
      const ef = [0];
      api.ps_seg_frames(seg, sf, ef);
      const ascr = [0];
      const lscr = [0];
      const lback = [0];
      const logPosterior = api.ps_seg_prob(seg, ascr, lscr, lback);
      const word = raw.replace(/\(\d+\)$/, '');
      out.push({
        word,
        startFrame: sf[0]!,
        endFrame: ef[0]!,
        acousticScore: ascr[0]!,
        posterior: Math.min(1, api.logmath_exp(logmath, logPosterior)),
        filler: word === '' || /^[<[(]/.test(word),
      });
    }
    return out;
  }

  /** The live cepstral mean (CMN), `cepstrumLength` values. */
  getCepstralMean(): Float32Array {
    const v = new Float32Array(this.cepstrumLength);
    this.api.cmn_live_get(this.cmn, v);
    return v;
  }

  /** Replaces the live cepstral mean; takes effect from the next frame. */
  setCepstralMean(mean: Float32Array): void {
    if (mean.length !== this.cepstrumLength) throw new RangeError(`cepstral mean needs ${this.cepstrumLength} values`);
    this.api.cmn_live_set(this.cmn, mean);
  }

  /** Frees the native decoder (after any model load in progress). Idempotent. */
  free(): Promise<void> {
    const handle = this.handle;
    if (handle === null) return Promise.resolve();
    this.handle = null;
    return lifecycleLock.run(() => {
      this.api.ps_free(handle);
      this.api.cmd_ln_free_r(this.config);
      this.argv.free();
    });
  }

  private selectSearch(name: string): void {
    if (this.search === name) return;
    if (this.api.ps_set_search(this.live(), name) !== 0) {
      throw new SpeechError('provider_error', `pocketsphinx has no search "${name}"`, { provider: 'pocketsphinx' });
    }
    this.search = name;
  }

  private live(): CPointer {
    if (this.handle === null) throw new SpeechError('provider_error', 'decoder was freed', { provider: 'pocketsphinx' });
    return this.handle;
  }
}

/** Lower case, single spaces, no pronunciation-variant suffixes or fillers. */
export function normaliseHypothesis(text: string): string {
  return text
    .split(/\s+/)
    .map((w) => w.replace(/\(\d+\)$/, ''))
    .filter((w) => w.length > 0 && !/^[<[]/.test(w))
    .join(' ')
    .toLowerCase();
}
