/** @unpod/sip: a typed SIP stack for voice agents (RFC 3261 layers plus SDP and RTP). */
export * from './message/index.js';
export * from './transport/index.js';
export * from './transaction/index.js';
export * from './dialog/index.js';
export * from './auth/index.js';
export * from './sdp/index.js';
export * from './rtp/index.js';
export * from './ua/index.js';
export { Emitter, nextEvent } from './util/emitter.js';
