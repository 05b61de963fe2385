// @smis/broadcast: messages to groups and to the whole country (ADR 1100). Signed broadcasts to
// everyone, alert regions or explicit lists; stored once in the app channel, pushed through
// provider topics and a rate-controlled device stream; durable schedule, cancellation, aggregates.
export { BroadcastModule, type BroadcastModuleOptions } from './broadcast.module';
// HTTP: how `/v1/broadcast` finds the authenticated sender (as the status API, ADR 0803).
export {
  BroadcastPrincipalResolver,
  GatewayHeaderBroadcastPrincipalResolver,
  BROADCAST_PRINCIPAL_HEADER,
} from './http/sender-principal';
export { BroadcastService } from './broadcast.service';
export {
  BROADCAST_DEFAULTS,
  BROADCAST_TOPICS,
  BroadcastConfigError,
  loadBroadcastConfig,
  validateBroadcastConfig,
  type BroadcastConfig,
  type BroadcastConfigInput,
  type FanOutConfig,
  type PushProviderKind,
} from './config';
export type {
  BroadcastDeliveryPort,
  BroadcastPorts,
  PushRequest,
  PushResult,
  PushTarget,
  StagedBroadcast,
} from './ports';
export {
  BROADCAST_RECORD_SCHEMAS,
  createBroadcastRecordCodec,
  type BroadcastListChunk,
  type BroadcastProgress,
  type BroadcastRecordTypes,
  type BroadcastState,
} from './contracts/records';
export { chainListDigest, EMPTY_LIST_DIGEST } from './usecases/receive-list-chunk/receive-list-chunk.usecase';
export type { AcceptOutcome } from './usecases/accept-broadcast/accept-broadcast.usecase';
export type { ChunkOutcome } from './usecases/receive-list-chunk/receive-list-chunk.usecase';
export type { RunSummary } from './usecases/run-broadcast/run-broadcasts.usecase';
export type { BroadcastView } from './usecases/get-broadcast/get-broadcast.usecase';
export { REASONS as BROADCAST_REASONS } from './events';
export { BroadcastError, BroadcastNotFoundError, BroadcastStateError } from './errors';
// The fan-out pipeline (also measured by `npm run bench -- broadcast`).
export {
  fanOut,
  keysetPages,
  type FanOutOptions,
  type FanOutResult,
  type FanOutCounts,
} from './fanout/fan-out';
export { RateLimiter } from './fanout/rate-limiter';
export { quietHoursEnd, verifyEd25519 } from './policy';
