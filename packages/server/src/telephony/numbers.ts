import { E164_PATTERN } from '@unpod/protocol';
import { unescape, type Uri } from '@unpod/sip';

/**
 * Phone-number normalisation for SIP trunks. Carriers put the dialled number in the Request-URI
 * or `To` user part in many shapes: `+442071838750`, `442071838750`, national `02071838750`,
 * `0044...`, `tel:` URIs, with visual separators (RFC 3966 section 5.1.1). A trunk's numbering
 * plan (`country_code`, `national_prefix`) turns them into E.164 candidates; routing looks the
 * candidates up in order and takes the first registered one.
 */
export interface NumberingPlan {
  /** Country calling code without `+`, e.g. `44`; null: national forms cannot be resolved. */
  countryCode: string | null;
  /** National trunk prefix dialled before national numbers, e.g. `0`. */
  nationalPrefix: string | null;
}

export const NO_PLAN: NumberingPlan = { countryCode: null, nationalPrefix: null };

/** RFC 3966 visual separators, plus spaces some carriers leave in. */
const VISUAL_SEPARATORS = /[-.() ]/g;
/** International prefixes dialled before a country code: `00` almost everywhere, `011` in NANP. */
const internationalPrefixOf = (countryCode: string | null): string => (countryCode === '1' ? '011' : '00');

/**
 * E.164 candidates for a dialled string, most specific first. Empty when the string is not a
 * phone number at all (e.g. `service`, `alice`).
 */
export function e164Candidates(raw: string, plan: NumberingPlan = NO_PLAN): string[] {
  const cleaned = cleanDialString(raw);
  if (cleaned === null) return [];
  const out: string[] = [];
  const add = (candidate: string) => {
    if (E164_PATTERN.test(candidate) && !out.includes(candidate)) out.push(candidate);
  };
  if (cleaned.startsWith('+')) {
    add(cleaned);
    return out;
  }
  const digits = cleaned;
  const cc = plan.countryCode;
  const np = plan.nationalPrefix;
  const idd = internationalPrefixOf(cc);
  if (digits.startsWith(idd)) add(`+${digits.slice(idd.length)}`);
  if (cc !== null && np !== null && digits.startsWith(np) && digits.length > np.length) add(`+${cc}${digits.slice(np.length)}`);
  if (cc !== null && digits.startsWith(cc)) add(`+${digits}`);
  if (cc !== null) add(`+${cc}${digits}`);
  add(`+${digits}`);
  return out;
}

/** The single best E.164 form, or null. */
export function normaliseNumber(raw: string, plan: NumberingPlan = NO_PLAN): string | null {
  return e164Candidates(raw, plan)[0] ?? null;
}

/** `+` and digits only, with separators and URI escapes removed; null when anything else remains. */
function cleanDialString(raw: string): string | null {
  let text: string;
  try {
    text = unescape(raw);
  } catch {
    return null;
  }
  // RFC 3966 parameters (`;phone-context=`, `;isub=`) and SIP user parameters are not the number.
  text = text.split(';')[0]!.replace(VISUAL_SEPARATORS, '');
  if (!/^\+?\d{2,20}$/.test(text)) return null;
  return text;
}

/** The dialled string of a URI: a SIP user part or a tel number; undefined for anything else. */
export function dialStringOf(uri: Uri): string | undefined {
  if (uri.kind === 'sip') return uri.user;
  if (uri.kind === 'tel') return uri.number;
  return undefined;
}
