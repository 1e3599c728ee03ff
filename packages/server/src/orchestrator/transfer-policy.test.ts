import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSFER_REFUSAL } from '@unpod/protocol';
import { checkTransfer, transferPolicyOf, type TransferPolicy } from './transfer-policy.js';

const policy = (allowedNumbers: string[] | null, allowedPrefixes: string[] | null): TransferPolicy => ({ allowedNumbers, allowedPrefixes, refusalPhrase: 'no' });

describe('transfer destination policy (spec 4.4)', () => {
  it('"number: always E.164 shape-checked (malformed -> refused)"', () => {
    for (const target of ['4155550123', '+0415555', '+1 415 555 0123', '', '+1234567890123456']) {
      expect(checkTransfer(policy(null, null), 'number', target)).toEqual({ allowed: false, reason: 'invalid_number' });
    }
  });

  it('"both unset = unrestricted"', () => {
    expect(checkTransfer(policy(null, null), 'number', '+14155550123')).toEqual({ allowed: true });
  });

  it('"configured but empty = deny-all"', () => {
    expect(checkTransfer(policy([], null), 'number', '+14155550123')).toEqual({ allowed: false, reason: 'not_in_allowlist' });
    expect(checkTransfer(policy(null, []), 'number', '+14155550123')).toEqual({ allowed: false, reason: 'not_in_allowlist' });
  });

  it('"exact member of the numbers list or matches one of the prefixes (union)"', () => {
    const p = policy(['+14155550123'], ['+4420']);
    expect(checkTransfer(p, 'number', '+14155550123').allowed).toBe(true);
    expect(checkTransfer(p, 'number', '+442071234567').allowed).toBe(true);
    expect(checkTransfer(p, 'number', '+14155550124').allowed).toBe(false);
    expect(checkTransfer(policy(['+14155550123'], null), 'number', '+141555501234').allowed).toBe(false);
  });

  it('"human / agent: bypass the allowlist"', () => {
    expect(checkTransfer(policy([], []), 'human', 'sales-queue')).toEqual({ allowed: true });
    expect(checkTransfer(policy([], []), 'agent', 'billing-bot')).toEqual({ allowed: true });
    expect(checkTransfer(policy(null, null), 'agent', '  ')).toEqual({ allowed: false, reason: 'empty_target' });
  });

  it('defaults the refusal phrase when there is no pipe', () => {
    expect(transferPolicyOf(undefined)).toEqual({ allowedNumbers: null, allowedPrefixes: null, refusalPhrase: DEFAULT_TRANSFER_REFUSAL });
  });
});
