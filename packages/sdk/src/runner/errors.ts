/**
 * Errors raised by the connectivity runtime. Each carries a `code` from a closed union; branch on
 * `code` (or `instanceof`), never on the message.
 */

/** Every code a runner-side error can carry. */
export type RunnerErrorCode =
  | 'invalid_option'
  | 'missing_api_key'
  | 'auth_failed'
  | 'transport_rejected'
  | 'runner_stopped'
  | 'bridge_dial_failed'
  | 'bridge_handshake_failed'
  | 'call_cancelled'
  | 'session_closed'
  | 'verb_not_supported'
  | 'invalid_argument'
  | 'adapter_failed';

/** Base class of all connectivity errors. */
export class RunnerError extends Error {
  /** Stable machine-readable code. */
  readonly code: RunnerErrorCode;

  constructor(code: RunnerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunnerError';
    this.code = code;
  }
}

/** Invalid `AgentRunner` options, or no API key (`missing_api_key`). Thrown by the constructor. */
export class RunnerConfigError extends RunnerError {
  constructor(code: 'invalid_option' | 'missing_api_key', message: string) {
    super(code, message);
    this.name = 'RunnerConfigError';
  }
}

/**
 * The orchestrator refused the API key (control socket closed with 4001 or 1008, or the upgrade
 * was answered 401/403). Fatal: the runner stops reconnecting.
 */
export class RunnerAuthError extends RunnerError {
  /** WebSocket close code or HTTP status that carried the refusal. */
  readonly closeCode: number;

  constructor(closeCode: number, detail = '') {
    super(
      'auth_failed',
      `the Unpod server refused the runner's credential (code ${closeCode}${detail ? `: ${detail}` : ''}); ` +
        'check UNPOD_API_KEY (or the apiKey option) and that the key belongs to this server',
    );
    this.name = 'RunnerAuthError';
    this.closeCode = closeCode;
  }
}

/** The orchestrator does not offer the `dial_out` transport. Fatal: the runner stops. */
export class TransportRejectedError extends RunnerError {
  constructor(transportAck: string | undefined) {
    super(
      'transport_rejected',
      `the orchestrator acknowledged transport "${transportAck ?? '(none)'}" instead of "dial_out"; ` +
        'upgrade the Unpod server (legacy "serve" runners are not supported by this SDK)',
    );
    this.name = 'TransportRejectedError';
  }
}

/** A session method used a verb the server did not negotiate in `hello.ack`. */
export class VerbNotSupportedError extends RunnerError {
  /** The verb that was refused, e.g. `agent.filler`. */
  readonly verb: string;

  constructor(verb: string) {
    super('verb_not_supported', `the Unpod server does not support "${verb}" on this call (not in hello.ack negotiated_verbs)`);
    this.name = 'VerbNotSupportedError';
    this.verb = verb;
  }
}

/** A session method was used after the bridge closed. */
export class SessionClosedError extends RunnerError {
  constructor(verb: string) {
    super('session_closed', `cannot send "${verb}": the call's bridge is closed`);
    this.name = 'SessionClosedError';
  }
}

/** Dialing the bridge failed before the handshake completed (after all attempts). */
export class BridgeDialError extends RunnerError {
  /** Close code the server sent, when it closed the socket. */
  readonly closeCode: number | null;

  constructor(code: 'bridge_dial_failed' | 'bridge_handshake_failed', message: string, closeCode: number | null = null, cause?: unknown) {
    super(code, message, { cause });
    this.name = 'BridgeDialError';
    this.closeCode = closeCode;
  }
}

/** The reason attached to aborts the runtime itself triggers (job.cancel, shutdown). */
export class CallCancelledError extends RunnerError {
  constructor(reason: string) {
    super('call_cancelled', `call cancelled: ${reason}`);
    this.name = 'CallCancelledError';
  }
}

/** A dialog adapter failed (provider HTTP error, tool loop limit, bad response). */
export class AdapterError extends RunnerError {
  /** HTTP status of the provider response, when there was one. */
  readonly status: number | null;
  /** Provider error code (e.g. OpenAI `error.code`), when known. */
  readonly providerCode: string | null;
  /** True when retrying the same request may succeed (timeouts, 429, 5xx, network errors). */
  readonly transient: boolean;

  constructor(message: string, details: { status?: number | null; providerCode?: string | null; transient?: boolean; cause?: unknown } = {}) {
    super('adapter_failed', message, { cause: details.cause });
    this.name = 'AdapterError';
    this.status = details.status ?? null;
    this.providerCode = details.providerCode ?? null;
    this.transient = details.transient ?? false;
  }
}
