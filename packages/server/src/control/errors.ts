import { httpStatusFor, type ErrorCode } from '@unpod/protocol';

/**
 * The control plane's one error type. Carries a code from the closed protocol union; the HTTP
 * layer maps it to a status and `{error: {code, message, field?}}` once, in `http/errors.ts`.
 * Messages are for humans and never contain secrets, phone numbers or internals.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.status = httpStatusFor(code);
  }
}

export function notFound(what: string): ApiError {
  return new ApiError('not_found', `${what} not found`);
}

/** True when a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when a driver error is a foreign-key violation (SQLite or PostgreSQL). */
export function isForeignKeyViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown };
  return e.code === '23503' || e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
