export * from './transport.js';
export * from './udp-transport.js';
export * from './tcp-transport.js';
