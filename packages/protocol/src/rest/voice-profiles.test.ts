import { describe, expect, it } from 'vitest';
import { FailoverSettings, VoiceProfile } from './voice-profiles.js';

const profile = {
  id: 'VP_x',
  name: 'x',
  description: '',
  language: 'en',
  languages: ['en'],
  gender: null,
  quality: 'embedded',
  offline: true,
  stt_chain: [{ provider: 'pocketsphinx' }],
  tts_chain: [{ provider: 'flite' }],
  latency_ms: 400,
  cost_per_min_usd: 0,
  greeting: null,
  created_at: '2026-01-01T00:00:00.000Z',
};

describe('voice profile failover settings', () => {
  it('a profile without settings (as stored before they existed) gets every default', () => {
    expect(VoiceProfile.parse(profile).failover).toEqual({
      stall_timeout_ms: 3000,
      final_timeout_ms: 5000,
      tts_timeout_ms: 5000,
      breaker_failures: 3,
      breaker_window_s: 60,
      breaker_cooldown_s: 30,
      stay_on_fallback_s: 300,
    });
  });

  it('given fields override the defaults, the rest keep them', () => {
    expect(FailoverSettings.parse({ stall_timeout_ms: 800, stay_on_fallback_s: 0 })).toMatchObject({ stall_timeout_ms: 800, stay_on_fallback_s: 0, breaker_failures: 3 });
  });

  it.each([
    ['a stall timeout under 100 ms', { stall_timeout_ms: 50 }],
    ['a fractional breaker threshold', { breaker_failures: 2.5 }],
    ['a zero cool-down', { breaker_cooldown_s: 0 }],
    ['a negative stay on fallback', { stay_on_fallback_s: -1 }],
    ['a number given as text', { tts_timeout_ms: '500' }],
  ])('refuses %s', (_what, settings) => {
    expect(FailoverSettings.safeParse(settings).success).toBe(false);
  });
});
