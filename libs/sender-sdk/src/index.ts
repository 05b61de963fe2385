/**
 * @smis/sender-sdk: how a government system sends citizens messages through SMIS — pseudonymize
 * the recipient, seal the content for the citizen's devices, sign, publish, follow the statuses.
 */
export {
  createSenderClient,
  type SenderClient,
  type SenderClientConfig,
  type SenderClientDependencies,
} from './sender-client';
export type { EmailText, MessageStatus, Reachability, Recipient, SendInput, SendResult } from './types';
export {
  BROADCAST_DEFAULTS,
  REGION_CODE,
  type BroadcastAudience,
  type BroadcastInput,
  type BroadcastListProgress,
  type BroadcastOptions,
  type BroadcastResult,
} from './broadcast/broadcast-input';
export {
  FINAL_BROADCAST_STATES,
  isFinalBroadcastState,
  WATCH_BROADCAST_DEFAULTS,
  type BroadcastState,
  type BroadcastView,
  type WatchBroadcastOptions,
} from './broadcast/broadcast-progress';
export {
  BROADCAST_LIST_TOPIC,
  chainListDigest,
  EMPTY_LIST_DIGEST,
  MAX_LIST_CHUNK_RECIPIENTS,
  type BroadcastListChunk,
} from './broadcast/list-records';
export type { BulkInput, BulkItemResult, BulkOptions, BulkProgress, BulkSummary } from './bulk';
export type { StatusStream, WatchOptions } from './transport/status-stream';
export type { SenderTransport } from './transport/transport';
export type { KafkaTransportOptions } from './transport/kafka-transport';
export { PUBLISH_BATCH_DEFAULTS, type PublishBatchOptions } from './transport/publish-batcher';
export { KEY_CACHE_DEFAULTS, type KeyCacheOptions, type KeyDirectory } from './key-cache';
export { isFinalStatus, type RestTransportOptions } from './transport/rest-transport';
export {
  AuthenticationError,
  BroadcastNotFoundError,
  BroadcastStateError,
  GatewayError,
  InvalidBroadcastError,
  InvalidRecipientError,
  InvalidSendRequestError,
  RateLimitedError,
  SenderConfigError,
  SenderSdkError,
  TransportError,
  UnreachableRecipientError,
  type InvalidRecipientReason,
  type ProblemDetails,
  type SenderSdkErrorCode,
} from './errors';
export { looksLikePseudonym, parseRecipient } from './recipient';
export {
  buildMessageRequest,
  contentDigest,
  contentMetadata,
  emailFallbackText,
  CONTENT_DIGEST_BYTES,
  type RequestParts,
  type SenderKeys,
} from './request-builder';
export { SEND_DEFAULTS } from './send-input';
export {
  CLIENT_ASSERTION_TYPE,
  CLIENT_ASSERTION_TTL_SECONDS,
  createClientAssertion,
  type ClientAssertionInput,
} from './gateway/client-assertion';
export {
  messageRequestFromJson,
  messageRequestToJson,
  parseReachability,
  parseStatusHistory,
  type MessageRequestJson,
} from './gateway/wire';
