// @smis/messaging: the project's only seam over the Kafka client. Nothing outside this library
// imports the client; everything it needs from Kafka is here.

export { createKafka, KafkaClient } from './client/kafka-client';
export {
  CONNECTION_DEFAULTS,
  validateConnection,
  type KafkaConnection,
  type ScramCredentials,
} from './client/kafka-connection';
export {
  redact,
  silentLogger,
  stderrLogger,
  LOG_LEVELS,
  type LogFields,
  type LogLevel,
  type MessagingLogger,
} from './logger';

export {
  AuthorizationError,
  BatchRecordError,
  ConfigurationError,
  ConnectionError,
  DecodeError,
  describeError,
  isProgrammerError,
  isRetriable,
  MembershipLostError,
  MessagingError,
  NonRetriableError,
  ProduceError,
  RetriableError,
  RetriesExhaustedError,
  type MessagingErrorContext,
} from './errors';

export { backoffDelay, DEFAULT_BACKOFF, validateBackoff, type BackoffPolicy } from './retry/backoff';
export { withRetry, type RetryOptions } from './retry/with-retry';

export {
  MessageProducer,
  type HeaderValue,
  type OutgoingRecord,
  type PublishedBatch,
} from './producer/message-producer';
export { PRODUCER_DEFAULTS, type ProducerOptions } from './producer/create-producer';

export type {
  BatchContext,
  BatchHandler,
  ConsumedRecord,
  DeliveryCoordinates,
  MessageContext,
  MessageHandler,
} from './consumer/consumed-record';
export type { ConsumerOptions, MessageConsumer } from './consumer/message-consumer';
export { CONSUMER_DEFAULTS } from './consumer/create-consumer';
export type {
  ConsumerEventName,
  ConsumerEvents,
  ConsumerHooks,
  ConsumerListener,
} from './consumer/consumer-events';
export {
  classifyFailure,
  DEFAULT_RETRY_DELAYS_MS,
  type FailureClassifier,
  type FailureDecision,
} from './consumer/failure-policy';
export { DEAD_LETTER_HEADERS, RETRY_HEADERS } from './consumer/headers';
export { deadLetterTopicName, retryTopicName } from './consumer/topic-names';

export type {
  CommittedOffset,
  EnsureTopicsResult,
  PartitionDescription,
  TopicAdmin,
  TopicDescription,
  TopicSpec,
} from './admin/topic-admin';
export type {
  AclAdmin,
  AclBinding,
  AclFilter,
  AclOperation,
  AclPatternType,
  AclPermission,
  AclResourceType,
  AclSpec,
} from './admin/acls';
export type {
  TopicConfigAdmin,
  TopicConfigDescription,
  TopicConfigEntry,
  TopicOverrides,
} from './admin/topic-configs';
export type { OffsetAdmin, TopicPartitionOffsets } from './admin/offsets';
export type { BrokerHealth, BrokerHealthOptions } from './health/broker-health';

export { MessagingModule } from './nest/messaging.module';
export {
  MESSAGING_OPTIONS,
  type MessagingModuleAsyncOptions,
  type MessagingModuleOptions,
} from './nest/messaging-options';
export { ConsumerRegistry } from './nest/consumer-registry';
export { checkKafkaHealth, MessagingHealthIndicator, type KafkaHealthResult } from './nest/messaging-health';
export { nestMessagingLogger } from './nest/nest-logger';

// Test support: small, dependency-free, and wanted by every service's integration tests.
export { collectRecords, TopicRecorder, type TopicRecorderOptions } from './testing';
