/** Query parameters whose values never reach a log line. */
const SECRET_PARAMS = ['token', 'call_token', 'signature', 'api_key'];

/** `url` with secret query values (`token`, `call_token`, `signature`, `api_key`) replaced by `***`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/([?&](?:token|call_token|signature|api_key)=)[^&#]*/gi, '$1***');
  }
  for (const name of SECRET_PARAMS) {
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
  }
  // URLSearchParams encodes `*` as-is, so the marker stays readable.
  return parsed.toString();
}

/** `bridgeUrl` with `token=<callToken>` set in its query; other parameters are preserved (spec 3.5). */
export function bridgeUrlWithToken(bridgeUrl: string, callToken: string): string {
  const parsed = new URL(bridgeUrl);
  parsed.searchParams.set('token', callToken);
  return parsed.toString();
}
