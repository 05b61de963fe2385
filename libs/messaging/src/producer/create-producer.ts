import { Partitioners, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import { translateClientError, translateProduceError } from '../client/translate-error';
import { NonRetriableError } from '../errors';
import type { MessagingLogger } from '../logger';
import { validateBackoff, type BackoffPolicy } from '../retry/backoff';
import { toClientRetry } from '../client/client-retry';
import {
  MessageProducer,
  type HeaderValue,
  type OutgoingRecord,
  type PublishedBatch,
} from './message-producer';

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
  kafka: Kafka;
  logger: MessagingLogger;
  options?: ProducerOptions;
}

export function createProducer({ kafka, logger, options = {} }: ProducerDependencies): MessageProducer {
  const retry = validateBackoff({ ...PRODUCER_DEFAULTS.retry, ...options.retry });
  const client = kafka.producer({
    idempotent: true,
    maxInFlightRequests: IDEMPOTENT_MAX_IN_FLIGHT,
    allowAutoTopicCreation: false,
    // The Java-compatible murmur2 partitioner: same key, same partition as the Java clients.
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: toClientRetry(retry),
  });
  return new IdempotentProducer(client, logger, options.ackTimeoutMs ?? PRODUCER_DEFAULTS.ackTimeoutMs);
}

class IdempotentProducer extends MessageProducer {
  private connecting?: Promise<void>;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly client: Producer,
    private readonly logger: MessagingLogger,
    private readonly ackTimeoutMs: number,
  ) {
    super();
  }

  override connect(): Promise<void> {
    if (this.closed) {
      return Promise.reject(new NonRetriableError('The producer is disconnected; create a new one'));
    }
    this.connecting ??= this.client.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw translateClientError(error, 'Could not connect the producer');
    });
    return this.connecting;
  }

  override async send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    validateSend(topic, records);
    if (records.length === 0) return [];
    const sending = this.publish(topic, records);
    this.inFlight.add(sending);
    try {
      return await sending;
    } finally {
      this.inFlight.delete(sending);
    }
  }

  override async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    if (this.connecting) await this.connecting.catch(() => undefined);
    await this.client.disconnect();
  }

  private async publish(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    await this.connect();
    try {
      const written = await this.client.send({
        topic,
        acks: ACKS_ALL,
        timeout: this.ackTimeoutMs,
        messages: records.map(toClientMessage),
      });
      return written.map((entry) => ({
        topic: entry.topicName,
        partition: entry.partition,
        baseOffset: String(entry.baseOffset ?? entry.offset ?? '-1'),
      }));
    } catch (error) {
      const translated = translateProduceError(error, topic);
      this.logger.warn('Publish failed', {
        topic,
        records: records.length,
        error: translated.name,
        reason: translated.message,
      });
      throw translated;
    }
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
