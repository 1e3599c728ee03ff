import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

const load = (flags: Parameters<typeof loadConfig>[0], env: NodeJS.ProcessEnv = {}) => loadConfig(flags, env, '/tmp');

describe('SIP settings (flags win over env, env over defaults)', () => {
  it('defaults to 5060 on the HTTP host, RTP 10000-20000, a 30 s answer timeout and the speech pipeline', () => {
    expect(load({}).sip).toEqual({
      enabled: true,
      port: 5060,
      portExplicit: false,
      bindAddress: '127.0.0.1',
      publicAddress: null,
      rtpPortMin: 10000,
      rtpPortMax: 20000,
      answerTimeoutS: 30,
      voice: 'pipeline',
    });
  });

  it('reads --sip-port (0 = any free port; off = no SIP), --rtp-ports and --sip-host', () => {
    const sip = load({ sipPort: '0', rtpPorts: '30000-30999', sipHost: '203.0.113.7', sipBind: '0.0.0.0' }).sip;
    expect(sip).toMatchObject({ enabled: true, port: 0, portExplicit: true, rtpPortMin: 30000, rtpPortMax: 30999, publicAddress: '203.0.113.7', bindAddress: '0.0.0.0' });
    expect(load({ sipPort: 'off' }).sip.enabled).toBe(false);
  });

  it('reads UNPOD_SIP_PORT, UNPOD_RTP_PORTS, UNPOD_SIP_ADDRESS and UNPOD_SIP_VOICE; flags win', () => {
    const env = { UNPOD_SIP_PORT: '5070', UNPOD_RTP_PORTS: '40000-40100', UNPOD_SIP_ADDRESS: 'sip.example.com', UNPOD_SIP_VOICE: 'media-only' };
    expect(load({}, env).sip).toMatchObject({ port: 5070, portExplicit: true, rtpPortMin: 40000, rtpPortMax: 40100, publicAddress: 'sip.example.com', voice: 'media-only' });
    expect(load({ sipPort: 5080 }, env).sip.port).toBe(5080);
  });

  it('fails at boot with one clear reason for bad values', () => {
    expect(() => load({ sipPort: 'sixty' })).toThrow(ConfigError);
    expect(() => load({ rtpPorts: '20000' })).toThrow(/--rtp-ports/);
    expect(() => load({ rtpPorts: '20000-20001' })).toThrow(/at least two port pairs/);
    expect(() => load({ rtpPorts: '80-90' })).toThrow(/1024-65535/);
    expect(() => load({ sipHost: 'bad host!' })).toThrow(/--sip-host/);
    expect(() => load({ sipAnswerTimeout: '0' })).toThrow(/--sip-answer-timeout/);
    expect(() => load({}, { UNPOD_SIP_VOICE: 'loud' })).toThrow(/UNPOD_SIP_VOICE/);
  });
});
