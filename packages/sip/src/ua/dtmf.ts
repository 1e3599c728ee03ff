/** DTMF carried in SIP INFO bodies (application/dtmf-relay, as deployed by SIP trunks). */

export interface InfoDtmf {
  digit: string;
  durationMs: number | undefined;
}

/** Parses `Signal=5\r\nDuration=160`; returns undefined when there is no valid signal. */
export function parseDtmfRelay(body: string): InfoDtmf | undefined {
  const signal = /^\s*Signal\s*=\s*(\S+)\s*$/im.exec(body)?.[1];
  if (signal === undefined) return undefined;
  const digit = signal === '10' ? '*' : signal === '11' ? '#' : signal.toUpperCase();
  if (!/^[0-9*#A-D]$/.test(digit)) return undefined;
  const duration = /^\s*Duration\s*=\s*([0-9]+)\s*$/im.exec(body)?.[1];
  return { digit, durationMs: duration === undefined ? undefined : Number(duration) };
}

export function formatDtmfRelay(digit: string, durationMs = 160): string {
  return `Signal=${digit}\r\nDuration=${durationMs}\r\n`;
}

/** Status line of a message/sipfrag body (RFC 3420), as sent in REFER NOTIFYs (RFC 3515 2.4.5). */
export function parseSipfragStatus(body: string): { status: number; reason: string } | undefined {
  const match = /^SIP\/2\.0 ([1-6][0-9][0-9])(?: (.*))?$/m.exec(body.trim().split(/\r?\n/)[0] ?? '');
  return match ? { status: Number(match[1]), reason: (match[2] ?? '').trim() } : undefined;
}
