import type { VoiceProfile, VoiceProfileListQuery } from '@unpod/protocol';
import type { ListParams, PagePromise } from '../pagination.js';
import { path, type RequestOptions } from '../transport.js';
import { Resource } from './resource.js';

/** Filters for `voiceProfiles.list`: `language` (BCP-47) and `offline` (no network, no keys). */
export type VoiceProfileListParams = ListParams & Omit<VoiceProfileListQuery, 'limit' | 'cursor'>;

/** `client.voiceProfiles`: the read-only catalog of how calls hear (STT) and speak (TTS). */
export class VoiceProfiles extends Resource {
  /** List profiles, optionally only those serving a language or running offline. */
  list(params: VoiceProfileListParams = {}, options?: RequestOptions): PagePromise<VoiceProfile> {
    return this.transport.list('/v1/voice-profiles', params, options);
  }

  /** Fetch one profile by id. */
  get(id: string, options?: RequestOptions): Promise<VoiceProfile> {
    return this.transport.request({ method: 'GET', path: path`/v1/voice-profiles/${id}` }, options);
  }
}
