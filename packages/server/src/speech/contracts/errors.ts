/**
 * The closed set of speech error codes. Callers (the pipeline, failover in the provider chain)
 * branch on `code`, never on message text.
 *
 * - `unavailable`: the engine cannot serve now (library or model missing, pool exhausted, vendor down).
 * - `timeout`: a bounded wait ran out (first result, final result, first audio chunk).
 * - `stalled`: a running stream stopped producing results while input kept flowing.
 * - `bad_audio`: the input cannot be decoded or has an unusable format.
 * - `unsupported`: the request asks for something the engine does not do (provider, language, voice, rate).
 * - `provider_error`: the engine itself failed.
 * - `aborted`: the caller cancelled through its `AbortSignal` or `close()`.
 */
export type SpeechErrorCode =
  | 'unavailable'
  | 'timeout'
  | 'stalled'
  | 'bad_audio'
  | 'unsupported'
  | 'provider_error'
  | 'aborted';

/** Options of {@link SpeechError}. */
export interface SpeechErrorOptions {
  /** Provider name (`pocketsphinx`, `flite`...), when the error is tied to one. */
  provider?: string | undefined;
  /**
   * True when repeating the same request may succeed (a transient vendor error, a dropped
   * connection). The adapter bases retry only these, a bounded number of times.
   */
  retryable?: boolean | undefined;
  cause?: unknown;
}

/** An error from the speech layer. Messages never contain transcripts or keys. */
export class SpeechError extends Error {
  override readonly name = 'SpeechError';
  readonly provider: string | undefined;
  readonly retryable: boolean;

  constructor(
    readonly code: SpeechErrorCode,
    message: string,
    options: SpeechErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.retryable = options.retryable ?? false;
  }
}

/** True for a {@link SpeechError}, optionally of one code. */
export function isSpeechError(value: unknown, code?: SpeechErrorCode): value is SpeechError {
  return value instanceof SpeechError && (code === undefined || value.code === code);
}

/**
 * Normalises anything thrown by an engine into a {@link SpeechError}: speech errors pass through,
 * abort errors become `aborted`, everything else `provider_error` (not retryable).
 */
export function toSpeechError(err: unknown, provider: string | undefined): SpeechError {
  if (err instanceof SpeechError) return err;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return new SpeechError('aborted', 'operation was aborted', { provider, cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new SpeechError('provider_error', `engine failed: ${detail}`, { provider, cause: err });
}

/** The error a cancelled operation rejects with. */
export function abortedError(provider: string | undefined, signal?: AbortSignal): SpeechError {
  const reason: unknown = signal?.reason;
  if (reason instanceof SpeechError) return reason;
  return new SpeechError('aborted', 'operation was aborted', { provider, cause: reason });
}
