import { describe, expect, it } from 'vitest';
import {
  apiErrorFromResponse,
  AuthenticationError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnpodApiError,
  UnpodError,
  ValidationError,
} from './errors.js';

const body = (code: string, message = 'msg', field?: string) => ({ error: { code, message, field } });

describe('apiErrorFromResponse', () => {
  it.each([
    [400, 'invalid_json', ValidationError],
    [401, 'unauthorized', AuthenticationError],
    [403, 'forbidden', PermissionDeniedError],
    [404, 'not_found', NotFoundError],
    [409, 'number_already_attached', ConflictError],
    [413, 'payload_too_large', ValidationError],
    [415, 'unsupported_media_type', ValidationError],
    [422, 'validation_failed', ValidationError],
    [429, 'rate_limited', RateLimitError],
    [500, 'internal', ServerError],
    [503, 'no_worker_available', ServerError],
  ] as const)('maps %i %s to %o', (status, code, ErrorClass) => {
    const error = apiErrorFromResponse(status, body(code), 'req-1');
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(UnpodApiError);
    expect(error).toBeInstanceOf(UnpodError);
    expect(error).toMatchObject({ status, code, message: 'msg', requestId: 'req-1' });
    expect(error.name).toBe(ErrorClass.name);
  });

  it('keeps the field at fault', () => {
    const error = apiErrorFromResponse(422, body('validation_failed', 'too long', 'endpointing.silence_ms'), 'r');
    expect(error.field).toBe('endpointing.silence_ms');
  });

  it('uses the base class for statuses without a family', () => {
    const error = apiErrorFromResponse(405, body('method_not_allowed'), 'r');
    expect(error.constructor).toBe(UnpodApiError);
  });

  it('derives a code from the status when the body is not an Unpod error', () => {
    expect(apiErrorFromResponse(502, undefined, 'r')).toMatchObject({ code: 'service_unavailable', message: 'HTTP 502' });
    expect(apiErrorFromResponse(404, { detail: 'nope' }, 'r')).toMatchObject({ code: 'not_found' });
    expect(apiErrorFromResponse(418, undefined, 'r')).toMatchObject({ code: 'internal' });
  });

  it('does not pass an unknown code through, but keeps the message', () => {
    const error = apiErrorFromResponse(409, body('brand_new_code', 'try again'), 'r');
    expect(error).toMatchObject({ code: 'conflict', message: 'try again' });
  });
});
