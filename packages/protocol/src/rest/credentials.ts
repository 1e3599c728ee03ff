import { z } from 'zod';
import { Timestamp } from './common.js';

/** Provider names as voice profiles spell them (`deepgram`, `openai`, `google`, `azure`, `elevenlabs`...). */
export const CredentialProvider = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'lower-case letters, digits and - (2-40), e.g. "deepgram"');

/** Names of secret fields: `api_key`, `region`, `access_token`... */
const FieldName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'field names are lower-case letters, digits and _ (max 40)');

/**
 * A vendor credential to store for the caller's space. `secret` holds the fields the provider
 * needs: `api_key` (every provider; Google also accepts `access_token` instead) plus provider
 * extras such as Azure's `region`. Stored encrypted; never returned.
 */
export const CredentialCreate = z.strictObject({
  provider: CredentialProvider,
  secret: z
    .record(FieldName, z.string().min(1, 'must not be empty').max(8192, 'too long (max 8192)'))
    .refine((s) => Object.keys(s).length >= 1 && Object.keys(s).length <= 10, 'give 1 to 10 fields')
    .refine((s) => typeof s['api_key'] === 'string' || typeof s['access_token'] === 'string', 'needs "api_key" (or "access_token")'),
});
export type CredentialCreate = z.infer<typeof CredentialCreate>;

/**
 * A stored credential as the API shows it: write-only, so never the secret itself, only which
 * fields it has and the last four characters of its key.
 */
export const Credential = z.object({
  id: z.string(),
  space_id: z.string(),
  provider: z.string(),
  /** Names of the stored fields (`["api_key", "region"]`). */
  fields: z.array(z.string()),
  /** `…` plus the last four characters of `api_key` (or `access_token`). */
  hint: z.string(),
  created_at: Timestamp,
});
export type Credential = z.infer<typeof Credential>;
