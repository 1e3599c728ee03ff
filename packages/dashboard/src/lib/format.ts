/** `65` -> `1:05`, `3725` -> `1:02:05`; null -> `–`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** `412.3` -> `412 ms`, `1830` -> `1.83 s`; null -> `–`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** How long ago `iso` was, relative to `nowMs`: `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function timeAgo(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '–';
  const s = Math.max(0, Math.round((nowMs - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** The UTC date (YYYY-MM-DD) of `ms`, shifted by `days`. */
export function utcDate(ms: number, days = 0): string {
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}

/** Nearest-rank percentile (same definition as the server's analytics); null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Phone numbers for display: North American numbers grouped (`+1 415 555 0123`); others, whose
 * country code length cannot be told without a numbering plan table, stay in plain E.164.
 */
export function displayNumber(e164: string | null | undefined): string {
  if (!e164) return '–';
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return nanp ? `+1 ${nanp[1]} ${nanp[2]} ${nanp[3]}` : e164;
}

/** Labels for call end reasons. */
export function endReasonLabel(reason: string | null | undefined): string {
  if (!reason) return '–';
  return reason.replace(/_/g, ' ');
}
