export * from './clock.js';
export * from './rtp-packet.js';
export * from './receiver-stats.js';
export * from './rtcp.js';
export * from './paced-sender.js';
export * from './rtp-session.js';
