export * from './core.js';
export * from './dtmf.js';
export * from './call.js';
export * from './incoming-call.js';
export * from './outgoing-call.js';
export * from './registration.js';
export * from './user-agent.js';
