import { z } from 'zod';
import { CallState } from './bridge.js';

/**
 * Client sockets: the socket a client (chat playground, test, script) opens at a call's
 * `client_url`. Names reuse the bridge's event names where they fit. Text calls carry only JSON
 * text frames; WebSocket audio calls also carry binary PCM16 frames both ways, and add the
 * transcript and audio-progress events below.
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
  /** WebSocket audio calls: the rate of the PCM16 binary frames, both ways. */
  sample_rate: z.number().int().optional(),
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

/** Audio calls: the caller's current turn as recognised so far. */
export const ServerUserPartialFrame = z.looseObject({ event: z.literal('user.partial'), text: z.string() });
/** Audio calls: the caller's finished turn, as sent to the agent. */
export const ServerUserTextFrame = z.looseObject({ event: z.literal('user.text'), text: z.string() });
/** Audio calls: the agent's audio for utterance `turn_id` started on the socket. */
export const ServerAgentAudioStartedFrame = z.looseObject({ event: z.literal('agent.audio.started'), turn_id: z.number().int() });
/** Audio calls: the agent's audio for `turn_id` stopped: played out, or cut (`interrupted`) after `heard_text`. */
export const ServerAgentAudioEndedFrame = z.looseObject({
  event: z.literal('agent.audio.ended'),
  turn_id: z.number().int(),
  interrupted: z.boolean(),
  heard_text: z.string().default(''),
});

export const ServerToClientFrame = z.discriminatedUnion('event', [
  ServerCallConnectedFrame,
  ServerTextDeltaFrame,
  ServerTextEndFrame,
  ServerStateFrame,
  ServerInterruptedFrame,
  ServerErrorFrame,
  ServerCallEndedFrame,
  ServerUserPartialFrame,
  ServerUserTextFrame,
  ServerAgentAudioStartedFrame,
  ServerAgentAudioEndedFrame,
]);
export type ServerToClientFrame = z.infer<typeof ServerToClientFrame>;
