import { VoiceProfile, VoiceProfileListQuery, page } from '@unpod/protocol';
import { notFound } from '../../errors.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function voiceProfileRoutes({ store }: ControlDeps) {
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
  ];
}
