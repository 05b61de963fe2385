import { createKafka, type ConsumedRecord, type KafkaClient } from '@smis/messaging';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalKafka, type LocalKafkaCluster } from '@smis/kafka-local';

// Not @smis/testing: it depends on this tool, and the arrows point one way.
const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

/**
 * KAFKA_NODES=3: replication factor 3, min.insync.replicas=2. The leader of a partition is
 * killed with SIGKILL mid-stream and later restarted; every acknowledged message must still be
 * consumed, none lost, and none duplicated after the consumer's deduplication by message id.
 */
describe('three-node cluster with a broker killed mid-stream', () => {
  let cluster: LocalKafkaCluster;
  let client: KafkaClient;

  beforeAll(async () => {
    cluster = await startLocalKafka({ nodes: 3, heap: '384m' });
    client = createKafka({
      brokers: cluster.brokers,
      clientId: uniqueName('faults'),
      retry: { retries: 12 },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('loses no acknowledged message and delivers each exactly once after deduplication', async () => {
    const topic = uniqueName('faults');
    const admin = client.admin();
    await admin.ensureTopics([
      { topic, numPartitions: 3, replicationFactor: 3, configEntries: { 'min.insync.replicas': '2' } },
    ]);
    const [described] = await admin.describeTopics([topic]);
    expect(described.partitions.every((p) => p.replicas.length === 3)).toBe(true);

    const producer = client.producer();
    const acknowledged = new Set<string>();
    let resent = 0;
    const batches = 60;
    const perBatch = 50;
    const killAt = 15;
    const restartAt = 40;
    let victim: (typeof cluster.nodes)[number] | undefined;

    for (let b = 0; b < batches; b++) {
      if (b === killAt) {
        const [now] = await admin.describeTopics([topic]);
        const leader = now.partitions.find((p) => p.partition === 0)?.leader;
        victim = cluster.nodes.find((n) => n.id === leader);
        expect(victim).toBeDefined();
        await victim?.kill('SIGKILL');
        expect(victim?.isRunning()).toBe(false);
      }
      if (b === restartAt) await victim?.start();
      const records = Array.from({ length: perBatch }, (_, i) => {
        const id = `m-${b}-${i}`;
        return { key: id, value: Buffer.from(JSON.stringify({ id })) };
      });
      // At-least-once publishing: a batch whose acknowledgement failed is sent again. Only
      // those resends may produce duplicates on the log; the idempotent producer prevents the rest.
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.send(topic, records);
          break;
        } catch (error) {
          if (attempt >= 10) throw error;
          resent += records.length;
        }
      }
      records.forEach((r) => acknowledged.add(r.key));
    }
    await producer.disconnect();
    expect(acknowledged.size).toBe(batches * perBatch);

    // A deduplicating consumer: by message id, as services do by messageId.
    const seen = new Set<string>();
    let consumedRecords = 0;
    let done!: () => void;
    const allSeen = new Promise<void>((resolve) => (done = resolve));
    const consumer = client.consumer({
      groupId: uniqueName('faults-reader'),
      topics: [topic],
      fromBeginning: true,
      provisionTopics: false,
      retryDelaysMs: [],
      eachMessage: async (record: ConsumedRecord) => {
        consumedRecords++;
        seen.add((JSON.parse(String(record.value)) as { id: string }).id);
        if (seen.size === acknowledged.size) done();
      },
    });
    await consumer.start();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`consumed ${seen.size} of ${acknowledged.size} ids`)), 120_000),
    );
    await Promise.race([allSeen, timeout]);
    await consumer.stop();
    await admin.disconnect();

    const lost = [...acknowledged].filter((id) => !seen.has(id));
    expect(lost).toEqual([]);
    expect(seen.size).toBe(acknowledged.size);
    expect([...seen].every((id) => acknowledged.has(id))).toBe(true);
    // Duplicates on the log can only come from batches that were sent again.
    expect(consumedRecords - seen.size).toBeLessThanOrEqual(resent);
  });
});
