/**
 * Reconnect delay for the control socket (spec 3.4): `base = min(baseMs * 2^(attempt-1), maxMs)`,
 * `delay = min(base * U(0.5, 1.5), maxMs)`. `attempt` counts failures since the last successful
 * registration, starting at 1. Pure: the random source is injected.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random, baseMs = 1000, maxMs = 30_000): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(baseMs * 2 ** (n - 1), maxMs);
  return Math.min(base * (0.5 + random()), maxMs);
}
