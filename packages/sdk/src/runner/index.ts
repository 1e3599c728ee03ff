/**
 * Connectivity: answer live calls with your agent.
 * - `AgentRunner` registers on the server's control socket and runs your entrypoint once per call.
 * - `CallContext` describes the call; `CallSession` (`ctx.session`) speaks, transfers, runs turns.
 * - Adapters connect a brain: `functionAdapter`, `HttpAdapter`, `OpenAICompatibleAdapter`, or
 *   anything implementing `DialogAdapter` (SuperDialog included).
 */
export { AgentRunner, type RunnerEvents } from './agent-runner.js';
export { DEFAULT_TIMING, type AgentRunnerOptions, type Entrypoint, type RunnerTiming } from './config.js';
export {
  buildCallData,
  pickUserNumber,
  RESERVED_METADATA_KEYS,
  ROUTING_KEYS,
  type CallContext,
  type CallDirection,
} from './call-context.js';
export { CallSession, type TransferOptions } from './call-session.js';
export type {
  DtmfEvent,
  InterruptionInfo,
  SessionEndReason,
  SessionErrorInfo,
  SessionEvents,
  SilenceEvent,
  StateEvent,
  TransferResultEvent,
  TurnCompleteInfo,
  UserTurnInfo,
} from './session-events.js';
export { SessionMetrics, type MetricEvent, type SessionMetricsSnapshot, type TurnTiming, type WorkerTurnMetrics } from './session-metrics.js';
export type { CallFinalState, RunnerStats } from './stats.js';
export type { HostInfo } from './host-info.js';
export type { HookHandler } from './hooks.js';
export {
  AdapterError,
  BridgeDialError,
  CallCancelledError,
  RunnerAuthError,
  RunnerConfigError,
  RunnerError,
  SessionClosedError,
  TransportRejectedError,
  VerbNotSupportedError,
  type RunnerErrorCode,
} from './errors.js';
export * from './adapters/index.js';
export { createJsonLogger, resolveLogger, silentLogger, type JsonLoggerOptions, type LogFields, type Logger, type LoggerOptions, type LogLevel } from '../logger.js';
