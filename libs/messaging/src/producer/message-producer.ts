export type HeaderValue = string | Buffer | ReadonlyArray<string | Buffer>;

/** One record to publish. */
export interface OutgoingRecord {
  /** Decides the partition (same key, same partition, same order). */
  key?: string | Buffer | null;
  /** Encoded content; `null` is a tombstone on a compacted topic. */
  value: Buffer | null;
  /** Repeated header names carry a list of values. */
  headers?: Readonly<Record<string, HeaderValue>>;
  /** Overrides the partitioner; rarely right. */
  partition?: number;
}

/** Where a publish landed: the first offset written to one partition. */
export interface PublishedBatch {
  topic: string;
  partition: number;
  /** Offset of the first record of this send on this partition; the others follow in order. */
  baseOffset: string;
}

/**
 * Publishes records, each written exactly once per send (idempotent producer, acks from all
 * in-sync replicas). Also the NestJS injection token for the producer.
 */
export abstract class MessageProducer {
  /** Connects now; `send` also connects on first use. */
  abstract connect(): Promise<void>;
  /** Publishes `records` to `topic`; rejects with a `MessagingError` (see `retriable`). */
  abstract send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]>;
  /** Waits for sends in flight, then closes; later sends fail. */
  abstract disconnect(): Promise<void>;
}
