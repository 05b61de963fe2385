import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TopicAdmin } from '../admin/topic-admin';
import type { KafkaClient } from '../client/kafka-client';
import { DecodeError, RetriableError } from '../errors';
import type { MessageProducer } from '../producer/message-producer';
import { freshTopic, testClient, uniqueName } from '../test-support/broker';
import { collectEvents, nextEvent, text } from '../test-support/events';
import { TopicRecorder } from '../testing/topic-recorder';
import type { ConsumerOptions, MessageConsumer } from './message-consumer';

describe('consumer (real broker)', () => {
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  const running: Array<{ stop(): Promise<void> }> = [];

  const consumer = (options: ConsumerOptions): MessageConsumer => {
    const created = client.consumer(options);
    running.push(created);
    return created;
  };
  const recorder = async (topic: string): Promise<TopicRecorder> => {
    const created = await TopicRecorder.start(client, { topic });
    running.push(created);
    return created;
  };
  const publish = (topic: string, ...values: string[]) =>
    producer.send(
      topic,
      values.map((value) => ({ key: 'same-key', value: Buffer.from(value) })),
    );

  beforeAll(() => {
    client = testClient();
    admin = client.admin();
    producer = client.producer();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('round trip: what is sent is what the handler receives', async () => {
    const topic = await freshTopic(admin, 'roundtrip');
    const received = await recorder(topic);

    const sent = await producer.send(topic, [
      {
        key: 'msg-1',
        value: Buffer.from([0, 1, 2, 255]),
        headers: { 'content-type': 'avro/binary', trace: Buffer.from('abc') },
      },
      { key: null, value: null },
    ]);

    expect(sent).toEqual([{ topic, partition: 0, baseOffset: '0' }]);
    const [first, tombstone] = await received.waitForCount(2);
    expect(first).toMatchObject({
      topic,
      partition: 0,
      offset: '0',
      key: 'msg-1',
      value: Buffer.from([0, 1, 2, 255]),
      headers: { 'content-type': 'avro/binary', trace: 'abc' },
      attempt: 1,
    });
    expect(first.timestamp).toBeInstanceOf(Date);
    expect(Math.abs(first.timestamp.getTime() - Date.now())).toBeLessThan(60_000);
    expect(tombstone).toMatchObject({ offset: '1', key: null, value: null });
  });

  it('a poison message goes to the dead-letter topic with its reason; the next one on the partition is still handled', async () => {
    const topic = await freshTopic(admin, 'poison');
    const handled: string[] = [];
    const subject = consumer({
      groupId: uniqueName('poison-group'),
      topics: [topic],
      eachMessage: async (record) => {
        if (text(record.value) === 'poison') throw new DecodeError('unknown schema fingerprint 0xdeadbeef');
        handled.push(text(record.value));
      },
    });
    const goodHandled = nextEvent(subject, 'processed', ({ record }) => text(record.value) === 'good');
    const deadLettered = nextEvent(subject, 'deadLettered');
    await subject.start();
    const dlq = await recorder(`${topic}.dlq`);

    await producer.send(topic, [
      { key: 'k', value: Buffer.from('poison'), headers: { 'smis-message-id': 'm-1' } },
      { key: 'k', value: Buffer.from('good') },
    ]);

    const [dead] = await dlq.waitForCount(1);
    await goodHandled;
    expect(handled).toEqual(['good']);
    expect(dead.key).toBe('k');
    expect(text(dead.value)).toBe('poison');
    expect(dead.headers).toMatchObject({
      'smis-message-id': 'm-1',
      'smis-dlq-reason': 'unknown schema fingerprint 0xdeadbeef',
      'smis-dlq-error': 'DecodeError',
      'smis-source-topic': topic,
      'smis-source-partition': '0',
      'smis-source-offset': '0',
      'smis-attempts': '1',
    });
    expect(new Date(dead.headers['smis-failed-at']).toISOString()).toBe(dead.headers['smis-failed-at']);
    expect(await deadLettered).toMatchObject({ deadLetterTopic: `${topic}.dlq`, attempts: 1 });
  });

  it('a retriable failure is retried from the retry topic, after its delay, and then succeeds', async () => {
    const topic = await freshTopic(admin, 'retry-ok');
    const attempts: number[] = [];
    const subject = consumer({
      groupId: uniqueName('retry-group'),
      topics: [topic],
      retryDelaysMs: [400, 400],
      eachMessage: async (record) => {
        attempts.push(record.attempt);
        if (record.attempt === 1) throw new RetriableError('status store unavailable');
      },
    });
    const retried = nextEvent(subject, 'retried');
    const succeeded = nextEvent(subject, 'processed');
    await subject.start();

    await publish(topic, 'needs-a-second-try');

    const { retryTopic, dueAt, nextAttempt } = await retried;
    const { record } = await succeeded;
    const handledAt = Date.now();
    expect(retryTopic).toBe(`${topic}.retry.1`);
    expect(nextAttempt).toBe(2);
    expect(handledAt).toBeGreaterThanOrEqual(dueAt.getTime());
    expect(attempts).toEqual([1, 2]);
    // The handler sees the record under its original coordinates, without retry bookkeeping.
    expect(record).toMatchObject({
      topic,
      partition: 0,
      offset: '0',
      key: 'same-key',
      attempt: 2,
      headers: {},
    });
    expect(text(record.value)).toBe('needs-a-second-try');
  });

  it('a record that keeps failing is dead-lettered after the last retry, with every attempt counted', async () => {
    const topic = await freshTopic(admin, 'retry-exhausted');
    const subject = consumer({
      groupId: uniqueName('exhausted-group'),
      topics: [topic],
      retryDelaysMs: [100, 100],
      eachMessage: async () => Promise.reject(new RetriableError('still unavailable')),
    });
    const retries = collectEvents(subject, 'retried');
    const deadLettered = nextEvent(subject, 'deadLettered');
    await subject.start();
    const dlq = await recorder(`${topic}.dlq`);

    await publish(topic, 'hopeless');

    const [dead] = await dlq.waitForCount(1);
    expect((await deadLettered).attempts).toBe(3);
    expect(retries.map((r) => r.retryTopic)).toEqual([`${topic}.retry.1`, `${topic}.retry.2`]);
    expect(dead.headers).toMatchObject({
      'smis-attempts': '3',
      'smis-dlq-error': 'RetriableError',
      'smis-source-offset': '0',
    });
    expect(Object.keys(dead.headers).some((name) => name.startsWith('smis-retry-'))).toBe(false);
  });

  it('graceful shutdown finishes the record in hand and commits what was processed, and only that', async () => {
    const topic = await freshTopic(admin, 'shutdown');
    const groupId = uniqueName('shutdown-group');
    await publish(topic, 'a', 'b', 'c');

    let stopping: Promise<void> | undefined;
    let finishedB = false;
    const first: MessageConsumer = consumer({
      groupId,
      topics: [topic],
      eachMessage: async (record) => {
        if (text(record.value) !== 'b') return;
        stopping = first.stop();
        await admin.listTopics(); // real work still in progress while stop() is pending
        finishedB = true;
      },
    });
    const processedByFirst = collectEvents(first, 'processed');
    const stopRequested = nextEvent(first, 'processed', ({ record }) => text(record.value) === 'b');
    await first.start();
    await stopRequested;
    await stopping;

    expect(finishedB).toBe(true);
    expect(processedByFirst.map((e) => text(e.record.value))).toEqual(['a', 'b']);
    expect(await admin.committedOffsets(groupId, topic)).toEqual([{ partition: 0, offset: '2' }]);

    const seenBySecond: string[] = [];
    const second = consumer({
      groupId,
      topics: [topic],
      eachMessage: async (record) => void seenBySecond.push(text(record.value)),
    });
    const reachedD = nextEvent(second, 'processed', ({ record }) => text(record.value) === 'd');
    await second.start();
    await publish(topic, 'd');
    await reachedD;
    expect(seenBySecond).toEqual(['c', 'd']);
  });

  it('batch mode hands over a partition’s records together and dead-letters per record', async () => {
    const topic = await freshTopic(admin, 'batch');
    await publish(topic, 'one', 'two', 'three');
    const batches: string[][] = [];
    const subject = consumer({
      groupId: uniqueName('batch-group'),
      topics: [topic],
      eachBatch: async (records) => void batches.push(records.map((r) => text(r.value))),
    });
    const reachedThree = nextEvent(subject, 'processed', ({ record }) => text(record.value) === 'three');
    await subject.start();
    await reachedThree;
    expect(batches.flat()).toEqual(['one', 'two', 'three']);
  });
});
