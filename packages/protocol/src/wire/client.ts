import { z } from 'zod';
import { CallState } from './bridge.js';

/**
 * Text transport: the socket a client (chat playground, test, script) opens at a call's
 * `client_url`. Names reuse the bridge's event names where they fit.
 */

export const ClientUserTextFrame = z.looseObject({
  event: z.literal('user.text'),
  text: z.string().min(1).max(10_000),
});
export const ClientHangupFrame = z.looseObject({ event: z.literal('hangup') });
/** DTMF typed on a keypad in the playground. */
export const ClientDtmfFrame = z.looseObject({ event: z.literal('dtmf'), digits: z.string().regex(/^[0-9*#A-D]+$/) });

export const ClientToServerFrame = z.discriminatedUnion('event', [ClientUserTextFrame, ClientHangupFrame, ClientDtmfFrame]);
export type ClientToServerFrame = z.infer<typeof ClientToServerFrame>;

export const ServerCallConnectedFrame = z.looseObject({
  event: z.literal('call.connected'),
  call_id: z.string(),
});
export const ServerTextDeltaFrame = z.looseObject({ event: z.literal('agent.text.delta'), text: z.string(), turn_id: z.number().int() });
export const ServerTextEndFrame = z.looseObject({ event: z.literal('agent.text.end'), turn_id: z.number().int(), text: z.string() });
export const ServerStateFrame = z.looseObject({ event: z.literal('state'), state: CallState });
export const ServerInterruptedFrame = z.looseObject({
  event: z.literal('user.interrupted'),
  turn_id: z.number().int(),
  heard_prefix: z.string().nullable(),
});
export const ServerErrorFrame = z.looseObject({ event: z.literal('error'), code: z.string(), message: z.string() });
export const ServerCallEndedFrame = z.looseObject({
  event: z.literal('call.ended'),
  reason: z.string(),
  call_id: z.string(),
});

export const ServerToClientFrame = z.discriminatedUnion('event', [
  ServerCallConnectedFrame,
  ServerTextDeltaFrame,
  ServerTextEndFrame,
  ServerStateFrame,
  ServerInterruptedFrame,
  ServerErrorFrame,
  ServerCallEndedFrame,
]);
export type ServerToClientFrame = z.infer<typeof ServerToClientFrame>;
