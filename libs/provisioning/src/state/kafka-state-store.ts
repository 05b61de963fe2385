import { randomUUID } from 'node:crypto';
import { MessageProducer, type KafkaClient, type PublishedBatch } from '@smis/messaging';
import type { ProvisioningState } from '../plan/plan';
import { EMPTY_STATE, foldState, type ProvisioningStateStore, type StateUpdate } from './state-store';

/** Reading the state never fails a record, so the reader's consumer never publishes. */
class NoProducer extends MessageProducer {
  override connect(): Promise<void> {
    return Promise.resolve();
  }
  override async send(topic: string): Promise<PublishedBatch[]> {
    throw new TypeError(`The state reader does not publish (asked to publish to ${topic})`);
  }
  override disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

function toKey(update: StateUpdate): string {
  return `${update.kind}:${update.name}`;
}

function fromRecord(key: string | null, value: Buffer | null): StateUpdate | undefined {
  const match = key ? /^(topic|user):(.+)$/.exec(key) : null;
  if (!match) return undefined;
  const [, kind, name] = match;
  if (value === null) return { kind: kind as 'topic' | 'user', name, value: null };
  try {
    return { kind, name, value: JSON.parse(value.toString('utf8')) } as StateUpdate;
  } catch {
    return undefined; // not ours: ignored rather than trusted
  }
}

/**
 * The state in a compacted topic of the cluster it describes, so it lives and dies with the
 * cluster, and every operator and CI job sees the same. Records are `topic:<name>` or
 * `user:<name>` keys with JSON values; a tombstone forgets an entry. Read with a throwaway
 * consumer group (deleted afterwards) from the beginning up to the high watermarks.
 */
export class KafkaStateStore implements ProvisioningStateStore {
  constructor(
    private readonly client: KafkaClient,
    readonly topic: string,
    private readonly timeoutMs = 60_000,
  ) {}

  async load(): Promise<ProvisioningState> {
    const admin = this.client.admin();
    try {
      if (!(await admin.listTopics()).includes(this.topic)) return EMPTY_STATE;
      const ends = new Map(
        (await admin.fetchTopicOffsets(this.topic))
          .filter((p) => BigInt(p.high) > BigInt(p.low))
          .map((p) => [p.partition, BigInt(p.high) - 1n]),
      );
      if (ends.size === 0) return EMPTY_STATE;
      const groupId = `smis-provisioner-state-${randomUUID()}`;
      const updates = await this.readUpTo(groupId, ends);
      await admin.deleteGroups([groupId]);
      return foldState(EMPTY_STATE, updates);
    } finally {
      await admin.disconnect();
    }
  }

  private async readUpTo(groupId: string, ends: Map<number, bigint>): Promise<StateUpdate[]> {
    const updates: StateUpdate[] = [];
    const pending = new Set(ends.keys());
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const consumer = this.client.consumer({
      groupId,
      topics: [this.topic],
      fromBeginning: true,
      retryDelaysMs: [],
      provisionTopics: false,
      producer: new NoProducer(),
      eachMessage: async (record) => {
        const update = fromRecord(record.key, record.value);
        if (update) updates.push(update);
        if (BigInt(record.offset) >= (ends.get(record.partition) ?? -1n)) pending.delete(record.partition);
        if (pending.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.start();
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `Timed out after ${this.timeoutMs} ms reading the provisioning state from ${this.topic}`,
                ),
              ),
            this.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await consumer.stop();
    }
    // Records of one partition arrive in order; across partitions keys do not repeat (same key, same partition).
    return updates;
  }

  async save(updates: readonly StateUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const producer = this.client.producer();
    try {
      await producer.send(
        this.topic,
        updates.map((update) => ({
          key: toKey(update),
          value: update.value === null ? null : Buffer.from(JSON.stringify(update.value)),
        })),
      );
    } finally {
      await producer.disconnect();
    }
  }
}
