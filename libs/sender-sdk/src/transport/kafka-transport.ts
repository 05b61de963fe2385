import { randomUUID } from 'node:crypto';
import {
  createAvroCodec,
  statusTopic,
  TOPICS,
  type Broadcast,
  type MessageRequest,
  type MessageStatus,
} from '@smis/contracts';
import {
  createKafka,
  isRetriable,
  MessageProducer,
  NonRetriableError,
  silentLogger,
  type KafkaClient,
  type MessageConsumer,
  type MessagingLogger,
  type PublishedBatch,
} from '@smis/messaging';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  BROADCAST_LIST_TOPIC,
  createListChunkCodec,
  type BroadcastListChunk,
} from '../broadcast/list-records';
import { SenderConfigError, TransportError } from '../errors';
import { BatcherClosedError, PublishBatcher, type PublishBatchOptions } from './publish-batcher';
import { HandoffQueue, type StatusStream, type WatchOptions } from './status-stream';
import type { SenderTransport } from './transport';

export interface KafkaTransportOptions {
  readonly kind: 'kafka';
  /** Bootstrap servers, `host:port` each. */
  readonly brokers: readonly string[];
  /** The SCRAM-SHA-512 user the platform team issued for the sender. */
  readonly sasl?: { readonly username: string; readonly password: string };
  readonly ssl?: boolean | TlsOptions;
  /** Still needed for key lookups: they always go through the gateway (ADR 1000). */
  readonly gatewayUrl: string;
  /** Default `<senderId>-sender-sdk`. */
  readonly clientId?: string;
  /** Default: silent (a library does not write to the terminal). */
  readonly logger?: MessagingLogger;
  /**
   * Concurrent sends are published together, one producer call per batch (see
   * PublishBatchOptions; defaults: up to 100 records or 512 KiB, no linger).
   */
  readonly batch?: PublishBatchOptions;
}

/** While a reader holds a status, keep telling the group this member is alive. */
const HEARTBEAT_WHILE_HELD_MS = 3_000;

/** The consumer never fails a record (the handler never throws), so it needs no producer. */
class NoRetryProducer extends MessageProducer {
  override connect(): Promise<void> {
    return Promise.resolve();
  }
  override async send(topic: string): Promise<PublishedBatch[]> {
    throw new NonRetriableError(`the sender SDK's status consumer does not publish (asked for ${topic})`);
  }
  override disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Publishes MessageRequests to smis.requests.v1 (key messageId) and follows
 * smis.status.<senderId>.v1. Concurrent publishes share producer calls (PublishBatcher).
 * Broadcasts go to smis.broadcasts.v1 and their lists to smis.broadcasts.lists.v1 (key
 * broadcastId), one awaited record at a time so the chunks keep their order.
 */
export class KafkaSenderTransport implements SenderTransport {
  readonly kind = 'kafka';
  private readonly kafka: KafkaClient;
  private readonly producer: MessageProducer;
  private readonly batcher: PublishBatcher;
  private readonly codec = createAvroCodec();
  private readonly listCodec = createListChunkCodec();
  private closed = false;
  private readonly streams = new Set<StatusStream>();

  constructor(
    private readonly senderId: string,
    options: KafkaTransportOptions,
  ) {
    this.kafka = createKafka({
      brokers: [...options.brokers],
      clientId: options.clientId ?? `${senderId}-sender-sdk`,
      sasl: options.sasl ? { mechanism: 'scram-sha-512', ...options.sasl } : undefined,
      ssl: options.ssl,
      logger: options.logger ?? silentLogger,
    });
    this.producer = this.kafka.producer();
    this.batcher = new PublishBatcher(
      (records) => this.producer.send(TOPICS.requests, records),
      options.batch,
    );
  }

  async publish(request: MessageRequest): Promise<void> {
    const value = await this.codec.encode('MessageRequest', request);
    try {
      await this.batcher.add({ key: request.messageId, value });
    } catch (error) {
      if (error instanceof BatcherClosedError)
        throw new TransportError('publish', 'the sender client is closed: create a new one', false);
      throw new TransportError(
        'publish',
        `could not publish to ${TOPICS.requests}: ${(error as Error).message}`,
        isRetriable(error),
        { cause: error },
      );
    }
  }

  async publishBroadcast(broadcast: Broadcast): Promise<void> {
    const value = await this.codec.encode('Broadcast', broadcast);
    await this.publishOne(TOPICS.broadcasts, broadcast.broadcastId, value);
  }

  async publishListChunk(chunk: BroadcastListChunk): Promise<void> {
    const value = await this.listCodec.encode('BroadcastListChunk', chunk);
    await this.publishOne(BROADCAST_LIST_TOPIC, chunk.broadcastId, value);
  }

  private async publishOne(topic: string, key: string, value: Buffer): Promise<void> {
    if (this.closed)
      throw new TransportError('publish', 'the sender client is closed: create a new one', false);
    try {
      await this.producer.send(topic, [{ key, value }]);
    } catch (error) {
      throw new TransportError(
        'publish',
        `could not publish to ${topic}: ${(error as Error).message}`,
        isRetriable(error),
        { cause: error },
      );
    }
  }

  watch(options: WatchOptions): StatusStream {
    const groupId = options.groupId ?? `${this.senderId}.sender-sdk-watch-${randomUUID()}`;
    if (!groupId.startsWith(`${this.senderId}.`)) {
      throw new SenderConfigError(
        'watch.groupId',
        `must start with "${this.senderId}." (the sender's ACL allows only those groups)`,
      );
    }
    const only = options.messageIds ? new Set(options.messageIds) : undefined;
    const queue = new HandoffQueue<MessageStatus>();
    const consumer: MessageConsumer = this.kafka.consumer({
      groupId,
      topics: [statusTopic(this.senderId)],
      fromBeginning: options.fromBeginning ?? false,
      retryDelaysMs: [],
      provisionTopics: false,
      producer: new NoRetryProducer(),
      eachMessage: async (record, context) => {
        if (queue.isEnded || record.value === null) return;
        if (only && (record.key === null || !only.has(record.key))) return;
        let status: MessageStatus;
        try {
          status = await this.codec.decode('MessageStatus', record.value);
        } catch {
          // Not a status this SDK version can read: skip it rather than stop following.
          return;
        }
        if (status.senderId !== this.senderId) return;
        const heartbeat = setInterval(
          () => void context.heartbeat().catch(() => undefined),
          HEARTBEAT_WHILE_HELD_MS,
        );
        try {
          await queue.push(status);
        } finally {
          clearInterval(heartbeat);
        }
      },
    });
    let stopped: Promise<void> | undefined;
    const close = (): Promise<void> => {
      stopped ??= (async () => {
        queue.end();
        this.streams.delete(stream);
        options.signal?.removeEventListener('abort', onAbort);
        await consumer.stop().catch(() => undefined);
      })();
      return stopped;
    };
    const onAbort = (): void => void close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    consumer.on('crashed', ({ error, restarting }) => {
      if (!restarting)
        queue.fail(
          new TransportError('watch', `the status consumer stopped: ${String(error)}`, true, {
            cause: error,
          }),
        );
    });
    const ready = consumer.start().catch((error: unknown) => {
      const failure = new TransportError(
        'watch',
        `could not follow ${statusTopic(this.senderId)}: ${(error as Error).message}`,
        isRetriable(error),
        { cause: error },
      );
      queue.fail(failure);
      throw failure;
    });
    // A reader that never awaits `ready` still hears about the failure from next().
    ready.catch(() => undefined);
    const stream: StatusStream = {
      ready,
      close,
      [Symbol.asyncIterator]: () => ({
        next: () => queue.next(),
        return: async () => {
          await close();
          return { value: undefined, done: true };
        },
      }),
    };
    this.streams.add(stream);
    return stream;
  }

  /** Publishes what was handed in, then stops the status streams and the producer. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.batcher.close(), ...[...this.streams].map((stream) => stream.close())]);
    await this.producer.disconnect();
  }
}
