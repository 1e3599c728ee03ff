import { describe, expect, it } from 'vitest';
import { answerDirection, createAnswer, createOffer, processAnswer } from './offer-answer.js';
import { directionOf, parseSdp, rtpMapsOf, SdpParseError, serializeSdp } from './session-description.js';

const SIPP_OFFER = [
  'v=0', 'o=user1 53655765 2353687637 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 6000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-11,16', '',
].join('\r\n');

describe('SDP syntax (RFC 4566)', () => {
  it('parses and round-trips a typical offer', () => {
    const sdp = parseSdp(SIPP_OFFER);
    expect(sdp.origin.sessionVersion).toBe('2353687637');
    expect(sdp.media[0]).toMatchObject({ type: 'audio', port: 6000, protocol: 'RTP/AVP', formats: ['8', '101'] });
    expect(rtpMapsOf(sdp.media[0]!).map((m) => m.encoding)).toEqual(['PCMA', 'telephone-event']);
    expect(serializeSdp(sdp)).toBe(SIPP_OFFER);
  });

  it('falls back to static payload types without rtpmap (RFC 3551)', () => {
    const sdp = parseSdp('v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0 18\n');
    expect(rtpMapsOf(sdp.media[0]!).map((m) => m.encoding)).toEqual(['PCMU', 'G729']);
  });

  it('rejects malformed SDP with a typed reason', () => {
    for (const [text, reason] of [['', 'empty'], ['v=0\nbogus', 'bad-line'], ['v=0\ns=-', 'missing-field'], ['v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio x RTP/AVP 0', 'bad-media']] as const) {
      try {
        parseSdp(text);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(SdpParseError);
        expect((error as SdpParseError).reason).toBe(reason);
      }
    }
  });
});

describe('offer/answer (RFC 3264)', () => {
  const cap = { address: '127.0.0.1', port: 20000 };

  it('answers with the offerer\'s payload types, telephone-event and a mirrored direction (6.1)', () => {
    const result = createAnswer(parseSdp(SIPP_OFFER), cap);
    if (!result.ok) throw new Error(result.reason);
    expect(result.negotiated).toMatchObject({
      codec: { name: 'PCMA', payloadType: 8 },
      telephoneEventPayloadType: 101,
      remote: { address: '127.0.0.1', port: 6000 },
      direction: 'sendrecv',
      remoteHold: false,
    });
    const media = result.answer.media[0]!;
    expect(media.formats).toEqual(['8', '101']);
    expect(media.attributes).toContainEqual({ name: 'fmtp', value: '101 0-11,16' });
  });

  it('honours local codec preference among those offered', () => {
    const offer = createOffer({ ...cap, codecs: ['PCMA', 'PCMU'] });
    expect(offer.media[0]!.formats).toEqual(['8', '0', '101']);
    const answer = createAnswer(offer, { address: '127.0.0.1', port: 30000, codecs: ['PCMU', 'PCMA'] });
    expect(answer.ok && answer.negotiated.codec.name).toBe('PCMU');
  });

  it('hold: sendonly is answered recvonly; c=0.0.0.0 (RFC 3264 section 8.4) counts as hold', () => {
    const sendonly = parseSdp(SIPP_OFFER.replace('a=fmtp:101 0-11,16', 'a=fmtp:101 0-11,16\r\na=sendonly'));
    const r1 = createAnswer(sendonly, cap);
    expect(r1.ok && [r1.negotiated.direction, r1.negotiated.remoteHold]).toEqual(['recvonly', true]);
    expect(r1.ok && directionOf(r1.answer.media[0]!, r1.answer)).toBe('recvonly');
    const zero = createAnswer(parseSdp(SIPP_OFFER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0')), cap);
    expect(zero.ok && [zero.negotiated.remote, zero.negotiated.remoteHold]).toEqual([undefined, true]);
    expect(answerDirection('inactive', 'sendrecv')).toBe('inactive');
    expect(answerDirection('recvonly', 'sendrecv')).toBe('sendonly');
    expect(answerDirection('sendrecv', 'recvonly')).toBe('recvonly');
  });

  it('rejects offers without a usable codec or transport: 488 material, other streams get port 0', () => {
    const g729 = createAnswer(parseSdp(SIPP_OFFER.replace('RTP/AVP 8 101', 'RTP/AVP 18').replace(/a=.*\r\n/g, '')), cap);
    expect(g729).toEqual({ ok: false, reason: 'no-common-codec', status: 488 });
    const srtp = createAnswer(parseSdp(SIPP_OFFER.replace('RTP/AVP', 'RTP/SAVP')), cap);
    expect(srtp.ok || srtp.reason).toBe('unsupported-transport');
    const withVideo = createAnswer(parseSdp(`${SIPP_OFFER}m=video 6002 RTP/AVP 31\r\n`), cap);
    expect(withVideo.ok && withVideo.answer.media.map((m) => m.port)).toEqual([20000, 0]);
  });

  it('processAnswer reads the negotiated stream from an answer to our offer (section 7)', () => {
    const offer = createOffer(cap);
    const answer = createAnswer(offer, { address: '10.0.0.2', port: 40000, codecs: ['PCMA'] });
    if (!answer.ok) throw new Error('no answer');
    const result = processAnswer(offer, parseSdp(serializeSdp(answer.answer)));
    expect(result.ok && result.negotiated).toMatchObject({ codec: { name: 'PCMA' }, remote: { address: '10.0.0.2', port: 40000 }, telephoneEventPayloadType: 101 });
  });
});
