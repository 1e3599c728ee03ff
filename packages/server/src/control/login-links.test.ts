import { describe, expect, it } from 'vitest';
import { LoginLinks } from './login-links.js';

describe('LoginLinks (one-time dashboard sign-in)', () => {
  it('issues unguessable ll_ tokens that work exactly once', () => {
    const links = new LoginLinks();
    const a = links.issue('SPC_a');
    const b = links.issue('SPC_a');
    expect(a.token).toMatch(/^ll_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(links.consume(a.token)).toBe('SPC_a');
    expect(links.consume(a.token)).toBeUndefined();
    expect(links.consume(b.token)).toBe('SPC_a');
  });

  it('refuses expired tokens and spends them', () => {
    let now = 1_000;
    const links = new LoginLinks(60_000, () => now);
    const { token, expiresAtMs } = links.issue('SPC_a');
    expect(expiresAtMs).toBe(61_000);
    now = 61_000;
    expect(links.consume(token)).toBeUndefined();
    now = 1_000;
    expect(links.consume(token)).toBeUndefined();
  });

  it('refuses anything that is not an issued token', () => {
    const links = new LoginLinks();
    links.issue('SPC_a');
    for (const t of ['', 'll_', 'sk_abc', 'll_' + 'x'.repeat(300), 'll_' + 'A'.repeat(43)]) expect(links.consume(t)).toBeUndefined();
  });

  it('keeps at most 100 open links, evicting the oldest', () => {
    const links = new LoginLinks();
    const first = links.issue('SPC_first');
    for (let i = 0; i < 100; i++) links.issue('SPC_x');
    expect(links.consume(first.token)).toBeUndefined();
  });
});
