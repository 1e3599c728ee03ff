// Types for the untyped emscripten build in @echogarden/speex-resampler-wasm: only the exports
// resampler.ts calls. Pointers are byte offsets into the module's linear memory.
declare module '@echogarden/speex-resampler-wasm' {
  export interface SpeexWasmModule {
    /** Views over linear memory; replaced when memory grows, so read them after every `_malloc`. */
    HEAP16: Int16Array;
    HEAP32: Int32Array;
    HEAPU32: Uint32Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _speex_resampler_init(channels: number, inRateHz: number, outRateHz: number, quality: number, errPtr: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_process_interleaved_int(
      state: number,
      inPtr: number,
      inLenPtr: number,
      outPtr: number,
      outLenPtr: number,
    ): number;
    _speex_resampler_get_input_latency(state: number): number;
    _speex_resampler_get_output_latency(state: number): number;
    _speex_resampler_skip_zeros(state: number): number;
    _speex_resampler_reset_mem(state: number): number;
  }
  const createModule: (moduleArg?: Record<string, unknown>) => Promise<SpeexWasmModule>;
  export default createModule;
}
