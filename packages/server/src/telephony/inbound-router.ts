import type { Pipe, PhoneNumber } from '@unpod/protocol';
import {
  fromOf,
  hostToAddress,
  normaliseAddress,
  parseNameAddr,
  toOf,
  topViaOf,
  type DigestServer,
  type DigestVerifyFailure,
  type DigestVerifyResult,
  type SipRequest,
} from '@unpod/sip';
import { dialStringOf, e164Candidates, normaliseNumber, type NumberingPlan } from './numbers.js';
import { requiresDigest, type TelephonyTrunk, type TrunkCandidates } from './trunk-matcher.js';

/** Why an INVITE was refused; also the `reason` logged and counted. */
export type InboundRefusal = 'unknown_source' | 'auth_failed' | 'unknown_number' | 'trunk_capacity';

export type InboundDecision =
  | { kind: 'refuse'; status: 403 | 404 | 503; reason: InboundRefusal }
  /** Answer 401 with a fresh challenge (`stale` when the client's nonce only expired). */
  | { kind: 'challenge'; stale: boolean }
  | { kind: 'route'; route: InboundRoute };

export interface InboundRoute {
  trunk: TelephonyTrunk;
  number: PhoneNumber & { space_id: string };
  pipe: Pipe;
  /** The dialled number, E.164. */
  dialled: string;
  /** The caller's number in E.164 when it is one (anonymous and SIP names give null). */
  caller: string | null;
}

export interface InboundRouterDeps {
  /** `fresh`: from trunks loaded after `arrivedAtMs` (a refusal is re-checked against them once). */
  candidates(sourceAddress: string, options: { arrivedAtMs: number; fresh: boolean }): Promise<TrunkCandidates>;
  findNumber(e164: string): Promise<(PhoneNumber & { space_id: string }) | undefined>;
  findPipe(spaceId: string, pipeId: string): Promise<Pipe | undefined>;
  digest: DigestServer;
  /** False when the trunk is at its `max_concurrent_calls`. */
  hasCapacity(trunk: TelephonyTrunk): boolean;
}

/** The address an in-bound request came from: the transport stamps `received` when it differs from sent-by. */
export function sourceAddressOf(request: SipRequest): string {
  const via = topViaOf(request);
  return normaliseAddress(hostToAddress(via.params.get('received') ?? via.host));
}

export function planOf(trunk: TelephonyTrunk): NumberingPlan {
  return { countryCode: trunk.country_code, nationalPrefix: trunk.national_prefix };
}

/**
 * Decides what an initial INVITE gets, in the order that leaks nothing to strangers: the source
 * must belong to a trunk (else 403), the trunk's authentication must pass (digest challenge, 403
 * on wrong credentials), and only then is the dialled number looked up (404 when it is unknown or
 * attached to no pipe). A number belongs to the trunk's space and, when it names a trunk, to that
 * trunk. The dialled number is read from the Request-URI, then the `To` user part, each with the
 * trunk's numbering plan, with or without `+`.
 */
export class InboundRouter {
  constructor(private readonly deps: InboundRouterDeps) {}

  async decide(request: SipRequest, arrivedAtMs = performance.now()): Promise<InboundDecision> {
    const source = sourceAddressOf(request);
    // Credentials are checked once per trunk: a second check of the same nonce count is a replay.
    const verdicts = new Map<string, DigestVerifyResult>();
    const decision = await this.decideWith(request, await this.deps.candidates(source, { arrivedAtMs, fresh: false }), verdicts);
    if (decision.kind === 'route') return decision;
    // Trunks are cached: a trunk or number edit made just before this INVITE may be missing from
    // the cache, so a refusal is confirmed against trunks loaded after the request arrived.
    return this.decideWith(request, await this.deps.candidates(source, { arrivedAtMs, fresh: true }), verdicts);
  }

  private async decideWith(request: SipRequest, found: TrunkCandidates, verdicts: Map<string, DigestVerifyResult>): Promise<InboundDecision> {
    if (found.bySource.length === 0 && found.byDigest.length === 0) return { kind: 'refuse', status: 403, reason: 'unknown_source' };

    const needDigest = [...found.bySource.filter(requiresDigest), ...found.byDigest];
    const eligible = found.bySource.filter((t) => !requiresDigest(t));
    let digestFailure: DigestVerifyFailure | null = null;
    if (needDigest.length > 0) {
      const verdict = this.verify(request, needDigest, verdicts);
      eligible.push(...verdict.trunks);
      digestFailure = verdict.failure;
    }

    const lookups = new Map<string, Promise<(PhoneNumber & { space_id: string }) | undefined>>();
    const lookup = (e164: string) => {
      let pending = lookups.get(e164);
      if (!pending) lookups.set(e164, (pending = this.deps.findNumber(e164)));
      return pending;
    };
    let fullTrunk = false;
    for (const trunk of eligible) {
      for (const dialled of dialledCandidates(request, planOf(trunk))) {
        const number = await lookup(dialled);
        if (!number || number.space_id !== trunk.space_id || number.pipe_id === null) continue;
        if (number.trunk_id !== null && number.trunk_id !== trunk.id) continue;
        const pipe = await this.deps.findPipe(number.space_id, number.pipe_id);
        if (!pipe) continue;
        if (!this.deps.hasCapacity(trunk)) {
          fullTrunk = true;
          continue;
        }
        return { kind: 'route', route: { trunk, number, pipe, dialled, caller: callerNumberOf(request, planOf(trunk)) } };
      }
    }
    if (fullTrunk) return { kind: 'refuse', status: 503, reason: 'trunk_capacity' };
    if (eligible.length > 0) return { kind: 'refuse', status: 404, reason: 'unknown_number' };
    if (digestFailure === 'missing' || digestFailure === 'stale' || digestFailure === 'bad-nonce') return { kind: 'challenge', stale: digestFailure === 'stale' };
    return { kind: 'refuse', status: 403, reason: 'auth_failed' };
  }

  /** Trunks whose credentials the request proves; otherwise the most telling failure. */
  private verify(request: SipRequest, trunks: TelephonyTrunk[], verdicts: Map<string, DigestVerifyResult>): { trunks: TelephonyTrunk[]; failure: DigestVerifyFailure | null } {
    const passed: TelephonyTrunk[] = [];
    let failure: DigestVerifyFailure | null = null;
    for (const trunk of trunks) {
      let verdict = verdicts.get(trunk.id);
      if (!verdict) {
        verdict = this.deps.digest.verify(request, (user) => (user === trunk.username ? (trunk.password ?? undefined) : undefined));
        verdicts.set(trunk.id, verdict);
      }
      if (verdict.ok) passed.push(trunk);
      else if (failure === null || failure === 'unknown-user') failure = verdict.reason;
    }
    return { trunks: passed, failure: passed.length > 0 ? null : failure };
  }
}

/** E.164 candidates of the dialled number: Request-URI user part first, then the `To` user part. */
export function dialledCandidates(request: SipRequest, plan: NumberingPlan): string[] {
  const out: string[] = [];
  const fromUri = dialStringOf(request.uri);
  let fromTo: string | undefined;
  try {
    fromTo = dialStringOf(toOf(request).uri);
  } catch {
    fromTo = undefined;
  }
  for (const raw of [fromUri, fromTo]) {
    if (raw === undefined) continue;
    for (const candidate of e164Candidates(raw, plan)) if (!out.includes(candidate)) out.push(candidate);
  }
  return out;
}

/** The caller: P-Asserted-Identity (RFC 3325, set by trusted carriers) when present, else From. */
export function callerNumberOf(request: SipRequest, plan: NumberingPlan): string | null {
  const asserted = request.headers.get('P-Asserted-Identity');
  const candidates: Array<() => string | undefined> = [
    () => (asserted === undefined ? undefined : dialStringOf(parseNameAddr(asserted.split(',')[0]!).uri)),
    () => dialStringOf(fromOf(request).uri),
  ];
  for (const read of candidates) {
    let raw: string | undefined;
    try {
      raw = read();
    } catch {
      raw = undefined;
    }
    const e164 = raw === undefined ? null : normaliseNumber(raw, plan);
    if (e164 !== null) return e164;
  }
  return null;
}
