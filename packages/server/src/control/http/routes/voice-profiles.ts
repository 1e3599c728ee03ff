import { VoiceProfile, VoiceProfileListQuery, VoiceSampleRequest, page } from '@unpod/protocol';
import { DEFAULT_SAMPLE_TEXT } from '../../../speech/voice-sample.js';
import { ApiError, notFound } from '../../errors.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function voiceProfileRoutes({ store, voiceSamples, logger }: ControlDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/voice-profiles',
      summary: 'List voice profiles; `language` filters by served language, `offline` by embedded engines.',
      tag: 'voice-profiles',
      query: VoiceProfileListQuery,
      response: page(VoiceProfile),
      handler: async ({ spaceId, query }) => ({
        body: await store.voiceProfiles.list(spaceId, query, { language: query.language, offline: query.offline }),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/voice-profiles/:id',
      summary: 'Get one voice profile with its STT and TTS failover chains.',
      tag: 'voice-profiles',
      response: VoiceProfile,
      handler: async ({ spaceId, params }) => {
        const profile = await store.voiceProfiles.get(spaceId, params.id!);
        if (!profile) throw notFound('voice profile');
        return { body: profile };
      },
    }),
    route({
      method: 'post',
      path: '/v1/voice-profiles/:id/sample',
      summary:
        "Speak a line (`text`, default the profile's greeting) with the profile's text-to-speech; returns audio/wav (16 kHz mono PCM16). 503 when this node has none of the profile's TTS providers.",
      tag: 'voice-profiles',
      body: VoiceSampleRequest,
      idempotent: false,
      handler: async ({ spaceId, params, body, c }) => {
        const profile = await store.voiceProfiles.get(spaceId, params.id!);
        if (!profile) throw notFound('voice profile');
        if (!voiceSamples) throw new ApiError('service_unavailable', 'speech synthesis is not available on this node');
        let wav: Uint8Array;
        try {
          wav = await voiceSamples.synthesize(profile, body.text ?? profile.greeting ?? DEFAULT_SAMPLE_TEXT, c.req.raw.signal);
        } catch (err) {
          logger.warn({ err, voice_profile: profile.id }, 'voice sample synthesis failed');
          throw new ApiError('service_unavailable', `this node cannot speak with ${profile.name} (${profile.tts_chain.map((s) => s.provider).join(', ')})`);
        }
        return new Response(wav as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'audio/wav', 'content-length': String(wav.byteLength), 'cache-control': 'no-store' } });
      },
    }),
  ];
}
