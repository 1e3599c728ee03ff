import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { dataDir: '/tmp/unpod-cloud-config' };

describe('cloud configuration from the environment', () => {
  it('has no master key and no env credentials by default', () => {
    expect(loadConfig(base, {}).cloud).toEqual({ secretKey: null, envCredentials: {} });
  });

  it('reads UNPOD_SECRET_KEY as base64 32 bytes and refuses anything else', () => {
    const key = randomBytes(32);
    expect(loadConfig(base, { UNPOD_SECRET_KEY: key.toString('base64') }).cloud.secretKey).toEqual(key);
    for (const bad of [randomBytes(16).toString('base64'), 'not base64 !!', randomBytes(33).toString('base64')]) {
      expect(() => loadConfig(base, { UNPOD_SECRET_KEY: bad })).toThrow(ConfigError);
    }
  });

  it('collects provider keys by provider name, Azure with its region', () => {
    const cloud = loadConfig(base, {
      DEEPGRAM_API_KEY: 'dg',
      OPENAI_API_KEY: ' sk ',
      GOOGLE_API_KEY: 'AIza',
      AZURE_SPEECH_KEY: 'az',
      AZURE_SPEECH_REGION: 'westeurope',
    }).cloud;
    expect(cloud.envCredentials).toEqual({
      deepgram: { api_key: 'dg' },
      openai: { api_key: 'sk' },
      google: { api_key: 'AIza' },
      azure: { api_key: 'az', region: 'westeurope' },
    });
  });

  it('fails fast on an Azure key without a region, or a malformed region', () => {
    expect(() => loadConfig(base, { AZURE_SPEECH_KEY: 'az' })).toThrow(/AZURE_SPEECH_REGION/);
    expect(() => loadConfig(base, { AZURE_SPEECH_KEY: 'az', AZURE_SPEECH_REGION: 'West Europe' })).toThrow(/not a region name/);
  });
});
