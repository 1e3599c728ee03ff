/**
 * The closed set of error codes Unpod returns. Callers branch on `code`, never on message text.
 * Each code maps once to an HTTP status here; WebSocket close codes live in `wire/close-codes.ts`.
 */
export const ERROR_HTTP_STATUS = {
  invalid_json: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  number_already_attached: 409,
  number_exists: 409,
  call_not_active: 409,
  idempotency_key_reused: 409,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  voice_profile_not_found: 422,
  pipe_not_found: 422,
  trunk_not_found: 422,
  no_route: 422,
  rate_limited: 429,
  internal: 500,
  no_worker_available: 503,
  service_unavailable: 503,
} as const;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];

/** HTTP status for an error code. */
export function httpStatusFor(code: ErrorCode): number {
  return ERROR_HTTP_STATUS[code];
}

/** True when `value` is one of the known error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_HTTP_STATUS, value);
}
