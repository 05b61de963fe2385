import { Partitioners, type Admin, type Kafka, type Message, type PartitionMetadata } from 'kafkajs';
import { translateClientError, translateProduceError } from '../client/translate-error';
import { NonRetriableError, RetriableError, RetriesExhaustedError } from '../errors';
import type { BackoffPolicy } from '../retry/backoff';
import { withRetry } from '../retry/with-retry';

/** How long partition metadata is trusted before it is fetched again (the client's own default is 5 min). */
export const PARTITION_METADATA_TTL_MS = 3 * 60_000;

interface CachedTopic {
  partitions: PartitionMetadata[];
  fetchedAt: number;
}

/**
 * Decides, before a send, the partition of every record, so the producer can check afterwards
 * that each partition it wrote to acknowledged (ADR 0006). Records without an explicit partition
 * go through the client's own Java-compatible partitioner (murmur2 on the key, round robin
 * without one) on the topic's partition metadata, fetched through an admin client and cached.
 */
export class PartitionAssigner {
  private admin?: Admin;
  private connecting?: Promise<void>;
  private readonly cache = new Map<string, CachedTopic>();
  private readonly fetching = new Map<string, Promise<PartitionMetadata[]>>();
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    private readonly kafka: Pick<Kafka, 'admin'>,
    private readonly retry: BackoffPolicy,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The partition of each message, in order; explicit partitions must exist. */
  async assign(topic: string, messages: readonly Message[]): Promise<number[]> {
    let partitions = await this.partitionsOf(topic);
    const unknown = (partition: number): boolean => !partitions.some((p) => p.partitionId === partition);
    if (messages.some((m) => m.partition !== undefined && m.partition !== null && unknown(m.partition))) {
      this.forget(topic);
      partitions = await this.partitionsOf(topic);
      const missing = messages.find(
        (m) => m.partition !== undefined && m.partition !== null && unknown(m.partition),
      );
      if (missing) {
        throw new NonRetriableError(
          `Could not publish to ${topic}: it has no partition ${String(missing.partition)} (${partitions.length} partitions)`,
          { topic, partition: missing.partition ?? undefined },
        );
      }
    }
    return messages.map((message) => this.partitioner({ topic, partitionMetadata: partitions, message }));
  }

  /** Drops the cached metadata of `topic` (after an unknown topic or partition error). */
  forget(topic: string): void {
    this.cache.delete(topic);
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    const connecting = this.connecting;
    this.admin = undefined;
    this.connecting = undefined;
    if (!admin) return;
    await connecting?.catch(() => undefined);
    await admin.disconnect();
  }

  private partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.cache.get(topic);
    if (cached && this.now() - cached.fetchedAt < PARTITION_METADATA_TTL_MS)
      return Promise.resolve(cached.partitions);
    let pending = this.fetching.get(topic);
    if (!pending) {
      pending = this.fetch(topic).finally(() => this.fetching.delete(topic));
      this.fetching.set(topic, pending);
    }
    return pending;
  }

  private async fetch(topic: string): Promise<PartitionMetadata[]> {
    const once = async (): Promise<PartitionMetadata[]> => {
      const admin = await this.connected();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
        if (partitions.length === 0)
          throw new RetriableError(`No partition metadata for ${topic}`, { topic });
        return partitions;
      } catch (error) {
        // Keeps the client's retriable verdict (an unknown topic is retriable, as for a send).
        throw translateProduceError(error, topic);
      }
    };
    try {
      const partitions = await withRetry(once, this.retry)();
      this.cache.set(topic, { partitions, fetchedAt: this.now() });
      return partitions;
    } catch (error) {
      // The last failure, not "retries exhausted": the caller decides, as for a failed send.
      throw error instanceof RetriesExhaustedError ? error.cause : error;
    }
  }

  private async connected(): Promise<Admin> {
    const admin = (this.admin ??= this.kafka.admin());
    this.connecting ??= admin.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw translateClientError(error, 'Could not connect the admin client for partition metadata');
    });
    await this.connecting;
    return admin;
  }
}
