import { describe, expect, it } from 'vitest';
import { parseUri } from '@unpod/sip';
import { dialStringOf, e164Candidates, normaliseNumber } from './numbers.js';

const UK = { countryCode: '44', nationalPrefix: '0' };
const US = { countryCode: '1', nationalPrefix: '1' };

describe('dialled numbers become E.164 candidates', () => {
  it('keeps a number that already has + (with RFC 3966 visual separators removed)', () => {
    expect(e164Candidates('+44 20-7183.8750')).toEqual(['+442071838750']);
    expect(e164Candidates('+1(415)555-0100')).toEqual(['+14155550100']);
  });

  it('reads escaped + in a SIP user part (RFC 3261 section 19.1.2)', () => {
    expect(normaliseNumber('%2B442071838750')).toBe('+442071838750');
  });

  it('drops URI parameters such as ;phone-context (RFC 3966 section 5.1.5)', () => {
    expect(normaliseNumber('02071838750;phone-context=+44', UK)).toBe('+442071838750');
  });

  it('applies the national prefix and country code of the trunk', () => {
    expect(e164Candidates('02071838750', UK)[0]).toBe('+442071838750');
  });

  it('accepts the number without + when it starts with the country code', () => {
    expect(e164Candidates('442071838750', UK)[0]).toBe('+442071838750');
  });

  it('accepts the international prefix (00, or 011 in NANP)', () => {
    expect(e164Candidates('00442071838750', UK)[0]).toBe('+442071838750');
    expect(e164Candidates('011442071838750', US)[0]).toBe('+442071838750');
  });

  it('offers both readings when a NANP number starts with 1', () => {
    const candidates = e164Candidates('14155550100', US);
    expect(candidates).toContain('+14155550100');
    expect(e164Candidates('4155550100', US)[0]).toBe('+14155550100');
  });

  it('without a plan, bare digits are read as E.164 without +', () => {
    expect(e164Candidates('442071838750')).toEqual(['+442071838750']);
  });

  it('rejects user parts that are not phone numbers', () => {
    expect(e164Candidates('service')).toEqual([]);
    expect(e164Candidates('alice.smith')).toEqual([]);
    expect(e164Candidates('')).toEqual([]);
    expect(e164Candidates('+0123')).toEqual([]);
    expect(normaliseNumber('anonymous', UK)).toBeNull();
  });

  it('reads the dial string of sip: and tel: URIs only', () => {
    expect(dialStringOf(parseUri('sip:+442071838750@carrier.example;user=phone'))).toBe('+442071838750');
    expect(dialStringOf(parseUri('tel:+1-415-555-0100'))).toBe('+1-415-555-0100');
    expect(dialStringOf(parseUri('sip:carrier.example'))).toBeUndefined();
  });
});
