import { isErrorCode, type ErrorCode } from '@unpod/protocol';

/**
 * Root of every error the SDK throws on purpose. Callers that only care whether Unpod failed
 * catch this; callers that care why branch on the subclass or on `UnpodApiError.code`.
 * Messages never contain the API key.
 */
export class UnpodError extends Error {
  override name = 'UnpodError';
}

/** The client was configured in a way that can never work (no API key, a negative timeout, ...). */
export class UnpodConfigError extends UnpodError {
  override name = 'UnpodConfigError';
}

/** No HTTP response arrived: DNS failure, refused or reset connection, TLS failure. */
export class UnpodConnectionError extends UnpodError {
  override name = 'UnpodConnectionError';
}

/** One attempt took longer than its `timeoutMs` and was aborted. */
export class UnpodTimeoutError extends UnpodError {
  override name = 'UnpodTimeoutError';

  /** The per-attempt budget that ran out. */
  readonly timeoutMs: number;

  /** @param timeoutMs the per-attempt budget that ran out */
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`request timed out after ${String(timeoutMs)} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** A 2xx response whose body the SDK could not read as the documented JSON. */
export class UnpodResponseError extends UnpodError {
  override name = 'UnpodResponseError';
}

/** What the server said about a failed request, as carried by every `UnpodApiError`. */
export interface ApiErrorInit {
  status: number;
  code: ErrorCode;
  message: string;
  field?: string | undefined;
  /** The `X-Request-Id` of the attempt that failed (the server's echo when it sends one). */
  requestId: string;
  /** Milliseconds the server asked the client to wait (`Retry-After`), when it said. */
  retryAfterMs?: number | undefined;
}

/**
 * The server answered with a 4xx/5xx `{error: {code, message, field?}}` body. Switch on `code`
 * (a closed union shared with the server) rather than on `message`, which is for humans.
 */
export class UnpodApiError extends UnpodError {
  override name = 'UnpodApiError';

  /** HTTP status of the response. */
  readonly status: number;
  /** Stable machine-readable code, e.g. `number_already_attached`. */
  readonly code: ErrorCode;
  /** The request field at fault (dotted path), for validation errors. */
  readonly field: string | undefined;
  /** Quote this id when reporting a problem: it finds the request in the server's logs. */
  readonly requestId: string;
  /** Milliseconds the server asked the client to wait before retrying, when it said. */
  readonly retryAfterMs: number | undefined;

  /** @param init the response's status, code, message and correlation id */
  constructor(init: ApiErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.field = init.field;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 400, 413, 415, 422: the request itself is wrong; `field` names the culprit when known. */
export class ValidationError extends UnpodApiError {
  override name = 'ValidationError';
}

/** 401: the API key is missing, malformed, unknown or revoked. */
export class AuthenticationError extends UnpodApiError {
  override name = 'AuthenticationError';
}

/** 403: the key is valid but may not touch this resource. */
export class PermissionDeniedError extends UnpodApiError {
  override name = 'PermissionDeniedError';
}

/** 404: no such resource in this key's space. */
export class NotFoundError extends UnpodApiError {
  override name = 'NotFoundError';
}

/** 409: the request clashes with current state, e.g. a number already attached elsewhere. */
export class ConflictError extends UnpodApiError {
  override name = 'ConflictError';
}

/** 429: slow down; `retryAfterMs` says for how long when the server said. */
export class RateLimitError extends UnpodApiError {
  override name = 'RateLimitError';
}

/** 5xx: the server failed; retried automatically for idempotent requests before surfacing. */
export class ServerError extends UnpodApiError {
  override name = 'ServerError';
}

/** Code assumed when a response carries no readable error body (e.g. a proxy's HTML page). */
function fallbackCode(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'validation_failed';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 502:
    case 503:
    case 504:
      return 'service_unavailable';
    default:
      return 'internal';
  }
}

function errorClassFor(status: number): typeof UnpodApiError {
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status === 400 || status === 413 || status === 415 || status === 422) return ValidationError;
  if (status >= 500) return ServerError;
  return UnpodApiError;
}

/**
 * Build the typed error for a non-2xx response. `body` is the parsed JSON (or undefined when the
 * body was empty or not JSON); anything not shaped like `{error: {code, message}}` falls back to
 * a code derived from the status, and the raw body is never echoed into the message.
 */
export function apiErrorFromResponse(
  status: number,
  body: unknown,
  requestId: string,
  retryAfterMs?: number,
): UnpodApiError {
  const detail = isObject(body) && isObject(body.error) ? body.error : undefined;
  const code = isErrorCode(detail?.code) ? detail.code : fallbackCode(status);
  const message = typeof detail?.message === 'string' && detail.message ? detail.message : `HTTP ${String(status)}`;
  const field = typeof detail?.field === 'string' ? detail.field : undefined;
  const ErrorClass = errorClassFor(status);
  return new ErrorClass({ status, code, message, field, requestId, retryAfterMs });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
