import { describe, expect, it } from 'vitest';
import { failureOf } from '../../telephony/dialer.js';
import { codecsInOfferOrder } from './leg.js';
import { outcomeOfDialFailure, outcomeOfStatus } from './transfer.js';

describe('transfer and dial outcomes', () => {
  it('maps the final NOTIFY sipfrag status of a REFER (RFC 3515 section 2.4.5)', () => {
    expect(outcomeOfStatus(200)).toBe('answered');
    expect(outcomeOfStatus(486)).toBe('busy');
    expect(outcomeOfStatus(600)).toBe('busy');
    expect(outcomeOfStatus(480)).toBe('no_answer');
    expect(outcomeOfStatus(487)).toBe('no_answer');
    expect(outcomeOfStatus(404)).toBe('failed');
    expect(outcomeOfStatus(503)).toBe('failed');
  });

  it('maps how an INVITE failed onto the call end reason (RFC 3261 section 21)', () => {
    expect(failureOf({ cause: 'rejected', status: 486 })).toBe('busy');
    expect(failureOf({ cause: 'rejected', status: 600 })).toBe('busy');
    expect(failureOf({ cause: 'cancelled', status: 487 })).toBe('no_answer');
    expect(failureOf({ cause: 'rejected', status: 480 })).toBe('no_answer');
    expect(failureOf({ cause: 'rejected', status: 403 })).toBe('rejected');
    expect(failureOf({ cause: 'rejected', status: 503 })).toBe('rejected');
    expect(failureOf({ cause: 'timeout', status: 408 })).toBe('error');
    expect(failureOf({ cause: 'transport-error' })).toBe('error');
    expect(outcomeOfDialFailure('rejected')).toBe('failed');
    expect(outcomeOfDialFailure('busy')).toBe('busy');
  });
});

describe('codec choice for an answer', () => {
  const offer = (formats: string) =>
    ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', `m=audio 4000 RTP/AVP ${formats}`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', ''].join('\r\n');

  it("follows the offerer's order among the trunk's codecs (RFC 3264 section 6.1)", () => {
    expect(codecsInOfferOrder(offer('8 0'), ['PCMU', 'PCMA'])).toEqual(['PCMA', 'PCMU']);
    expect(codecsInOfferOrder(offer('0 8'), ['PCMU', 'PCMA'])).toEqual(['PCMU', 'PCMA']);
  });

  it('never offers a codec the trunk does not allow', () => {
    expect(codecsInOfferOrder(offer('8 0'), ['PCMU'])).toEqual(['PCMU']);
  });

  it('falls back to our order without a readable offer', () => {
    expect(codecsInOfferOrder(undefined, ['PCMA', 'PCMU'])).toEqual(['PCMA', 'PCMU']);
    expect(codecsInOfferOrder('garbage', [])).toEqual(['PCMU', 'PCMA']);
  });
});
