import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClient } from '../client/kafka-client';
import { NonRetriableError } from '../errors';
import { testClient, uniqueName } from '../test-support/broker';
import type { TopicAdmin } from './topic-admin';

describe('TopicAdmin (real broker)', () => {
  let client: KafkaClient;
  let admin: TopicAdmin;

  beforeAll(() => {
    client = testClient();
    admin = client.admin();
  });
  afterAll(() => admin.disconnect());

  it('creates missing topics and leaves existing ones alone', async () => {
    const compacted = uniqueName('admin-compacted');
    const plain = uniqueName('admin-plain');
    const first = await admin.ensureTopics([
      {
        topic: compacted,
        numPartitions: 3,
        replicationFactor: 1,
        configEntries: { 'cleanup.policy': 'compact' },
      },
      { topic: plain },
    ]);
    expect(first).toEqual({ created: [compacted, plain], existing: [] });

    const again = await admin.ensureTopics([{ topic: compacted, numPartitions: 3, replicationFactor: 1 }]);
    expect(again).toEqual({ created: [], existing: [compacted] });

    const [description] = await admin.describeTopics([compacted]);
    expect(description.topic).toBe(compacted);
    expect(description.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([compacted, plain]));
  });

  it('deletes topics, ignoring unknown names', async () => {
    const topic = uniqueName('admin-delete');
    await admin.ensureTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
    await admin.deleteTopics([topic, uniqueName('never-existed')]);
    // Deletion completes asynchronously on the controller: wait until metadata no longer lists it.
    await expect.poll(() => admin.listTopics(), { timeout: 15_000 }).not.toContain(topic);
  });

  it('refuses to describe unknown topics, naming them', async () => {
    const missing = uniqueName('admin-missing');
    await expect(admin.describeTopics([missing])).rejects.toThrow(NonRetriableError);
    await expect(admin.describeTopics([missing])).rejects.toThrow(missing);
  });

  it('reports the broker reachable', async () => {
    const health = await client.checkHealth();
    expect(health.status).toBe('up');
    expect(health.brokers).toBeGreaterThanOrEqual(1);
  });
});
