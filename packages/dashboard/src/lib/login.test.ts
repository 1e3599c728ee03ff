import { describe, expect, it } from 'vitest';
import { looksLikeApiKey, loginTokenFrom, withoutLogin } from './login.js';

describe('login helpers', () => {
  it('takes a well-formed login token from the URL and drops it from the search string', () => {
    const token = 'll_' + 'a'.repeat(43);
    expect(loginTokenFrom(`?login=${token}`)).toBe(token);
    expect(loginTokenFrom('?login=ll_short')).toBeNull();
    expect(loginTokenFrom('?login=sk_' + 'a'.repeat(43))).toBeNull();
    expect(loginTokenFrom('')).toBeNull();
    expect(withoutLogin(`?login=${token}&pipe=P1`)).toBe('?pipe=P1');
    expect(withoutLogin(`?login=${token}`)).toBe('');
  });

  it('checks API key syntax', () => {
    expect(looksLikeApiKey(' sk_' + 'A'.repeat(43) + ' ')).toBe(true);
    expect(looksLikeApiKey('sk_123')).toBe(false);
    expect(looksLikeApiKey('pk_' + 'A'.repeat(43))).toBe(false);
  });
});
