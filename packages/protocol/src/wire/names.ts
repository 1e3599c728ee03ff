import { OrchestratorToRunnerFrame, RunnerToOrchestratorFrame } from './control.js';
import { RunnerToWorkerFrame, WorkerToRunnerFrame } from './bridge.js';
import { ClientToServerFrame, ServerToClientFrame } from './client.js';
import { frameNames } from './parse.js';

/** Known discriminator values per direction, for `parseFrame`'s unknown-vs-invalid split. */
export const FRAME_NAMES = {
  runnerToOrchestrator: frameNames(RunnerToOrchestratorFrame.options, 'type'),
  orchestratorToRunner: frameNames(OrchestratorToRunnerFrame.options, 'type'),
  workerToRunner: frameNames(WorkerToRunnerFrame.options, 'event'),
  runnerToWorker: frameNames(RunnerToWorkerFrame.options, 'event'),
  clientToServer: frameNames(ClientToServerFrame.options, 'event'),
  serverToClient: frameNames(ServerToClientFrame.options, 'event'),
} as const;
