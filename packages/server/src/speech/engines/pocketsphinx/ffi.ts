import koffi from 'koffi';
import { loadNativeLibrary, type NativeLibrary } from '../native.js';

/** Opaque C pointers as koffi hands them out. */
export type CPointer = unknown;

/**
 * The slice of the pocketsphinx 5prealpha / sphinxbase C API the engine uses (Debian
 * `libpocketsphinx3`, `libsphinxbase3`). Signatures follow `pocketsphinx.h`, `ps_search.h`,
 * `cmd_ln.h` and `cmn.h` of those packages.
 */
export interface PocketsphinxApi {
  cmd_ln_parse_r(inout: CPointer, defn: CPointer, argc: number, argv: CPointer, strict: number): CPointer;
  cmd_ln_free_r(config: CPointer): number;
  ps_args(): CPointer;
  ps_init: ((config: CPointer) => CPointer) & { async: (...args: never[]) => unknown };
  ps_free(ps: CPointer): number;
  ps_start_stream(ps: CPointer): number;
  ps_start_utt(ps: CPointer): number;
  ps_process_raw: ((ps: CPointer, data: Int16Array, n: number, noSearch: number, fullUtt: number) => number) & {
    async: (...args: never[]) => unknown;
  };
  ps_end_utt: ((ps: CPointer) => number) & { async: (...args: never[]) => unknown };
  ps_get_hyp(ps: CPointer, score: number[]): string | null;
  ps_get_n_frames(ps: CPointer): number;
  ps_set_search(ps: CPointer, name: string): number;
  ps_get_search(ps: CPointer): string | null;
  ps_set_jsgf_string(ps: CPointer, name: string, jsgf: string): number;
  ps_unset_search(ps: CPointer, name: string): number;
  ps_lookup_word(ps: CPointer, word: string): CPointer;
  ps_get_logmath(ps: CPointer): CPointer;
  ps_get_feat(ps: CPointer): CPointer;
  ps_seg_iter(ps: CPointer): CPointer;
  ps_seg_next(seg: CPointer): CPointer;
  ps_seg_word(seg: CPointer): string | null;
  ps_seg_frames(seg: CPointer, sf: number[], ef: number[]): void;
  ps_seg_prob(seg: CPointer, ascr: number[], lscr: number[], lback: number[]): number;
  logmath_exp(lmath: CPointer, logb: number): number;
  ckd_free(p: CPointer): void;
  cmn_live_get(cmn: CPointer, vec: Float32Array): void;
  cmn_live_set(cmn: CPointer, vec: Float32Array): void;
  /** Reads `feat_t.cmn_struct` from `ps_get_feat()`. */
  cmnOf(feat: CPointer): CPointer;
  /** Cepstral vector length (`feat_t.cepsize`). */
  cepsizeOf(feat: CPointer): number;
}

/**
 * The head of sphinxbase's `feat_t` up to `cmn_struct` (public in `feat.h`): the live cepstral
 * mean is read and restored through it.
 */
const FeatHead = koffi.struct('unpod_feat_head', {
  refcount: 'int',
  name: 'char *',
  cepsize: 'int32_t',
  n_stream: 'int32_t',
  stream_len: 'void *',
  window_size: 'int32_t',
  n_sv: 'int32_t',
  sv_len: 'void *',
  subvecs: 'void *',
  sv_buf: 'void *',
  sv_dim: 'int32_t',
  cmn: 'int',
  varnorm: 'int32_t',
  agc: 'int',
  compute_feat: 'void *',
  cmn_struct: 'void *',
});

let api: PocketsphinxApi | undefined;

/** Binds the libraries once per process; `unavailable` names the Debian package when missing. */
export function pocketsphinxApi(): PocketsphinxApi {
  if (api !== undefined) return api;
  const sb: NativeLibrary = loadNativeLibrary('libsphinxbase.so.3', 'libsphinxbase3', 'pocketsphinx');
  const ps: NativeLibrary = loadNativeLibrary('libpocketsphinx.so.3', 'libpocketsphinx3', 'pocketsphinx');
  api = {
    cmd_ln_parse_r: sb.func('void *cmd_ln_parse_r(void *inout, void *defn, int argc, void *argv, int strict)'),
    cmd_ln_free_r: sb.func('int cmd_ln_free_r(void *cmdln)'),
    ps_args: ps.func('void *ps_args()'),
    ps_init: ps.func('void *ps_init(void *config)'),
    ps_free: ps.func('int ps_free(void *ps)'),
    ps_start_stream: ps.func('int ps_start_stream(void *ps)'),
    ps_start_utt: ps.func('int ps_start_utt(void *ps)'),
    ps_process_raw: ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)'),
    ps_end_utt: ps.func('int ps_end_utt(void *ps)'),
    ps_get_hyp: ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)'),
    ps_get_n_frames: ps.func('int ps_get_n_frames(void *ps)'),
    ps_set_search: ps.func('int ps_set_search(void *ps, const char *name)'),
    ps_get_search: ps.func('const char *ps_get_search(void *ps)'),
    ps_set_jsgf_string: ps.func('int ps_set_jsgf_string(void *ps, const char *name, const char *jsgf)'),
    ps_unset_search: ps.func('int ps_unset_search(void *ps, const char *name)'),
    ps_lookup_word: ps.func('void *ps_lookup_word(void *ps, const char *word)'),
    ps_get_logmath: ps.func('void *ps_get_logmath(void *ps)'),
    ps_get_feat: ps.func('void *ps_get_feat(void *ps)'),
    ps_seg_iter: ps.func('void *ps_seg_iter(void *ps)'),
    ps_seg_next: ps.func('void *ps_seg_next(void *seg)'),
    ps_seg_word: ps.func('const char *ps_seg_word(void *seg)'),
    ps_seg_frames: ps.func('void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)'),
    ps_seg_prob: ps.func('int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)'),
    logmath_exp: sb.func('double logmath_exp(void *lmath, int logb)'),
    ckd_free: sb.func('void ckd_free(void *p)'),
    cmn_live_get: sb.func('void cmn_live_get(void *cmn, _Out_ float *vec)'),
    cmn_live_set: sb.func('void cmn_live_set(void *cmn, const float *vec)'),
    cmnOf: (feat) => (koffi.decode(feat, FeatHead) as { cmn_struct: CPointer }).cmn_struct,
    cepsizeOf: (feat) => (koffi.decode(feat, FeatHead) as { cepsize: number }).cepsize,
  } as PocketsphinxApi;
  return api;
}
