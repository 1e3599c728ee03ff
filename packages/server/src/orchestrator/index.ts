export { Orchestrator, type OrchestratorDeps } from './orchestrator.js';
export { DEFAULT_TIMINGS, resolveTimings, type OrchestratorTimings } from './timings.js';
export { InMemoryRunnerRegistry, type RunnerRegistry, type RunnerLink, type RunnerRegistration, type Reservation, type AssignOutcome } from './registry.js';
export { Dispatcher, type JobDispatcher, type DispatchRequest, type DispatchResult } from './dispatcher.js';
export { LiveCall } from './live-call.js';
export { CONTROL_PATH } from './control-server.js';
export { BRIDGE_PATH_PREFIX } from './bridge-acceptor.js';
