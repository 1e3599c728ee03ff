/**
 * WebSocket close codes used on the runner control socket, the bridge and client sockets.
 * 4001/4003/4009 are fixed by the reference wire protocol (spec sections 3.4 and 3.5).
 */
export const CLOSE_CODES = {
  /** Normal end (call over, runner shutdown). RFC 6455 section 7.4.1. */
  normal: 1000,
  /** Server going away (restart, drain). */
  goingAway: 1001,
  /** Frame that is not valid JSON or not a known shape where one is required. */
  protocolError: 1002,
  /** Policy violation; fatal for runners like 4001. */
  policy: 1008,
  /** Frame larger than the socket accepts. */
  messageTooBig: 1009,
  /** Internal server error. */
  internalError: 1011,
  /** Credential refused on the control socket (fatal for the runner). */
  unauthorized: 4001,
  /** Bridge pairing rejected: unknown call, expired pairing window, or bad call token. */
  pairingRejected: 4003,
  /** A live bridge socket already exists for this call. */
  duplicateBridge: 4009,
  /** Handshake frames out of order or missing within the handshake timeout. */
  handshakeFailed: 4010,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** Largest frame accepted on any Unpod socket (bytes). */
export const MAX_FRAME_BYTES = 256 * 1024;
