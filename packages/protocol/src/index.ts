/**
 * @unpod/protocol: the wire contract shared by the server and the SDK. Depends on nothing of ours.
 * REST models (snake_case, as on the wire), runner control frames, bridge frames and the
 * text-transport client frames, each as a zod schema with its inferred type.
 */
export * from './errors.js';
export * from './ids.js';
export * from './rest/common.js';
export * from './rest/spaces.js';
export * from './rest/api-keys.js';
export * from './rest/credentials.js';
export * from './rest/voice-profiles.js';
export * from './rest/pipes.js';
export * from './rest/trunks.js';
export * from './rest/numbers.js';
export * from './rest/calls.js';
export * from './rest/sessions.js';
export * from './rest/workers.js';
export * from './rest/health.js';
export * from './wire/close-codes.js';
export * from './wire/control.js';
export * from './wire/bridge.js';
export * from './wire/client.js';
export * from './wire/parse.js';
export * from './wire/names.js';
export * from './rest/dashboard.js';
