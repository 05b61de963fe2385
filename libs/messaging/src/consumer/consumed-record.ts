import { decodeHeaders, RETRY_HEADERS, withoutRetryHeaders, type RawHeaders } from './headers';
import type { TopicRole } from './topic-names';

/** A record as handlers see it. */
export interface ConsumedRecord {
  /** The topic the record was published to, also when it comes again from a retry topic. */
  topic: string;
  partition: number;
  /** Offset in `topic`: with topic and partition, a stable identity across retries. */
  offset: string;
  /** The key as UTF-8 text (keys here are ids and pseudonyms). */
  key: string | null;
  /** Encoded content; `null` for a tombstone. */
  value: Buffer | null;
  /** Headers as UTF-8 text, without the consumer's retry bookkeeping. */
  headers: Readonly<Record<string, string>>;
  /** When the record was first published. */
  timestamp: Date;
  /** 1 on first delivery, n + 1 when delivered from `<topic>.retry.<n>`. */
  attempt: number;
}

export interface DeliveryCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

export interface MessageContext {
  groupId: string;
  /** Where this delivery was read (the retry topic, on a retry). */
  deliveredFrom: DeliveryCoordinates;
  /** Tells the group this member is alive; call it during long work. */
  heartbeat(): Promise<void>;
}

export interface BatchContext {
  groupId: string;
  deliveredFrom: { topic: string; partition: number };
  heartbeat(): Promise<void>;
}

/** Handles one record; throwing applies the failure policy to it. */
export type MessageHandler = (record: ConsumedRecord, context: MessageContext) => Promise<void>;

/**
 * Handles the records fetched from one partition, in order. Throw `BatchRecordError` to name the
 * record that failed; any other error applies the failure policy to every record of the call.
 */
export type BatchHandler = (records: readonly ConsumedRecord[], context: BatchContext) => Promise<void>;

/** A record as the client delivers it. */
export interface ClientMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RawHeaders;
  offset: string;
  timestamp: string;
}

/** One delivery: the handler's view plus what is needed to publish it again unchanged. */
export interface Delivery {
  record: ConsumedRecord;
  deliveredFrom: DeliveryCoordinates;
  original: {
    key: Buffer | null;
    value: Buffer | null;
    headers: ReturnType<typeof withoutRetryHeaders>;
  };
  /** Epoch ms before which it must not be handled (retry deliveries only). */
  dueAt?: number;
}

export function toDelivery(
  message: ClientMessage,
  from: { topic: string; partition: number },
  role: TopicRole,
  retryDelaysMs: readonly number[],
): Delivery {
  const deliveredFrom = { topic: from.topic, partition: from.partition, offset: message.offset };
  const headers = withoutRetryHeaders(message.headers);
  const base = {
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    headers: decodeHeaders(headers),
  };
  const original = { key: message.key, value: message.value, headers };
  const publishedAt = Number(message.timestamp);

  if (role.retryLevel === 0) {
    return {
      record: {
        ...base,
        topic: from.topic,
        partition: from.partition,
        offset: message.offset,
        timestamp: new Date(publishedAt),
        attempt: 1,
      },
      deliveredFrom,
      original,
    };
  }

  const bookkeeping = decodeHeaders(message.headers);
  const dueAt = integerOr(
    bookkeeping[RETRY_HEADERS.dueAt],
    publishedAt + (retryDelaysMs[role.retryLevel - 1] ?? 0),
  );
  return {
    record: {
      ...base,
      topic: role.sourceTopic,
      partition: integerOr(bookkeeping[RETRY_HEADERS.sourcePartition], from.partition),
      offset: bookkeeping[RETRY_HEADERS.sourceOffset] ?? message.offset,
      timestamp: new Date(integerOr(bookkeeping[RETRY_HEADERS.sourceTimestamp], publishedAt)),
      attempt: role.retryLevel + 1,
    },
    deliveredFrom,
    original,
    dueAt,
  };
}

function integerOr(text: string | undefined, fallback: number): number {
  if (text === undefined || !/^-?\d+$/.test(text)) return fallback;
  return Number(text);
}
