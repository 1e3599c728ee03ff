/**
 * Resource id prefixes. Ids are `<PREFIX>_<26 chars>`: a 10-char time component followed by
 * 16 random chars in Crockford base32, so ids sort by creation time and make stable cursors.
 */
export const ID_PREFIX = {
  space: 'SPC',
  apiKey: 'AK',
  voiceProfile: 'VP',
  pipe: 'PIPE',
  trunk: 'TRK',
  number: 'NUM',
  call: 'SCL',
  sessionToken: 'STK',
  credential: 'CRD',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** Pattern accepted for ids of one kind (voice profiles also carry human-chosen seed ids). */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIX[kind]}_[A-Za-z0-9_]{1,64}$`);
}
