import { describe, expect, it } from 'vitest';
import { createResponse } from '../message/builders.js';
import { parseMessage } from '../message/parser.js';
import { cseqOf, type SipRequest } from '../message/message.js';
import { formatUri } from '../message/uri.js';
import { Dialog, DialogStateError } from './dialog.js';

const invite = parseMessage(
  Buffer.from(
    'INVITE sip:bob@biloxi.com SIP/2.0\r\nVia: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK1\r\nRecord-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\r\nFrom: Alice <sip:alice@atlanta.com>;tag=a1\r\nTo: Bob <sip:bob@biloxi.com>\r\nCall-ID: d1\r\nCSeq: 10 INVITE\r\nContact: <sip:alice@pc33.atlanta.com>\r\nContent-Length: 0\r\n\r\n',
  ),
) as SipRequest;

function okFrom(request: SipRequest): ReturnType<typeof createResponse> {
  const ok = createResponse(request, 200, { toTag: 'b1' });
  ok.headers.append('Contact', '<sip:bob@192.0.2.4>');
  for (const rr of request.headers.getAll('Record-Route')) ok.headers.append('Record-Route', rr);
  return ok;
}

describe('Dialog (RFC 3261 section 12)', () => {
  it('12.1.2 UAC: id from tags, route set is Record-Route reversed, target from Contact', () => {
    const dialog = Dialog.asUac(invite, okFrom(invite));
    expect(dialog.id).toEqual({ callId: 'd1', localTag: 'a1', remoteTag: 'b1' });
    expect(dialog.state).toBe('confirmed');
    expect(dialog.routeSet).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(formatUri(dialog.remoteTarget)).toBe('sip:bob@192.0.2.4');
  });

  it('12.1.1 UAS: route set in order, remote seq from the request', () => {
    const dialog = Dialog.asUas(invite, 'b1');
    expect(dialog.id).toEqual({ callId: 'd1', localTag: 'b1', remoteTag: 'a1' });
    expect(dialog.state).toBe('early');
    expect(dialog.routeSet).toEqual(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(dialog.remoteSeq).toBe(10);
  });

  it('12.2.1.1: in-dialog requests increment CSeq, carry tags and routes; ACK reuses the INVITE number', () => {
    const dialog = Dialog.asUac(invite, okFrom(invite));
    const ack = dialog.createRequest('ACK', { via: 'SIP/2.0/UDP h;branch=z9hG4bK2' }, 10);
    expect(cseqOf(ack)).toEqual({ seq: 10, method: 'ACK' });
    const bye = dialog.createRequest('BYE', { via: 'SIP/2.0/UDP h;branch=z9hG4bK3' });
    expect(cseqOf(bye)).toEqual({ seq: 11, method: 'BYE' });
    expect(formatUri(bye.uri)).toBe('sip:bob@192.0.2.4');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(bye.headers.get('From')).toContain('tag=a1');
    expect(bye.headers.get('To')).toContain('tag=b1');
  });

  it('12.2.1.1 strict routing: a first route without lr becomes the Request-URI', () => {
    const dialog = Dialog.asUac(invite, okFrom(invite));
    dialog.routeSet = ['<sip:strict.example.com>', '<sip:p2.example.com;lr>'];
    const bye = dialog.createRequest('BYE', { via: 'SIP/2.0/UDP h;branch=z9hG4bK4' });
    expect(formatUri(bye.uri)).toBe('sip:strict.example.com');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:p2.example.com;lr>', '<sip:bob@192.0.2.4>']);
  });

  it('12.2.2: lower remote CSeq is refused (500); re-INVITE refreshes the target', () => {
    const dialog = Dialog.asUas(invite, 'b1', 'confirmed');
    const reinvite = parseMessage(
      Buffer.from(
        'INVITE sip:bob@192.0.2.4 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK5\r\nFrom: <sip:alice@atlanta.com>;tag=a1\r\nTo: <sip:bob@biloxi.com>;tag=b1\r\nCall-ID: d1\r\nCSeq: 11 INVITE\r\nContact: <sip:alice@198.51.100.7>\r\nContent-Length: 0\r\n\r\n',
      ),
    ) as SipRequest;
    expect(dialog.receiveRequest(reinvite)).toBe(true);
    expect(formatUri(dialog.remoteTarget)).toBe('sip:alice@198.51.100.7');
    expect(dialog.receiveRequest(invite)).toBe(false);
  });

  it('refuses illegal state moves', () => {
    const dialog = Dialog.asUas(invite, 'b1');
    dialog.terminate();
    expect(() => dialog.confirm()).toThrow(DialogStateError);
    expect(() => dialog.createRequest('BYE', { via: 'SIP/2.0/UDP h;branch=z9hG4bK6' })).toThrow(DialogStateError);
  });
});
