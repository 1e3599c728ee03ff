import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_HTTP_STATUS, httpStatusFor, isErrorCode } from './errors.js';
import { ID_PREFIX, idPattern, type IdKind } from './ids.js';
import { CLOSE_CODES } from './wire/close-codes.js';

describe('error codes', () => {
  it('map every code once to an HTTP error status', () => {
    expect(ERROR_CODES.length).toBe(Object.keys(ERROR_HTTP_STATUS).length);
    for (const code of ERROR_CODES) {
      const status = httpStatusFor(code);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('fix the statuses clients branch on', () => {
    expect(httpStatusFor('invalid_json')).toBe(400);
    expect(httpStatusFor('invalid_cursor')).toBe(400);
    expect(httpStatusFor('unauthorized')).toBe(401);
    expect(httpStatusFor('not_found')).toBe(404);
    expect(httpStatusFor('method_not_allowed')).toBe(405);
    expect(httpStatusFor('number_already_attached')).toBe(409);
    expect(httpStatusFor('idempotency_key_reused')).toBe(409);
    expect(httpStatusFor('payload_too_large')).toBe(413);
    expect(httpStatusFor('unsupported_media_type')).toBe(415);
    expect(httpStatusFor('validation_failed')).toBe(422);
    expect(httpStatusFor('voice_profile_not_found')).toBe(422);
    expect(httpStatusFor('internal')).toBe(500);
    expect(httpStatusFor('no_worker_available')).toBe(503);
  });

  it('recognise only their own names', () => {
    expect(isErrorCode('not_found')).toBe(true);
    for (const v of ['NOT_FOUND', 'toString', '__proto__', 'constructor', '', 404, null, undefined]) expect(isErrorCode(v)).toBe(false);
  });
});

describe('ids and close codes', () => {
  it('id patterns accept their own prefix only', () => {
    for (const kind of Object.keys(ID_PREFIX) as IdKind[]) {
      const re = idPattern(kind);
      expect(re.test(`${ID_PREFIX[kind]}_01ABCDEFGHJKMNPQRSTVWXYZ012`), kind).toBe(true);
      expect(re.test(`XX_01ABC`), kind).toBe(false);
      expect(re.test(`${ID_PREFIX[kind]}_`), kind).toBe(false);
      expect(re.test(`${ID_PREFIX[kind]}_a/b`), kind).toBe(false);
    }
    expect(idPattern('voiceProfile').test('VP_embedded_en')).toBe(true);
  });

  it('keep the close codes fixed by the reference protocol (spec 3.4, 3.5)', () => {
    expect(CLOSE_CODES.unauthorized).toBe(4001);
    expect(CLOSE_CODES.policy).toBe(1008);
    expect(CLOSE_CODES.pairingRejected).toBe(4003);
    expect(CLOSE_CODES.duplicateBridge).toBe(4009);
    expect(new Set(Object.values(CLOSE_CODES)).size).toBe(Object.keys(CLOSE_CODES).length);
  });
});
