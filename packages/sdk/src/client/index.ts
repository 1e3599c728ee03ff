/**
 * Management client for the Unpod REST API. Request and response types are the wire types of
 * `@unpod/protocol`, snake_case exactly as the server sends them.
 */
export type {
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  Call,
  CallCreate,
  ErrorCode,
  Health,
  NumberCreate,
  NumberUpdate,
  Page,
  PhoneNumber,
  Pipe,
  PipeCreate,
  PipeUpdate,
  SessionToken,
  SessionTokenCreate,
  Space,
  SpaceUpdate,
  Trunk,
  TrunkCreate,
  TrunkSyncResult,
  TrunkUpdate,
  VoiceProfile,
  WorkerView,
} from '@unpod/protocol';
export { AsyncClient, Client } from './client.js';
export type { ClientOptions } from './config.js';
export {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnpodApiError,
  UnpodConfigError,
  UnpodConnectionError,
  UnpodError,
  UnpodResponseError,
  UnpodTimeoutError,
  ValidationError,
} from './errors.js';
export { PagePromise, type ListParams } from './pagination.js';
export type { ApiKeys } from './resources/api-keys.js';
export type { CallListParams, Calls } from './resources/calls.js';
export type { NumberListParams, PhoneNumbers } from './resources/numbers.js';
export type { PipeListParams, Pipes } from './resources/pipes.js';
export type { Sessions } from './resources/sessions.js';
export type { Spaces } from './resources/spaces.js';
export type { TrunkListParams, Trunks } from './resources/trunks.js';
export type { VoiceProfileListParams, VoiceProfiles } from './resources/voice-profiles.js';
export type { WorkerListParams, Workers } from './resources/workers.js';
export type { BackoffOptions } from './retry.js';
export type { RequestOptions } from './transport.js';
export { SDK_VERSION } from './version.js';
