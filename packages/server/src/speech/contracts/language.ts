/**
 * True when `requested` (BCP-47, any case) is served by one of `supported`: an exact match, or
 * the same primary language when either side has no region (`en` ~ `en-us`).
 */
export function languageSupported(requested: string, supported: readonly string[]): boolean {
  const want = requested.trim().toLowerCase().replace(/_/g, '-');
  const wantPrimary = want.split('-')[0]!;
  return supported.some((s) => {
    const have = s.toLowerCase();
    if (have === want) return true;
    const havePrimary = have.split('-')[0]!;
    return havePrimary === wantPrimary && (!have.includes('-') || !want.includes('-'));
  });
}
