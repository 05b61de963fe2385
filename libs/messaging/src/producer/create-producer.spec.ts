import {
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  Partitioners,
  type Message,
  type PartitionMetadata,
  type RecordMetadata,
} from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NonRetriableError, RetriableError } from '../errors';
import type { MessagingLogger } from '../logger';
import { createProducer } from './create-producer';
import type { MessageProducer } from './message-producer';
import { PARTITION_METADATA_TTL_MS } from './partition-assignment';

interface SendRequest {
  topic: string;
  messages: Message[];
}

/** What a fake client send does: a result (default: every partition acknowledged) or a failure. */
type Behaviour = (request: SendRequest) => RecordMetadata[] | Error;

const acknowledgeAll = ({ topic, messages }: SendRequest): RecordMetadata[] =>
  [...new Set(messages.map((m) => m.partition as number))].map((partition) => ({
    topicName: topic,
    partition,
    errorCode: 0,
    baseOffset: String(partition * 100),
  }));

class FakeClientProducer {
  connects = 0;
  disconnects = 0;
  readonly sends: SendRequest[] = [];
  constructor(private readonly behaviours: Behaviour[]) {}
  async connect(): Promise<void> {
    this.connects++;
  }
  async disconnect(): Promise<void> {
    this.disconnects++;
  }
  async send(request: SendRequest): Promise<RecordMetadata[]> {
    this.sends.push({ topic: request.topic, messages: request.messages.map((m) => ({ ...m })) });
    const outcome = (this.behaviours.shift() ?? acknowledgeAll)(request);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

function partitionsOf(count: number, leaderless: number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : partitionId % 3,
    replicas: [0, 1, 2],
    isr: [0, 1, 2],
  }));
}

/** A fake `Kafka`: its producers share one queue of behaviours; its admin serves `partitions`. */
class FakeKafka {
  readonly producers: FakeClientProducer[] = [];
  readonly behaviours: Behaviour[] = [];
  metadataFetches = 0;
  adminDisconnects = 0;
  constructor(public partitions: Record<string, PartitionMetadata[]>) {}

  producer(): FakeClientProducer {
    const producer = new FakeClientProducer(this.behaviours);
    this.producers.push(producer);
    return producer;
  }

  admin(): unknown {
    return {
      connect: async () => undefined,
      disconnect: async () => {
        this.adminDisconnects++;
      },
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        this.metadataFetches++;
        return { topics: topics.map((name) => ({ name, partitions: this.partitions[name] ?? [] })) };
      },
    };
  }
}

function recordingLogger(): MessagingLogger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return { warnings, warn: (message) => warnings.push(message), error: ignore, info: ignore, debug: ignore };
}

function protocolError(type: string, code: number): KafkaJSProtocolError {
  return new KafkaJSProtocolError(
    Object.assign(new Error(`broker refused: ${type}`), { type, code, retriable: false }),
  );
}

const value = (text: string): Buffer => Buffer.from(text);

describe('IdempotentProducer with a fake client', () => {
  let producer: MessageProducer | undefined;
  const make = (kafka: FakeKafka, logger: MessagingLogger = recordingLogger()): MessageProducer => {
    producer = createProducer({ kafka: kafka as never, logger, options: { retry: { retries: 0 } } });
    return producer;
  };

  afterEach(async () => {
    vi.restoreAllMocks();
    await producer?.disconnect();
    producer = undefined;
  });

  it('puts each key on the partition the Java client and kafkajs would choose', async () => {
    // Utils.murmur2 test vectors of the Java client (org.apache.kafka.common.utils.UtilsTest).
    const javaMurmur2: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      'a-little-bit-long-string': -985981536,
      'a-little-bit-longer-string': -1486304829,
      lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
      abc: 479470107,
    };
    const keys: Array<string | Buffer> = [
      ...Object.keys(javaMurmur2),
      ...Array.from({ length: 200 }, (_, i) => `citizen-${i * 7919}`),
      ...Array.from({ length: 50 }, (_, i) => Buffer.from([i, 255 - i, i * 3, 7])),
      '',
      'éàü-ключ-鍵',
    ];
    for (const count of [1, 2, 3, 6, 12, 50]) {
      const topic = `t${count}`;
      const kafka = new FakeKafka({ [topic]: partitionsOf(count) });
      const sut = make(kafka);
      await sut.send(
        topic,
        keys.map((key, i) => ({ key, value: value(`v${i}`) })),
      );
      const sent = kafka.producers[0].sends[0].messages;
      const reference = Partitioners.DefaultPartitioner();
      sent.forEach((message, i) => {
        expect(message.key).toEqual(keys[i]);
        expect(message.value).toEqual(value(`v${i}`));
        const unassigned = { key: keys[i], value: message.value };
        expect(message.partition, `key ${String(keys[i])} over ${count}`).toBe(
          reference({ topic, partitionMetadata: partitionsOf(count), message: unassigned }),
        );
        const java = javaMurmur2[String(keys[i])];
        if (typeof keys[i] === 'string' && java !== undefined)
          expect(message.partition).toBe((java & 0x7fffffff) % count);
      });
      await sut.disconnect();
    }
  });

  it('keeps record order, respects explicit partitions, spreads keyless records over led partitions', async () => {
    const kafka = new FakeKafka({ orders: partitionsOf(4, [3]) });
    const sut = make(kafka);
    const records = [
      { key: 'k', value: value('1') },
      { key: 'other', value: value('2'), partition: 3 },
      { key: 'k', value: value('3'), headers: { h: ['a', 'b'] } },
      { value: value('4') },
      { value: value('5') },
      { value: value('6') },
      { key: 'k', value: value('7') },
    ];
    const result = await sut.send('orders', records);

    const sent = kafka.producers[0].sends[0].messages;
    expect(sent.map((m) => m.value?.toString())).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(sent[1].partition).toBe(3);
    expect(sent[2].headers).toEqual({ h: ['a', 'b'] });
    const keyed = new Set([sent[0].partition, sent[2].partition, sent[6].partition]);
    expect(keyed.size).toBe(1);
    const keyless = sent.slice(3, 6).map((m) => m.partition);
    expect(new Set(keyless).size).toBe(3);
    expect(keyless).not.toContain(3);
    expect(result.every((batch) => batch.topic === 'orders')).toBe(true);
    expect(result.map((b) => b.partition).sort()).toEqual([...new Set(sent.map((m) => m.partition))].sort());
  });

  it('rejects with a RetriableError naming the partition a resolved send left out', async () => {
    const kafka = new FakeKafka({ alerts: partitionsOf(6) });
    const logger = recordingLogger();
    const sut = make(kafka, logger);
    kafka.behaviours.push((request) => acknowledgeAll(request).filter((entry) => entry.partition !== 2));
    const records = [0, 1, 2, 3, 4, 5].map((partition) => ({ value: value(`p${partition}`), partition }));

    const failure = await sut.send('alerts', records).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetriableError);
    expect(failure).toMatchObject({ retriable: true, topic: 'alerts', partition: 2 });
    expect((failure as Error).message).toContain('alerts[2]');
    expect(logger.warnings).toContain('Publish not acknowledged for every partition');

    // A partition answering with an error code counts as missing too; a full answer passes.
    kafka.behaviours.push((request) =>
      acknowledgeAll(request).map((entry) => (entry.partition === 4 ? { ...entry, errorCode: 7 } : entry)),
    );
    await expect(sut.send('alerts', records)).rejects.toMatchObject({ partition: 4, retriable: true });
    await expect(sut.send('alerts', records)).resolves.toHaveLength(6);
  });

  it('replaces the client producer after OUT_OF_ORDER_SEQUENCE_NUMBER and sends again through the new one', async () => {
    const kafka = new FakeKafka({ outbox: partitionsOf(3) });
    const logger = recordingLogger();
    const sut = make(kafka, logger);
    await sut.send('outbox', [{ key: 'a', value: value('before') }]);
    const refused = protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    // As kafkajs's retrier rejects a non-retriable failure: wrapped, the protocol error as cause.
    kafka.behaviours.push(() => Object.assign(new KafkaJSNonRetriableError(refused), { cause: refused }));

    const failure = await sut
      .send('outbox', [{ key: 'a', value: value('refused') }])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetriableError);
    expect((failure as Error).message).toMatch(/out-of-order sequence number/);
    expect(logger.warnings).toContain('Publish refused for an out-of-order sequence number');
    expect(kafka.producers).toHaveLength(2);

    await sut.send('outbox', [{ key: 'a', value: value('again') }]);
    const [old, renewed] = kafka.producers;
    expect(old.sends.map((s) => s.messages[0].value?.toString())).toEqual(['before', 'refused']);
    expect(renewed.sends.map((s) => s.messages[0].value?.toString())).toEqual(['again']);
    expect(renewed.connects).toBe(1);

    await sut.disconnect();
    expect(old.disconnects).toBe(1);
    expect(renewed.disconnects).toBe(1);
    expect(kafka.adminDisconnects).toBe(1);
  });

  it('leaves other failures as before, without a new client producer', async () => {
    const kafka = new FakeKafka({ t: partitionsOf(1) });
    const sut = make(kafka);
    kafka.behaviours.push(() => protocolError('MESSAGE_TOO_LARGE', 10));
    await expect(sut.send('t', [{ value: value('x') }])).rejects.toMatchObject({
      name: 'ProduceError',
      retriable: false,
      topic: 't',
    });
    expect(kafka.producers).toHaveLength(1);
  });

  it('caches partition metadata per topic; refreshes it on an unknown partition and when it ages', async () => {
    const kafka = new FakeKafka({ a: partitionsOf(2), b: partitionsOf(2) });
    const sut = make(kafka);
    await sut.send('a', [{ key: 'x', value: value('1') }]);
    await sut.send('a', [{ key: 'y', value: value('2') }]);
    await sut.send('b', [{ key: 'x', value: value('3') }]);
    expect(kafka.metadataFetches).toBe(2);

    kafka.behaviours.push(() => protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3));
    await expect(sut.send('a', [{ value: value('4') }])).rejects.toBeDefined();
    await sut.send('a', [{ value: value('5') }]);
    expect(kafka.metadataFetches).toBe(3);

    const start = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(start + PARTITION_METADATA_TTL_MS + 1);
    kafka.partitions.b = partitionsOf(5);
    await sut.send('b', [{ value: value('6'), partition: 4 }]);
    expect(kafka.metadataFetches).toBe(4);
  });

  it('refuses an explicit partition the topic does not have, after checking fresh metadata', async () => {
    const kafka = new FakeKafka({ small: partitionsOf(2) });
    const sut = make(kafka);
    const failure = await sut.send('small', [{ value: value('x'), partition: 7 }]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NonRetriableError);
    expect((failure as Error).message).toMatch(/no partition 7 \(2 partitions\)/);
    expect(kafka.metadataFetches).toBe(2);
    expect(kafka.producers[0].sends).toHaveLength(0);
  });
});
