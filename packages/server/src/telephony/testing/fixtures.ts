import type { TelephonyTrunk } from '../trunk-matcher.js';

/** A trunk with every field set; override what a test is about. */
export function trunk(overrides: Partial<TelephonyTrunk> = {}): TelephonyTrunk {
  return {
    id: 'trunk_a',
    space_id: 'SPC_a',
    name: 'carrier',
    host: '203.0.113.10',
    port: 5060,
    transport: 'udp',
    username: null,
    password: null,
    has_password: false,
    source_ips: [],
    codecs: ['PCMU', 'PCMA'],
    register: false,
    country_code: null,
    national_prefix: null,
    outbound_caller_id: null,
    max_concurrent_calls: null,
    dids: [],
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
