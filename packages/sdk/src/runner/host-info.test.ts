import { describe, expect, it } from 'vitest';
import { detectHostInfo, pickLocalAddress } from './host-info.js';

describe('placement (spec 3.3)', () => {
  it('UNPOD_WORKER_* override detection; explicit options win over both', () => {
    const env = { UNPOD_WORKER_HOSTNAME: 'h1', UNPOD_WORKER_ADDRESS: '10.0.0.9', UNPOD_WORKER_REGION: 'r1', UNPOD_WORKER_DEPLOYMENT: 'cloud' };
    expect(detectHostInfo(env)).toEqual({ hostname: 'h1', address: '10.0.0.9', region: 'r1', deployment: 'cloud' });
    expect(detectHostInfo(env, { region: 'mine', address: null })).toMatchObject({ region: 'mine', address: null });
  });

  it('region from the first non-empty cloud variable; deployment cloud when a marker is set', () => {
    expect(detectHostInfo({ AWS_REGION: '', FLY_REGION: 'ams', K_SERVICE: 'svc' })).toMatchObject({ region: 'ams', deployment: 'cloud' });
    expect(detectHostInfo({})).toMatchObject({ region: null, deployment: 'local' });
  });

  it('reads the address from the local interface table (no packets sent), preferring external IPv4', () => {
    const table = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: 'fe80::1', family: 'IPv6', internal: false },
        { address: '2001:db8::5', family: 'IPv6', internal: false },
        { address: '192.168.1.20', family: 'IPv4', internal: false },
      ],
    } as unknown as Parameters<typeof pickLocalAddress>[0];
    expect(pickLocalAddress(table)).toBe('192.168.1.20');
    expect(pickLocalAddress({ eth0: [{ address: '2001:db8::5', family: 'IPv6', internal: false }] } as never)).toBe('2001:db8::5');
    expect(pickLocalAddress({})).toBeNull();
  });
});
