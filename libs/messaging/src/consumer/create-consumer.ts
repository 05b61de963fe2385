import { withRetry } from '../retry/with-retry';
import type { Consumer, Kafka } from 'kafkajs';
import type { TopicAdmin } from '../admin/topic-admin';
import { translateClientError } from '../client/translate-error';
import { ConfigurationError, describeError } from '../errors';
import type { MessagingLogger } from '../logger';
import type { MessageProducer } from '../producer/message-producer';
import { createBatchProcessor, type HandlerMode } from './batch-processor';
import { ConsumerEventHub } from './consumer-events';
import { classifyFailure, DEFAULT_RETRY_DELAYS_MS, validateRetryDelays } from './failure-policy';
import type { ConsumerOptions, MessageConsumer } from './message-consumer';
import { ResumeScheduler, type Timers } from './resume-scheduler';
import { deadLetterTopicName, retryTopicName, subscribedTopics } from './topic-names';

export interface ConsumerDependencies {
  kafka: Kafka;
  logger: MessagingLogger;
  createAdmin(): TopicAdmin;
  createProducer(): MessageProducer;
  options: ConsumerOptions;
  now?: () => number;
  timers?: Timers;
}

export const CONSUMER_DEFAULTS = Object.freeze({
  retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  fromBeginning: true,
  partitionsConsumedConcurrently: 1,
  provisionTopics: true,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  /** Short, because `stop()` waits for the fetch in flight; an idle consumer asks once a second. */
  maxWaitTimeMs: 1_000,
});

/** Commit resolved offsets at least this often while a long batch is being handled. */
const AUTO_COMMIT_INTERVAL_MS = 5_000;

export function createConsumer(deps: ConsumerDependencies): MessageConsumer {
  const { kafka, logger, options } = deps;
  const now = deps.now ?? Date.now;
  const handler = validateOptions(options);
  const retryDelaysMs = validateRetryDelays(options.retryDelaysMs ?? CONSUMER_DEFAULTS.retryDelaysMs);
  const roles = subscribedTopics(options.topics, retryDelaysMs.length);
  const events = new ConsumerEventHub(logger);
  events.addHooks(options.hooks);
  const scheduler = new ResumeScheduler(now, deps.timers);
  const groupId = options.groupId;

  let client: Consumer | undefined;
  let producer: MessageProducer | undefined;
  let ownsProducer = false;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const detach: Array<() => void> = [];
  let onStopRequested: () => void = () => undefined;
  /** Lets `stop()` end a start that is still waiting to join the group (broker away). */
  const stopRequested = new Promise<void>((resolve) => (onStopRequested = resolve));

  const provisionDerivedTopics = async (): Promise<void> => {
    const admin = deps.createAdmin();
    try {
      const sources = await admin.describeTopics(options.topics);
      await admin.ensureTopics(
        sources.flatMap(({ topic, partitions }) => [
          ...retryDelaysMs.map((_, index) => ({
            topic: retryTopicName(topic, index + 1),
            numPartitions: partitions.length,
          })),
          { topic: deadLetterTopicName(topic), numPartitions: partitions.length },
        ]),
      );
    } finally {
      await admin.disconnect();
    }
  };

  const run = async (): Promise<void> => {
    if (options.provisionTopics ?? CONSUMER_DEFAULTS.provisionTopics) await provisionDerivedTopics();
    ownsProducer = options.producer === undefined;
    producer = options.producer ?? deps.createProducer();
    await producer.connect();
    const publisher = producer;

    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs ?? CONSUMER_DEFAULTS.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs ?? CONSUMER_DEFAULTS.heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? CONSUMER_DEFAULTS.maxWaitTimeMs,
    });
    client = consumer;
    detach.push(
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        logger.error('Consumer crashed', {
          groupId,
          error: describeError(payload.error),
          restarting: payload.restart,
        });
        events.emit('crashed', { groupId, error: payload.error, restarting: payload.restart });
      }),
    );

    const processBatch = createBatchProcessor({
      groupId,
      roles,
      handler,
      policy: { retryDelaysMs, classify: options.classifyFailure ?? classifyFailure },
      publish: async (topic, record) => void (await publisher.send(topic, [record])),
      events,
      scheduler,
      logger,
      now,
      isStopping: () => stopping !== undefined,
    });

    try {
      await consumer.connect();
      // Topics created a moment ago may not be in every broker's metadata yet ("does not host
      // this topic-partition"): the client calls that retriable, so try again shortly.
      await withRetry(
        () =>
          consumer.subscribe({
            topics: [...roles.keys()],
            fromBeginning: options.fromBeginning ?? CONSUMER_DEFAULTS.fromBeginning,
          }),
        {
          retries: 8,
          initialDelayMs: 250,
          isRetriable: (e) => (e as { retriable?: unknown }).retriable === true,
        },
      )();
      const joined = new Promise<void>((resolve, reject) => {
        const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
          offJoin();
          offCrash();
          resolve();
        });
        const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (payload.restart) return;
          offJoin();
          offCrash();
          reject(payload.error);
        });
      });
      await consumer.run({
        autoCommit: true,
        autoCommitInterval: AUTO_COMMIT_INTERVAL_MS,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently:
          options.partitionsConsumedConcurrently ?? CONSUMER_DEFAULTS.partitionsConsumedConcurrently,
        eachBatch: (payload) => processBatch(payload.batch, payload),
      });
      joined.catch(() => undefined); // observed by the race below; no unhandled rejection after a stop
      await Promise.race([joined, stopRequested]);
    } catch (error) {
      throw translateClientError(error, `Could not start consumer group ${groupId}`);
    }
    logger.info('Consumer started', { groupId, topics: [...roles.keys()] });
  };

  const release = async (): Promise<void> => {
    scheduler.cancelAll();
    // Waits for the batch in hand; the client commits resolved offsets before leaving the group.
    const consumer = client;
    client = undefined;
    await consumer?.disconnect();
    detach.splice(0).forEach((off) => off());
    if (ownsProducer) await producer?.disconnect();
  };

  return {
    groupId,
    subscribedTopics: [...roles.keys()],
    on: (event, listener) => events.on(event, listener),

    start(): Promise<void> {
      if (stopping)
        return Promise.reject(new ConfigurationError(`Consumer ${groupId} was stopped; create a new one`));
      starting ??= run().catch(async (error: unknown) => {
        await release().catch(() => undefined);
        throw error;
      });
      return starting;
    },

    stop(): Promise<void> {
      stopping ??= (async () => {
        onStopRequested();
        await starting?.catch(() => undefined);
        await release();
        logger.info('Consumer stopped', { groupId });
      })();
      return stopping;
    },
  };
}

function validateOptions(options: ConsumerOptions): HandlerMode {
  const problems: string[] = [];
  if (typeof options.groupId !== 'string' || options.groupId === '')
    problems.push('groupId must be a non-empty string');
  if (
    !Array.isArray(options.topics) ||
    options.topics.length === 0 ||
    options.topics.some((t) => typeof t !== 'string' || t === '')
  ) {
    problems.push('topics must list at least one topic name');
  }
  const hasEach = typeof options.eachMessage === 'function';
  const hasBatch = typeof options.eachBatch === 'function';
  if (hasEach === hasBatch) problems.push('give exactly one of eachMessage or eachBatch');
  if (problems.length > 0) throw new ConfigurationError(`Invalid consumer options: ${problems.join('; ')}`);
  return options.eachMessage
    ? { eachMessage: options.eachMessage }
    : { eachBatch: options.eachBatch as NonNullable<typeof options.eachBatch> };
}
