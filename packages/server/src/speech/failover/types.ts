import type { FailoverSettings, ProviderStep } from '@unpod/protocol';
import type { SpeechErrorCode } from '../contracts/errors.js';
import { SpeechError } from '../contracts/errors.js';
import type { BreakerBoard, BreakerPolicy } from './breaker.js';
import type { UsageMeter } from './usage.js';

/** Why a provider was replaced: a speech error code, or a result that failed the sanity checks. */
export type FailoverReason = SpeechErrorCode | 'malformed_result';

/** One provider replaced by the next of its chain, during a call. */
export interface FailoverEvent {
  kind: 'stt' | 'tts';
  /** Provider that failed. */
  from: string;
  /** Provider that took over. */
  to: string;
  reason: FailoverReason;
  /** The failure, without transcripts or keys. */
  message: string;
  /** `open`: the provider could not start; `stream`: it failed while serving. */
  phase: 'open' | 'stream';
  /** ISO-8601. */
  at: string;
}

/** Timeouts and breaker policy of a chain, in the units the code uses. */
export interface FailoverOptions {
  stallTimeoutMs: number;
  finalTimeoutMs: number;
  ttsTimeoutMs: number;
  breaker: BreakerPolicy;
  stayOnFallbackMs: number;
}

/** What a failover wrapper needs besides its chain. */
export interface FailoverContext {
  options: FailoverOptions;
  breakers: BreakerBoard;
  meter: UsageMeter;
  /** Hears every failover (call record, runner warning, logs). Must not throw. */
  onFailover: (event: FailoverEvent) => void;
  /** Clock for stay-on-fallback and stall checks (default `Date.now`). */
  now?: (() => number) | undefined;
}

/** One step of a chain with the adapter it resolved to. */
export interface ChainLink<A> {
  step: ProviderStep;
  adapter: A;
}

/** Converts a profile's settings (seconds, snake case) to {@link FailoverOptions}. */
export function failoverOptions(settings: FailoverSettings): FailoverOptions {
  return {
    stallTimeoutMs: settings.stall_timeout_ms,
    finalTimeoutMs: settings.final_timeout_ms,
    ttsTimeoutMs: settings.tts_timeout_ms,
    breaker: {
      failureThreshold: settings.breaker_failures,
      windowMs: settings.breaker_window_s * 1000,
      cooldownMs: settings.breaker_cooldown_s * 1000,
    },
    stayOnFallbackMs: settings.stay_on_fallback_s * 1000,
  };
}

/** A provider's result that cannot be right (binary text, impossible timings, no audio for a sentence). */
export class MalformedResultError extends SpeechError {
  constructor(provider: string, what: string) {
    super('provider_error', `malformed result: ${what}`, { provider, retryable: true });
  }
}

/** The reason recorded for a failure. */
export function failoverReason(err: SpeechError): FailoverReason {
  return err instanceof MalformedResultError ? 'malformed_result' : err.code;
}
