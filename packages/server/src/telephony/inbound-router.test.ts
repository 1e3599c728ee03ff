import { describe, expect, it } from 'vitest';
import type { Pipe, PhoneNumber } from '@unpod/protocol';
import { DigestClient, DigestServer, parseMessage, type SipRequest } from '@unpod/sip';
import { callerNumberOf, InboundRouter, sourceAddressOf, type InboundDecision } from './inbound-router.js';
import { TrunkMatcher, type TelephonyTrunk } from './trunk-matcher.js';
import { trunk } from './testing/fixtures.js';

function invite(options: { ruri?: string; to?: string; from?: string; via?: string; extra?: string[] } = {}): SipRequest {
  const lines = [
    `INVITE ${options.ruri ?? 'sip:+442071838750@127.0.0.1:5060'} SIP/2.0`,
    `Via: ${options.via ?? 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtest1'}`,
    'Max-Forwards: 70',
    `From: <${options.from ?? 'sip:+15550001111@carrier.example'}>;tag=abc`,
    `To: <${options.to ?? 'sip:+442071838750@127.0.0.1'}>`,
    'Call-ID: router-test@127.0.0.1',
    'CSeq: 1 INVITE',
    'Contact: <sip:carrier@127.0.0.1:5070>',
    ...(options.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return parseMessage(Buffer.from(lines.join('\r\n'))) as SipRequest;
}

function number(e164: string, overrides: Partial<PhoneNumber & { space_id: string }> = {}): PhoneNumber & { space_id: string } {
  return {
    id: `number_${e164}`,
    number: e164,
    trunk_id: null,
    pipe_id: 'pipe_1',
    status: 'assigned',
    label: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    space_id: 'SPC_a',
    ...overrides,
  };
}

const PIPE = { id: 'pipe_1', agent_id: 'echo' } as Pipe;

function router(trunks: TelephonyTrunk[], numbers: Array<PhoneNumber & { space_id: string }>, options: { digest?: DigestServer; full?: boolean } = {}) {
  const matcher = new TrunkMatcher(trunks);
  const digest = options.digest ?? new DigestServer({ realm: 'unpod', algorithms: ['MD5'] });
  return {
    digest,
    router: new InboundRouter({
      candidates: async (source) => matcher.candidates(source),
      findNumber: async (e164) => numbers.find((n) => n.number === e164),
      findPipe: async (_space, id) => (id === PIPE.id ? PIPE : undefined),
      digest,
      hasCapacity: () => !options.full,
    }),
  };
}

function routed(decision: InboundDecision) {
  if (decision.kind !== 'route') throw new Error(`expected a route, got ${JSON.stringify(decision)}`);
  return decision.route;
}

describe('inbound routing (trunk, then authentication, then number)', () => {
  const carrier = trunk({ id: 'carrier', source_ips: ['127.0.0.1'] });

  it('routes an allowlisted source to the pipe of the dialled number', async () => {
    const { router: r } = router([carrier], [number('+442071838750')]);
    const route = routed(await r.decide(invite()));
    expect(route.trunk.id).toBe('carrier');
    expect(route.dialled).toBe('+442071838750');
    expect(route.caller).toBe('+15550001111');
    expect(route.pipe.id).toBe('pipe_1');
  });

  it('refuses an unknown source with 403 before looking at the number', async () => {
    const { router: r } = router([carrier], [number('+442071838750')]);
    const decision = await r.decide(invite({ via: 'SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKx' }));
    expect(decision).toEqual({ kind: 'refuse', status: 403, reason: 'unknown_source' });
  });

  it('uses the transport-stamped received address, not the claimed sent-by (RFC 3261 section 18.2.1)', async () => {
    const request = invite({ via: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx;received=192.0.2.7' });
    expect(sourceAddressOf(request)).toBe('192.0.2.7');
    const { router: r } = router([carrier], [number('+442071838750')]);
    expect((await r.decide(request)).kind).toBe('refuse');
  });

  it('answers 404 for a number that is unknown or attached to no pipe', async () => {
    const { router: r } = router([carrier], [number('+442071838751', { pipe_id: null })]);
    expect(await r.decide(invite())).toEqual({ kind: 'refuse', status: 404, reason: 'unknown_number' });
    expect(await r.decide(invite({ ruri: 'sip:+442071838751@127.0.0.1', to: 'sip:+442071838751@127.0.0.1' }))).toEqual({ kind: 'refuse', status: 404, reason: 'unknown_number' });
    expect(await r.decide(invite({ ruri: 'sip:service@127.0.0.1', to: 'sip:service@127.0.0.1' }))).toMatchObject({ status: 404 });
  });

  it('matches national and +-less forms with the trunk numbering plan', async () => {
    const uk = trunk({ id: 'uk', source_ips: ['127.0.0.1'], country_code: '44', national_prefix: '0' });
    const { router: r } = router([uk], [number('+442071838750')]);
    expect(routed(await r.decide(invite({ ruri: 'sip:02071838750@127.0.0.1' }))).dialled).toBe('+442071838750');
    expect(routed(await r.decide(invite({ ruri: 'sip:442071838750@127.0.0.1' }))).dialled).toBe('+442071838750');
  });

  it('falls back to the To user part when the Request-URI carries no number', async () => {
    const { router: r } = router([carrier], [number('+442071838750')]);
    expect(routed(await r.decide(invite({ ruri: 'sip:127.0.0.1:5060' }))).dialled).toBe('+442071838750');
  });

  it('keeps numbers to their own space and trunk', async () => {
    const otherSpace = router([carrier], [number('+442071838750', { space_id: 'SPC_b' })]);
    expect((await otherSpace.router.decide(invite())).kind).toBe('refuse');
    const otherTrunk = router([carrier], [number('+442071838750', { trunk_id: 'another' })]);
    expect((await otherTrunk.router.decide(invite())).kind).toBe('refuse');
    const sameTrunk = router([carrier], [number('+442071838750', { trunk_id: 'carrier' })]);
    expect((await sameTrunk.router.decide(invite())).kind).toBe('route');
  });

  it('re-checks a refusal against freshly loaded trunks (a trunk created just before the INVITE)', async () => {
    const older = trunk({ id: 'older', source_ips: ['127.0.0.1'] });
    const newer = trunk({ id: 'newer', source_ips: ['127.0.0.1'] });
    const calls: boolean[] = [];
    const r = new InboundRouter({
      candidates: async (source, { fresh }) => {
        calls.push(fresh);
        return new TrunkMatcher(fresh ? [older, newer] : [older]).candidates(source);
      },
      findNumber: async (e164) => (e164 === '+442071838750' ? number(e164, { trunk_id: 'newer' }) : undefined),
      findPipe: async () => PIPE,
      digest: new DigestServer({ realm: 'unpod' }),
      hasCapacity: () => true,
    });
    expect(routed(await r.decide(invite())).trunk.id).toBe('newer');
    expect(calls).toEqual([false, true]);
  });

  it('answers 503 when the trunk is at max_concurrent_calls', async () => {
    const { router: r } = router([carrier], [number('+442071838750')], { full: true });
    expect(await r.decide(invite())).toEqual({ kind: 'refuse', status: 503, reason: 'trunk_capacity' });
  });

  it('prefers the P-Asserted-Identity caller (RFC 3325) over From', () => {
    const request = invite({ from: 'sip:anonymous@anonymous.invalid', extra: ['P-Asserted-Identity: <sip:+15550002222@carrier.example>'] });
    expect(callerNumberOf(request, { countryCode: null, nationalPrefix: null })).toBe('+15550002222');
    expect(callerNumberOf(invite({ from: 'sip:anonymous@anonymous.invalid' }), { countryCode: null, nationalPrefix: null })).toBeNull();
  });
});

describe('digest-authenticated trunks (RFC 3261 section 22)', () => {
  const pbx = trunk({ id: 'pbx', username: 'pbx', password: 's3cret', has_password: true });

  async function challengeAndAnswer(password: string) {
    const { router: r, digest } = router([pbx], [number('+442071838750')]);
    const first = invite({ via: 'SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKa' });
    expect(await r.decide(first)).toEqual({ kind: 'challenge', stale: false });
    const challenge = digest.challenge(first);
    const auth = new DigestClient({ username: 'pbx', password }).authorize(first, challenge)!;
    const second = invite({ via: 'SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKb', extra: auth.map((a) => `${a.header}: ${a.value}`) });
    return r.decide(second);
  }

  it('challenges a source no allowlist knows, then routes it with the right credentials', async () => {
    expect(routed(await challengeAndAnswer('s3cret')).trunk.id).toBe('pbx');
  });

  it('right credentials for an unknown number get 404, not a replayed-nonce 403', async () => {
    const { router: r, digest } = router([pbx], []);
    const first = invite({ via: 'SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKa' });
    const auth = new DigestClient({ username: 'pbx', password: 's3cret' }).authorize(first, digest.challenge(first))!;
    const second = invite({ via: 'SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKb', extra: auth.map((a) => `${a.header}: ${a.value}`) });
    expect(await r.decide(second)).toEqual({ kind: 'refuse', status: 404, reason: 'unknown_number' });
  });

  it('refuses wrong credentials with 403 instead of challenging forever', async () => {
    expect(await challengeAndAnswer('wrong')).toEqual({ kind: 'refuse', status: 403, reason: 'auth_failed' });
  });

  it('an allowlisted trunk with credentials wants both', async () => {
    const both = trunk({ id: 'both', source_ips: ['127.0.0.1'], username: 'pbx', password: 's3cret', has_password: true });
    const { router: r } = router([both], [number('+442071838750')]);
    expect((await r.decide(invite())).kind).toBe('challenge');
  });
});
