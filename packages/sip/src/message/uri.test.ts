import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { formatUri, hostToAddress, parseUri, sipUri, uriEquals, type SipUri } from './uri.js';

describe('SIP URI (RFC 3261 section 19.1)', () => {
  it('parses user, password, host, port, params and headers (19.1.1)', () => {
    const uri = parseUri('sips:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project&priority=urgent') as SipUri;
    expect(uri).toMatchObject({ scheme: 'sips', user: 'alice', password: 'secret', host: 'atlanta.com', port: 5061 });
    expect([...uri.params]).toEqual([['transport', 'tcp'], ['lr', null]]);
    expect(uri.headers).toEqual([['subject', 'project'], ['priority', 'urgent']]);
    expect(formatUri(uri)).toBe('sips:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project&priority=urgent');
  });

  it('parses IPv6 references with and without port', () => {
    const uri = parseUri('sip:bob@[2001:db8::10]:5070;maddr=[2001:db8::1]') as SipUri;
    expect(uri.host).toBe('[2001:db8::10]');
    expect(uri.port).toBe(5070);
    expect(hostToAddress(uri.host)).toBe('2001:db8::10');
    expect((parseUri('sip:[::1]') as SipUri).port).toBeUndefined();
  });

  it('parses tel URIs (RFC 3966) and keeps other schemes opaque', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toMatchObject({ kind: 'tel', number: '+1-201-555-0123' });
    expect(parseUri('urn:service:sos')).toEqual({ kind: 'absolute', scheme: 'urn', opaque: 'service:sos' });
  });

  it('rejects malformed URIs with a typed error', () => {
    for (const bad of ['sip:', 'sip:user@', 'sip:host:99999', 'sip:ho st', 'nocolon', 'sip:[::1', 'sip:a@b;=x', 'sip:a@-bad-']) {
      expect(() => parseUri(bad), bad).toThrow(SipParseError);
    }
  });

  it('compares per 19.1.4: escapes, host case, significant parameters', () => {
    const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));
    expect(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).toBe(true);
    expect(eq('sip:alice@atlanta.com', 'sip:alice@atlanta.com:5060')).toBe(false);
    expect(eq('sip:alice@atlanta.com', 'sip:alice@atlanta.com;transport=udp')).toBe(false);
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(eq('sip:ALICE@atlanta.com', 'sip:alice@atlanta.com')).toBe(false);
  });

  it('builds URIs with escaped users and bracketed IPv6 hosts', () => {
    expect(formatUri(sipUri({ user: 'a b', host: '::1', port: 5060 }))).toBe('sip:a%20b@[::1]:5060');
  });
});
