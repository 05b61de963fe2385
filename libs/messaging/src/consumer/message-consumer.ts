import type { MessageProducer } from '../producer/message-producer';
import type { BatchHandler, MessageHandler } from './consumed-record';
import type { ConsumerEventName, ConsumerHooks, ConsumerListener } from './consumer-events';
import type { FailureClassifier } from './failure-policy';

interface CommonConsumerOptions {
  /** Consumers sharing a group id share the partitions (and the committed offsets). */
  groupId: string;
  /** Source topics; their retry topics are consumed by the same group. */
  topics: readonly string[];
  /**
   * Delay before each retry, one retry topic per entry (default 1 s, 10 s, 60 s). A record that
   * still fails after the last one is dead-lettered. `[]` dead-letters at the first failure.
   */
  retryDelaysMs?: readonly number[];
  /** Retry or dead-letter, by error (default: `classifyFailure`, by exception class). */
  classifyFailure?: FailureClassifier;
  /** Where a new group starts: the earliest record (default) or only records published after it joins. */
  fromBeginning?: boolean;
  /** Partitions handled at the same time, each still in order (default 1). */
  partitionsConsumedConcurrently?: number;
  /**
   * Create the retry and dead-letter topics when missing, with the source topic's partition
   * count (default true). Turn off where topics are provisioned by the platform (KafkaTopic).
   */
  provisionTopics?: boolean;
  /** Publishes to retry and dead-letter topics (default: the consumer's own producer). */
  producer?: MessageProducer;
  hooks?: ConsumerHooks;
  /** Group session timeout (default 30000 ms): a member silent this long is replaced. */
  sessionTimeoutMs?: number;
  /** Heartbeat interval (default 3000 ms). */
  heartbeatIntervalMs?: number;
  /** How long a fetch waits for data (default 1000 ms); also bounds how long `stop()` waits. */
  maxWaitTimeMs?: number;
}

export type ConsumerOptions = CommonConsumerOptions &
  ({ eachMessage: MessageHandler; eachBatch?: never } | { eachBatch: BatchHandler; eachMessage?: never });

export interface MessageConsumer {
  readonly groupId: string;
  /** Every topic consumed: the sources and their retry topics. */
  readonly subscribedTopics: readonly string[];
  /** Subscribes and resolves once the group has been joined. */
  start(): Promise<void>;
  /** Finishes the record in hand, commits what was processed, leaves the group, disconnects. */
  stop(): Promise<void>;
  on<E extends ConsumerEventName>(event: E, listener: ConsumerListener<E>): () => void;
}
