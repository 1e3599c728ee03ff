/** @unpod/server: the Speech Stack as a library (the `unpod` CLI wraps it). */
export { loadConfig, ConfigError, type ServerConfig, type ConfigFlags, type ClusterConfig } from './config.js';
export { UnpodServer, type RuntimeInfo } from './server.js';
export { Store } from './control/store/store.js';
export { createControlApp, type ControlDeps } from './control/http/app.js';
export { ApiError } from './control/errors.js';
export { createLogger } from './logger.js';
export { VERSION } from './version.js';
export * from './speech/index.js';
export { VoicePipeline, type VoiceEngines, type VoicePipelineConfig, type VoicePipelineEvents } from './pipeline/voice-pipeline.js';
export { metrics, type RunnerTotals, type RunnerSource } from './ops/metrics.js';
export { createRecordingStore, DirectoryRecordingStore, S3RecordingStore, type RecordingStore } from './ops/recordings/index.js';
export { Readiness, type ReadinessReport } from './ops/readiness.js';
export { InProcessClusterBus, RedisClusterBus, type ClusterBus, type BusHandler, type BusMessage } from './cluster/index.js';
