export { TextTransport, type TextTransportOptions } from './text-transport.js';
export { TextGateway, CLIENT_PATH, SESSION_CONNECT_PATH, type TextGatewayDeps } from './text-gateway.js';
