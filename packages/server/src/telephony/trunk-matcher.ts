import { BlockList, isIP } from 'node:net';
import type { TrunkWithSecret } from '../control/store/repos/trunks.js';

/** A trunk as the telephony layer sees it: with its secret and its space. */
export type TelephonyTrunk = TrunkWithSecret & { space_id: string };

/** An allowlist of addresses and CIDR blocks (IPv4, IPv6, IPv4-mapped IPv6 sources match IPv4 rules). */
export class AddressAllowlist {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    let size = 0;
    for (const entry of entries) {
      const [address, prefix] = entry.trim().split('/');
      const family = isIP(address ?? '');
      if (family === 0) continue;
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address!, type);
      else this.list.addSubnet(address!, Number(prefix), type);
      size += 1;
    }
    this.size = size;
  }

  allows(address: string): boolean {
    const family = isIP(address);
    if (family === 0 || this.size === 0) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Trunks that may have sent a request from `address`, and how each must be authenticated. */
export interface TrunkCandidates {
  /** The source address is on the trunk's allowlist (digest is required as well when the trunk has credentials). */
  bySource: TelephonyTrunk[];
  /** Trunks with no allowlist but with credentials: the request must answer a digest challenge. */
  byDigest: TelephonyTrunk[];
}

/** True when the trunk authenticates INVITEs with digest (it has a username and a password). */
export function requiresDigest(trunk: TelephonyTrunk): boolean {
  return trunk.username !== null && trunk.password !== null;
}

/**
 * Matches a request source against trunks (RFC 3261 section 22 leaves the policy to us):
 * - a trunk with `source_ips` accepts only those sources (and additionally wants digest when it
 *   has credentials);
 * - a trunk without `source_ips` but with credentials accepts any source that passes digest;
 * - a trunk with neither accepts nothing inbound (it is outbound-only).
 */
export class TrunkMatcher {
  private readonly entries: Array<{ trunk: TelephonyTrunk; allow: AddressAllowlist }>;

  constructor(trunks: readonly TelephonyTrunk[]) {
    this.entries = trunks.map((trunk) => ({ trunk, allow: new AddressAllowlist(trunk.source_ips) }));
  }

  get trunkCount(): number {
    return this.entries.length;
  }

  candidates(sourceAddress: string): TrunkCandidates {
    const bySource: TelephonyTrunk[] = [];
    const byDigest: TelephonyTrunk[] = [];
    for (const { trunk, allow } of this.entries) {
      if (allow.size > 0) {
        if (allow.allows(sourceAddress)) bySource.push(trunk);
      } else if (requiresDigest(trunk)) {
        byDigest.push(trunk);
      }
    }
    return { bySource, byDigest };
  }
}
