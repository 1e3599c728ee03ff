/**
 * `unpod`: the Unpod SDK.
 * - Management: `Client` (alias `AsyncClient`) for the REST API (pipes, numbers, calls, ...).
 * - Connectivity: `AgentRunner`, `CallContext`, `CallSession` to answer live calls with your agent.
 */
export * from './base-url.js';
export * from './client/index.js';
export * from './runner/index.js';
