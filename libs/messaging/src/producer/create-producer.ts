import {
  Partitioners,
  type IHeaders,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import { hasProtocolErrorType, translateClientError, translateProduceError } from '../client/translate-error';
import { errorName, MessagingError, NonRetriableError, RetriableError } from '../errors';
import type { MessagingLogger } from '../logger';
import { validateBackoff, type BackoffPolicy } from '../retry/backoff';
import { toClientRetry } from '../client/client-retry';
import {
  MessageProducer,
  type HeaderValue,
  type OutgoingRecord,
  type PublishedBatch,
} from './message-producer';
import { PartitionAssigner } from './partition-assignment';

export interface ProducerOptions {
  /**
   * How long a send keeps retrying transient broker errors before it rejects. Bounded on purpose
   * (the client's idempotent default is forever): a caller should hear about an outage in about
   * a minute, as with the Java client's delivery.timeout.ms, rather than hang.
   */
  retry?: Partial<BackoffPolicy>;
  /** How long the broker may wait for in-sync replicas to acknowledge (default 30000 ms). */
  ackTimeoutMs?: number;
}

export const PRODUCER_DEFAULTS = Object.freeze({
  retry: Object.freeze({ retries: 8, initialDelayMs: 300, factor: 2, jitter: 0.2, maxDelayMs: 30_000 }),
  ackTimeoutMs: 30_000,
});

/**
 * Idempotence in this client tracks one sequence per partition and rolls it back on failure, so
 * a second request in flight could be sent with a stale sequence (OutOfOrderSequenceNumber). The
 * Java client's "up to 5" relies on sequence re-assignment this client does not implement
 * (tulios/kafkajs#980); one in flight is the only safe value.
 */
const IDEMPOTENT_MAX_IN_FLIGHT = 1;
/** All in-sync replicas must acknowledge; required by idempotence. */
const ACKS_ALL = -1;

export interface ProducerDependencies {
  kafka: Pick<Kafka, 'producer' | 'admin'>;
  logger: MessagingLogger;
  options?: ProducerOptions;
}

export function createProducer({ kafka, logger, options = {} }: ProducerDependencies): MessageProducer {
  const retry = validateBackoff({ ...PRODUCER_DEFAULTS.retry, ...options.retry });
  const newClient = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: IDEMPOTENT_MAX_IN_FLIGHT,
      allowAutoTopicCreation: false,
      // The Java-compatible murmur2 partitioner: same key, same partition as the Java clients.
      // Records reach it with their partition already chosen by the same partitioner (see
      // PartitionAssigner); it stays for the odd record the client partitions itself.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: toClientRetry(retry),
    });
  return new IdempotentProducer(
    newClient,
    new PartitionAssigner(kafka, retry),
    logger,
    options.ackTimeoutMs ?? PRODUCER_DEFAULTS.ackTimeoutMs,
  );
}

/** One underlying client producer: one producer id, one set of sequence numbers. */
interface Generation {
  client: Producer;
  connecting?: Promise<void>;
  sends: Set<Promise<unknown>>;
}

/**
 * Guards against two faults of the client (ADR 0006):
 * - a send that resolves without an acknowledgement for one of its partitions (tulios/kafkajs#1303)
 *   rejects with a `RetriableError` naming the partition;
 * - after OUT_OF_ORDER_SEQUENCE_NUMBER the client's sequences no longer match the broker's and
 *   every later send would fail the same way: the client producer is replaced by a new one.
 */
class IdempotentProducer extends MessageProducer {
  private closed = false;
  private current: Generation;
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    private readonly newClient: () => Producer,
    private readonly assigner: PartitionAssigner,
    private readonly logger: MessagingLogger,
    private readonly ackTimeoutMs: number,
  ) {
    super();
    this.current = { client: newClient(), sends: new Set() };
  }

  override connect(): Promise<void> {
    return this.connectGeneration(this.current);
  }

  override async send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    validateSend(topic, records);
    if (records.length === 0) return [];
    const generation = this.current;
    const sending = this.publish(generation, topic, records);
    generation.sends.add(sending);
    try {
      return await sending;
    } finally {
      generation.sends.delete(sending);
    }
  }

  override async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const generation = this.current;
    await Promise.allSettled([...generation.sends]);
    if (generation.connecting) await generation.connecting.catch(() => undefined);
    await Promise.allSettled([...this.retiring]);
    await this.assigner
      .disconnect()
      .catch((error: unknown) =>
        this.logger.warn('Could not disconnect the partition metadata client', { error: errorName(error) }),
      );
    await generation.client.disconnect();
  }

  private connectGeneration(generation: Generation): Promise<void> {
    if (this.closed) {
      return Promise.reject(new NonRetriableError('The producer is disconnected; create a new one'));
    }
    generation.connecting ??= generation.client.connect().catch((error: unknown) => {
      generation.connecting = undefined;
      throw translateClientError(error, 'Could not connect the producer');
    });
    return generation.connecting;
  }

  private async publish(
    generation: Generation,
    topic: string,
    records: readonly OutgoingRecord[],
  ): Promise<PublishedBatch[]> {
    await this.connectGeneration(generation);
    const messages = records.map(toClientMessage);
    let written: RecordMetadata[];
    try {
      const partitions = await this.assigner.assign(topic, messages);
      messages.forEach((message, index) => (message.partition = partitions[index]));
      written = await generation.client.send({
        topic,
        acks: ACKS_ALL,
        timeout: this.ackTimeoutMs,
        messages,
      });
    } catch (error) {
      throw this.failed(generation, topic, records.length, error);
    }
    this.checkAcknowledged(topic, messages, written);
    return written.map((entry) => ({
      topic: entry.topicName,
      partition: entry.partition,
      baseOffset: String(entry.baseOffset ?? entry.offset ?? '-1'),
    }));
  }

  /** Every partition written to must have answered without error (tulios/kafkajs#1303). */
  private checkAcknowledged(
    topic: string,
    messages: readonly Message[],
    written: readonly RecordMetadata[],
  ): void {
    const targeted = [...new Set(messages.map((message) => message.partition as number))].sort(
      (a, b) => a - b,
    );
    const missing = targeted.filter(
      (partition) =>
        !written.some(
          (entry) =>
            entry.topicName === topic && entry.partition === partition && (entry.errorCode ?? 0) === 0,
        ),
    );
    if (missing.length === 0) return;
    const where = missing.map((partition) => `${topic}[${partition}]`).join(', ');
    this.logger.warn('Publish not acknowledged for every partition', {
      topic,
      partitions: missing.join(','),
      records: messages.length,
    });
    throw new RetriableError(
      `Could not publish to ${where}: the send resolved without an acknowledgement for it; send again`,
      { topic, partition: missing[0] },
    );
  }

  private failed(generation: Generation, topic: string, records: number, error: unknown): MessagingError {
    if (hasProtocolErrorType(error, 'UNKNOWN_TOPIC_OR_PARTITION')) this.assigner.forget(topic);
    if (hasProtocolErrorType(error, 'OUT_OF_ORDER_SEQUENCE_NUMBER')) {
      const replaced = this.replace(generation);
      this.logger.warn('Publish refused for an out-of-order sequence number', {
        topic,
        records,
        action: replaced ? 'replaced the client producer' : 'already replaced',
      });
      return new RetriableError(
        `Could not publish to ${topic}: the broker refused an out-of-order sequence number; ` +
          'the producer was renewed, send again',
        { topic, cause: error },
      );
    }
    const translated = translateProduceError(error, topic);
    this.logger.warn('Publish failed', {
      topic,
      records,
      error: translated.name,
      reason: translated.message,
    });
    return translated;
  }

  /**
   * Swaps in a new client producer (new producer id, fresh sequences); the old one closes once
   * its sends in flight have settled. False when `generation` was already replaced.
   */
  private replace(generation: Generation): boolean {
    if (this.current !== generation || this.closed) return false;
    this.current = { client: this.newClient(), sends: new Set() };
    const retiring = (async () => {
      await Promise.allSettled([...generation.sends]);
      await generation.connecting?.catch(() => undefined);
      await generation.client.disconnect();
    })()
      .catch((error: unknown) =>
        this.logger.warn('Could not disconnect the replaced producer', { error: errorName(error) }),
      )
      .finally(() => this.retiring.delete(retiring));
    this.retiring.add(retiring);
    return true;
  }
}

function validateSend(topic: string, records: readonly OutgoingRecord[]): void {
  if (typeof topic !== 'string' || topic === '')
    throw new TypeError('send(topic, records): topic must be a non-empty string');
  if (!Array.isArray(records)) throw new TypeError(`send(${topic}, records): records must be an array`);
  records.forEach((record, index) => {
    if (record.value !== null && !Buffer.isBuffer(record.value)) {
      throw new TypeError(
        `send(${topic}, records): records[${index}].value must be a Buffer or null (encode it first)`,
      );
    }
  });
}

function toClientMessage(record: OutgoingRecord): Message {
  return {
    key: record.key ?? null,
    value: record.value,
    headers: record.headers ? copyHeaders(record.headers) : undefined,
    partition: record.partition,
  };
}

function copyHeaders(headers: Readonly<Record<string, HeaderValue>>): IHeaders {
  const copy: IHeaders = {};
  for (const [name, value] of Object.entries(headers))
    copy[name] = Array.isArray(value) ? [...value] : (value as string | Buffer);
  return copy;
}
