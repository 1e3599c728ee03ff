import { describe, expect, it } from 'vitest';
import { trunk } from './testing/fixtures.js';
import { AddressAllowlist, TrunkMatcher } from './trunk-matcher.js';

describe('source address allowlists', () => {
  it('matches single addresses and CIDR blocks', () => {
    const allow = new AddressAllowlist(['203.0.113.10', '198.51.100.0/24']);
    expect(allow.allows('203.0.113.10')).toBe(true);
    expect(allow.allows('203.0.113.11')).toBe(false);
    expect(allow.allows('198.51.100.200')).toBe(true);
    expect(allow.allows('198.51.101.1')).toBe(false);
  });

  it('matches IPv6 blocks, and IPv4-mapped IPv6 sources against IPv4 rules', () => {
    const allow = new AddressAllowlist(['2001:db8::/32', '10.0.0.0/8']);
    expect(allow.allows('2001:db8::5')).toBe(true);
    expect(allow.allows('2001:db9::5')).toBe(false);
    expect(allow.allows('::ffff:10.1.2.3')).toBe(true);
  });

  it('an empty list and garbage never match', () => {
    expect(new AddressAllowlist([]).allows('127.0.0.1')).toBe(false);
    expect(new AddressAllowlist(['not-an-ip']).size).toBe(0);
    expect(new AddressAllowlist(['127.0.0.1']).allows('localhost')).toBe(false);
  });
});

describe('trunk candidates for a source', () => {
  it('separates allowlisted trunks from digest-only ones and ignores outbound-only trunks', () => {
    const byIp = trunk({ id: 'ip', source_ips: ['127.0.0.0/8'] });
    const digestOnly = trunk({ id: 'digest', username: 'pbx', password: 's3cret', has_password: true });
    const outboundOnly = trunk({ id: 'out' });
    const elsewhere = trunk({ id: 'other', source_ips: ['203.0.113.0/24'] });
    const matcher = new TrunkMatcher([byIp, digestOnly, outboundOnly, elsewhere]);
    const found = matcher.candidates('127.0.0.1');
    expect(found.bySource.map((t) => t.id)).toEqual(['ip']);
    expect(found.byDigest.map((t) => t.id)).toEqual(['digest']);
    expect(matcher.candidates('192.0.2.1').bySource).toEqual([]);
  });
});
