/**
 * Follows the bench sender's status topic (smis.status.<senderId>.v1) with a plain consumer and
 * resolves per-message waits: what the sender system would see, without the SDK's one-at-a-time
 * hand-off to a reader (so the tracker is never the bottleneck being measured).
 */
import { createAvroCodec, statusTopic, type MessageStatus } from '@smis/contracts';
import { createKafka, silentLogger, type MessageConsumer } from '@smis/messaging';
import { randomBytes } from 'node:crypto';

export interface StatusTracker {
  /** Statuses seen, by status name. */
  readonly counts: Readonly<Record<string, number>>;
  /** Called on every status of the sender. */
  onStatus(listener: (status: MessageStatus, receivedAt: number) => void): void;
  stop(): Promise<void>;
}

export async function trackStatuses(brokers: readonly string[], senderId: string): Promise<StatusTracker> {
  const codec = createAvroCodec();
  const counts: Record<string, number> = {};
  const listeners: ((status: MessageStatus, receivedAt: number) => void)[] = [];
  const client = createKafka({ brokers: [...brokers], clientId: 'bench-status', logger: silentLogger });
  const consumer: MessageConsumer = client.consumer({
    groupId: `${senderId}.bench-${randomBytes(4).toString('hex')}`,
    topics: [statusTopic(senderId)],
    fromBeginning: false,
    provisionTopics: false,
    retryDelaysMs: [],
    partitionsConsumedConcurrently: 4,
    maxWaitTimeMs: 100,
    eachBatch: async (records) => {
      const now = Date.now();
      for (const record of records) {
        if (!record.value) continue;
        const status = await codec.decode('MessageStatus', record.value);
        counts[status.status] = (counts[status.status] ?? 0) + 1;
        for (const listener of listeners) listener(status, now);
      }
    },
  });
  await consumer.start();
  return {
    counts,
    onStatus: (listener) => void listeners.push(listener),
    stop: () => consumer.stop(),
  };
}
