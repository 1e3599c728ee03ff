import { describe, expect, it } from 'vitest';
import { parseMessage } from '../message/parser.js';
import { type SipRequest, type SipResponse } from '../message/message.js';
import { computeDigestResponse, parseAuthHeader } from './digest.js';
import { DigestClient } from './digest-client.js';
import { DigestServer } from './digest-server.js';

describe('digest computation', () => {
  it('matches the RFC 2617 section 3.5 example (MD5, qop=auth)', () => {
    expect(
      computeDigestResponse({
        algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET',
        uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('matches the RFC 7616 section 3.9.1 examples (MD5 and SHA-256)', () => {
    const base = {
      username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth' as const, nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    expect(computeDigestResponse({ ...base, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(computeDigestResponse({ ...base, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('parses auth-params with quoted commas', () => {
    const h = parseAuthHeader('Digest realm="a, b", nonce="n", qop="auth,auth-int", algorithm=SHA-256, stale=TRUE');
    expect(h.scheme).toBe('Digest');
    expect(h.params.get('realm')).toBe('a, b');
    expect(h.params.get('qop')).toBe('auth,auth-int');
    expect(h.params.get('stale')).toBe('TRUE');
  });
});

const register = (cseq = 1): SipRequest =>
  parseMessage(
    Buffer.from(
      `REGISTER sip:pbx.example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK${cseq}\r\nFrom: <sip:alice@pbx.example.com>;tag=1\r\nTo: <sip:alice@pbx.example.com>\r\nCall-ID: r1\r\nCSeq: ${cseq} REGISTER\r\nContent-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;

function withAuth(request: SipRequest, client: DigestClient, challenge: SipResponse): SipRequest {
  const auth = client.authorize(request, challenge);
  if (!auth) throw new Error('no authorization');
  const copy = { ...request, headers: request.headers.clone() };
  for (const a of auth) copy.headers.append(a.header, a.value);
  return copy;
}

describe('DigestClient against DigestServer (RFC 3261 section 22)', () => {
  const passwords = (u: string): string | undefined => (u === 'alice' ? 's3cret' : undefined);

  it('answers a challenge, preferring SHA-256 (RFC 8760), and the server accepts it', () => {
    const server = new DigestServer({ realm: 'pbx' });
    const challenge = server.challenge(register());
    expect(challenge.status).toBe(401);
    expect(challenge.headers.getAll('WWW-Authenticate')).toHaveLength(2);
    const retry = withAuth(register(2), new DigestClient({ username: 'alice', password: 's3cret' }), challenge);
    expect(retry.headers.get('Authorization')).toContain('algorithm=SHA-256');
    expect(retry.headers.get('Authorization')).toContain('nc=00000001');
    expect(server.verify(retry, passwords)).toEqual({ ok: true, username: 'alice' });
    // The same nc again is a replay.
    expect(server.verify(retry, passwords)).toEqual({ ok: false, reason: 'replay' });
  });

  it('works with MD5 only, and rejects a wrong password', () => {
    const server = new DigestServer({ realm: 'pbx', algorithms: ['MD5'] });
    const good = withAuth(register(2), new DigestClient({ username: 'alice', password: 's3cret' }), server.challenge(register()));
    expect(good.headers.get('Authorization')).toContain('algorithm=MD5');
    expect(server.verify(good, passwords).ok).toBe(true);
    const bad = withAuth(register(2), new DigestClient({ username: 'alice', password: 'nope' }), server.challenge(register()));
    expect(server.verify(bad, passwords)).toEqual({ ok: false, reason: 'wrong-response' });
  });

  it('expired nonces are stale (RFC 7616 section 3.3); forged nonces are bad', () => {
    let now = 1_000_000;
    const server = new DigestServer({ realm: 'pbx', nonceLifetimeMs: 60_000, nowMs: () => now });
    const request = withAuth(register(2), new DigestClient({ username: 'alice', password: 's3cret' }), server.challenge(register()));
    now += 61_000;
    expect(server.verify(request, passwords)).toEqual({ ok: false, reason: 'stale' });
    expect(server.challenge(register(), { stale: true }).headers.get('WWW-Authenticate')).toContain('stale=true');
    const forged = register(3);
    forged.headers.append('Authorization', 'Digest username="alice", realm="pbx", nonce="abc.def.ghi", uri="sip:pbx.example.com", response="00", qop=auth, nc=00000001, cnonce="x"');
    expect(server.verify(forged, passwords)).toEqual({ ok: false, reason: 'bad-nonce' });
    expect(server.verify(register(4), passwords)).toEqual({ ok: false, reason: 'missing' });
  });

  it('client gives up when the same nonce is challenged again (wrong password), but retries stale', () => {
    const server = new DigestServer({ realm: 'pbx' });
    const client = new DigestClient({ username: 'alice', password: 'x' });
    const challenge = server.challenge(register());
    expect(client.authorize(register(2), challenge)).toBeDefined();
    expect(client.authorize(register(3), challenge)).toBeUndefined();
    const proxyChallenge = server.challenge(register(), { status: 407 });
    expect(client.authorize(register(4), proxyChallenge)?.[0]?.header).toBe('Proxy-Authorization');
  });
});
