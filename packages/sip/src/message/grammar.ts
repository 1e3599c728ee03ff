/**
 * Character classes and small scanners from the RFC 3261 section 25 ABNF, shared by the header
 * value parsers. Everything here is total: it returns a result or throws `SipParseError`.
 */
import { SipParseError, type SipParseErrorReason } from './errors.js';

const TOKEN_EXTRA = new Set('-.!%*_+`\'~');
const WORD_EXTRA = new Set('-.!%*_+`\'~()<>:\\"/[]?{}');

function isAlphaNum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isAlphaNum(code) && !TOKEN_EXTRA.has(text[i] as string)) return false;
  }
  return true;
}

/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
export function isWord(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isAlphaNum(code) && !WORD_EXTRA.has(text[i] as string)) return false;
  }
  return true;
}

export function isDigits(text: string): boolean {
  return /^[0-9]+$/.test(text);
}

/** LWS as seen after unfolding: spaces and horizontal tabs. */
export function isWhitespace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/** Quotes `text` as a quoted-string, escaping `"` and `\` (RFC 3261 section 25.1 quoted-pair). */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Reads a quoted-string starting at `start` (which must be `"`); returns the unescaped content
 * and the index just past the closing quote.
 */
export function readQuotedString(
  text: string,
  start: number,
  reason: SipParseErrorReason,
): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\') {
      if (i + 1 >= text.length) break;
      value += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '"') return { value, end: i + 1 };
    if (ch === '\r' || ch === '\n') break;
    value += ch;
    i++;
  }
  throw new SipParseError(reason, 'unterminated quoted-string');
}

/**
 * Splits a comma-separated header value into elements, ignoring commas inside quoted strings and
 * angle brackets (RFC 3261 section 7.3.1). Elements are trimmed; empty elements are kept so that
 * callers can reject them where the grammar forbids them.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let inQuotes = false;
  let angleDepth = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (inQuotes) {
      current += ch;
      if (ch === '\\' && i + 1 < value.length) {
        current += value[i + 1];
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      }
      continue;
    }
    if (ch === '"') inQuotes = true;
    else if (ch === '<') angleDepth++;
    else if (ch === '>' && angleDepth > 0) angleDepth--;
    else if (ch === ',' && angleDepth === 0) {
      out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current.trim());
  return out;
}

/** Header or URI parameters: lowercase name to value (`null` for a parameter without `=`). */
export type Parameters = Map<string, string | null>;

/**
 * Parses `;name[=value]` header parameters (generic-param, RFC 3261 section 25.1) from `text`,
 * which must start with `;` or be empty. LWS is allowed around `;` and `=`. Values may be token,
 * host (IPv6 reference included) or quoted-string; quoted values keep their quotes so that they
 * serialise back unchanged.
 */
export function parseHeaderParameters(text: string, reason: SipParseErrorReason): Parameters {
  const params: Parameters = new Map();
  let i = 0;
  const skipWs = (): void => {
    while (isWhitespace(text[i])) i++;
  };
  skipWs();
  while (i < text.length) {
    if (text[i] !== ';') throw new SipParseError(reason, `expected ";" in parameters: ${text}`);
    i++;
    skipWs();
    let name = '';
    while (i < text.length && !isWhitespace(text[i]) && text[i] !== '=' && text[i] !== ';') {
      name += text[i];
      i++;
    }
    if (!isToken(name)) throw new SipParseError(reason, `bad parameter name "${name}"`);
    skipWs();
    let value: string | null = null;
    if (text[i] === '=') {
      i++;
      skipWs();
      if (text[i] === '"') {
        const start = i;
        const q = readQuotedString(text, i, reason);
        value = text.slice(start, q.end);
        i = q.end;
      } else {
        let raw = '';
        while (i < text.length && !isWhitespace(text[i]) && text[i] !== ';') {
          raw += text[i];
          i++;
        }
        if (!isParamValue(raw)) throw new SipParseError(reason, `bad value for parameter "${name}"`);
        value = raw;
      }
      skipWs();
    }
    const key = name.toLowerCase();
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

function isParamValue(raw: string): boolean {
  if (isToken(raw)) return true;
  // gen-value also allows host, which adds ":" and "[" "]" for IPv6 references.
  return /^\[[0-9a-fA-F:.]+\]$/.test(raw) || /^[A-Za-z0-9\-.!%*_+`'~:]+$/.test(raw);
}

/** Serialises parameters back to `;name=value` form. */
export function formatParameters(params: Parameters): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** Removes surrounding quotes and quoted-pair escapes from a parameter value, if quoted. */
export function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}
