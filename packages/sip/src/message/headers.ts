/**
 * Header storage with RFC 3261 section 7.3 semantics: names are case-insensitive, compact forms
 * (section 7.3.3) are expanded, and list headers are kept one element per entry so that Via and
 * Route order survive edits.
 */

/** Compact form to full name: RFC 3261 section 7.3.3 plus RFC 3515/3891/3892/4028/6665/3841. */
const COMPACT_FORMS: Record<string, string> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  o: 'Event',
  r: 'Refer-To',
  b: 'Referred-By',
  u: 'Allow-Events',
  x: 'Session-Expires',
  a: 'Accept-Contact',
  j: 'Reject-Contact',
  d: 'Request-Disposition',
  y: 'Identity',
};

const CANONICAL_NAMES = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow',
  'Allow-Events', 'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact',
  'Content-Disposition', 'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type',
  'CSeq', 'Date', 'Error-Info', 'Event', 'Expires', 'From', 'Identity', 'In-Reply-To',
  'Max-Forwards', 'Min-Expires', 'Min-SE', 'MIME-Version', 'Organization', 'P-Asserted-Identity',
  'Path', 'Priority', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck',
  'Reason', 'Record-Route', 'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact', 'Replaces',
  'Reply-To', 'Request-Disposition', 'Require', 'Retry-After', 'Route', 'RSeq', 'Server',
  'Service-Route', 'Session-Expires', 'Subject', 'Subscription-State', 'Supported', 'Timestamp',
  'To', 'Unsupported', 'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];

const CANONICAL_BY_LOWER = new Map(CANONICAL_NAMES.map((n) => [n.toLowerCase(), n]));

/**
 * Headers whose value is a comma-separated list (RFC 3261 section 7.3.1). Authorization-type
 * headers are deliberately absent: their commas separate parameters, not values.
 */
const LIST_HEADERS = new Set(
  [
    'Via', 'Contact', 'Route', 'Record-Route', 'Path', 'Service-Route', 'Allow', 'Supported',
    'Require', 'Proxy-Require', 'Unsupported', 'Accept', 'Accept-Encoding', 'Accept-Language',
    'Content-Encoding', 'Content-Language', 'Allow-Events', 'Alert-Info', 'Call-Info',
    'Error-Info', 'In-Reply-To', 'Warning', 'Reason', 'P-Asserted-Identity',
  ].map((n) => n.toLowerCase()),
);

/** Canonical spelling of a header name: compact forms expanded, known names recased. */
export function canonicalHeaderName(name: string): string {
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();
  const expanded = trimmed.length === 1 ? COMPACT_FORMS[lower] : undefined;
  if (expanded) return expanded;
  return CANONICAL_BY_LOWER.get(lower) ?? trimmed;
}

/** True when `name` is a comma-separated list header. */
export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(canonicalHeaderName(name).toLowerCase());
}

interface HeaderEntry {
  name: string;
  value: string;
}

/** Ordered, case-insensitive header collection. */
export class SipHeaders {
  private entries: HeaderEntry[] = [];

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  /** First value of `name`, or undefined. */
  get(name: string): string | undefined {
    const key = canonicalHeaderName(name).toLowerCase();
    return this.entries.find((e) => e.name.toLowerCase() === key)?.value;
  }

  /** Every value of `name` in order (list headers one element per item). */
  getAll(name: string): string[] {
    const key = canonicalHeaderName(name).toLowerCase();
    return this.entries.filter((e) => e.name.toLowerCase() === key).map((e) => e.value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Number of separate header lines/elements for `name`. */
  count(name: string): number {
    return this.getAll(name).length;
  }

  /** Appends a value; `raw` list values are stored as given (use `appendList` to split). */
  append(name: string, value: string): this {
    this.entries.push({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Inserts a value before every other value of the same header (e.g. a new top Via). */
  prepend(name: string, value: string): this {
    const canonical = canonicalHeaderName(name);
    const key = canonical.toLowerCase();
    const index = this.entries.findIndex((e) => e.name.toLowerCase() === key);
    const entry = { name: canonical, value };
    if (index < 0) this.entries.push(entry);
    else this.entries.splice(index, 0, entry);
    return this;
  }

  /** Replaces every value of `name` with `value` (or the given values, in order). */
  set(name: string, value: string | readonly string[]): this {
    const canonical = canonicalHeaderName(name);
    const key = canonical.toLowerCase();
    const values = typeof value === 'string' ? [value] : value;
    const index = this.entries.findIndex((e) => e.name.toLowerCase() === key);
    this.entries = this.entries.filter((e) => e.name.toLowerCase() !== key);
    const fresh = values.map((v) => ({ name: canonical, value: v }));
    if (index < 0) this.entries.push(...fresh);
    else this.entries.splice(Math.min(index, this.entries.length), 0, ...fresh);
    return this;
  }

  /** Replaces the first value of `name` (e.g. stamping `received` on the top Via). */
  replaceFirst(name: string, value: string): this {
    const key = canonicalHeaderName(name).toLowerCase();
    const entry = this.entries.find((e) => e.name.toLowerCase() === key);
    if (entry) entry.value = value;
    else this.append(name, value);
    return this;
  }

  /** Removes the first value of `name` (e.g. popping the top Via). */
  removeFirst(name: string): this {
    const key = canonicalHeaderName(name).toLowerCase();
    const index = this.entries.findIndex((e) => e.name.toLowerCase() === key);
    if (index >= 0) this.entries.splice(index, 1);
    return this;
  }

  delete(name: string): this {
    const key = canonicalHeaderName(name).toLowerCase();
    this.entries = this.entries.filter((e) => e.name.toLowerCase() !== key);
    return this;
  }

  clone(): SipHeaders {
    const copy = new SipHeaders();
    for (const e of this.entries) copy.append(e.name, e.value);
    return copy;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const e of this.entries) yield [e.name, e.value];
  }
}
