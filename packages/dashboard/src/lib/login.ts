/** The one-time login token in a dashboard URL (`?login=ll_...`), if any. */
export function loginTokenFrom(search: string): string | null {
  const token = new URLSearchParams(search).get('login');
  return token && /^ll_[A-Za-z0-9_-]{20,200}$/.test(token) ? token : null;
}

/** The URL search string without its `login` parameter (the token must not stay in history). */
export function withoutLogin(search: string): string {
  const params = new URLSearchParams(search);
  params.delete('login');
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}

/** Plausible API key syntax, checked before a round trip. */
export function looksLikeApiKey(key: string): boolean {
  return /^sk_[A-Za-z0-9_-]{20,200}$/.test(key.trim());
}
