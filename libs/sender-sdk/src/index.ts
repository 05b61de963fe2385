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
export type { BulkInput, BulkItemResult, BulkOptions, BulkProgress, BulkSummary } from './bulk';
export type { StatusStream, WatchOptions } from './transport/status-stream';
export type { SenderTransport } from './transport/transport';
export type { KafkaTransportOptions } from './transport/kafka-transport';
export { PUBLISH_BATCH_DEFAULTS, type PublishBatchOptions } from './transport/publish-batcher';
export { KEY_CACHE_DEFAULTS, type KeyCacheOptions, type KeyDirectory } from './key-cache';
export { isFinalStatus, type RestTransportOptions } from './transport/rest-transport';
export {
  AuthenticationError,
  GatewayError,
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
export { parseRecipient } from './recipient';
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
