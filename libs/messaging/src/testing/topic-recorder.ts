import { randomUUID } from 'node:crypto';
import type { KafkaClient } from '../client/kafka-client';
import type { ConsumedRecord } from '../consumer/consumed-record';
import type { MessageConsumer } from '../consumer/message-consumer';
import { NonRetriableError } from '../errors';
import { MessageProducer, type PublishedBatch } from '../producer/message-producer';

export interface TopicRecorderOptions {
  topic: string;
  /** Default: a fresh group, so the recorder sees the topic from its first record. */
  groupId?: string;
  /** Default true. */
  fromBeginning?: boolean;
  /** Default 30000 ms for every wait. */
  timeoutMs?: number;
}

interface Waiter {
  ready(): boolean;
  resolve(): void;
}

/** A recorder never fails a record, so it never publishes: no producer connection for it. */
class NoProducer extends MessageProducer {
  override connect(): Promise<void> {
    return Promise.resolve();
  }
  override async send(topic: string): Promise<PublishedBatch[]> {
    throw new NonRetriableError(`A topic recorder does not publish (asked to publish to ${topic})`);
  }
  override disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Test helper: records every record of one topic and lets a test wait for them. Waits end on
 * the arrival of records, or fail at the timeout naming what was missing; nothing polls or sleeps.
 */
export class TopicRecorder {
  private readonly received: ConsumedRecord[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly consumer: MessageConsumer;
  readonly topic: string;
  private readonly timeoutMs: number;

  private constructor(client: KafkaClient, options: TopicRecorderOptions) {
    this.topic = options.topic;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.consumer = client.consumer({
      groupId: options.groupId ?? `topic-recorder-${randomUUID()}`,
      topics: [options.topic],
      fromBeginning: options.fromBeginning ?? true,
      retryDelaysMs: [],
      provisionTopics: false,
      producer: new NoProducer(),
      eachMessage: async (record) => {
        this.received.push(record);
        for (const waiter of [...this.waiters]) if (waiter.ready()) waiter.resolve();
      },
    });
  }

  /** Subscribes and resolves once the recorder's group is joined. */
  static async start(client: KafkaClient, options: TopicRecorderOptions): Promise<TopicRecorder> {
    const recorder = new TopicRecorder(client, options);
    await recorder.consumer.start();
    return recorder;
  }

  get records(): readonly ConsumedRecord[] {
    return [...this.received];
  }

  /** Resolves with the first `count` records once that many have arrived. */
  async waitForCount(count: number, timeoutMs = this.timeoutMs): Promise<ConsumedRecord[]> {
    await this.until(() => this.received.length >= count, `${count} record(s) on ${this.topic}`, timeoutMs);
    return this.received.slice(0, count);
  }

  /** Resolves with the first record that matches. */
  async waitFor(
    predicate: (record: ConsumedRecord) => boolean,
    timeoutMs = this.timeoutMs,
  ): Promise<ConsumedRecord> {
    await this.until(() => this.received.some(predicate), `a matching record on ${this.topic}`, timeoutMs);
    return this.received.find(predicate) as ConsumedRecord;
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  private until(ready: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ready,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (got ${this.received.length})`),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

/** Reads `count` records from `topic` (from its beginning) and stops. */
export async function collectRecords(
  client: KafkaClient,
  topic: string,
  count: number,
  options: Omit<TopicRecorderOptions, 'topic'> = {},
): Promise<ConsumedRecord[]> {
  const recorder = await TopicRecorder.start(client, { ...options, topic });
  try {
    return await recorder.waitForCount(count);
  } finally {
    await recorder.stop();
  }
}
