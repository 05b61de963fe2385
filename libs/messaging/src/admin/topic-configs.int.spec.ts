import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClient } from '../client/kafka-client';
import { ConfigurationError, NonRetriableError } from '../errors';
import { freshTopic, testClient, uniqueName } from '../test-support/broker';
import type { TopicAdmin } from './topic-admin';

describe('TopicAdmin settings, partitions and offsets (real broker)', () => {
  let client: KafkaClient;
  let admin: TopicAdmin;

  beforeAll(() => {
    client = testClient();
    admin = client.admin();
  });
  afterAll(() => admin.disconnect());

  const overrides = async (topic: string): Promise<Record<string, string | null>> => {
    const [description] = await admin.describeTopicConfigs([topic]);
    return Object.fromEntries(
      description.entries.filter((e) => e.source === 'topic').map((e) => [e.name, e.value]),
    );
  };

  it('describes overrides apart from inherited settings, and replaces them as a set', async () => {
    const topic = uniqueName('configs');
    await admin.ensureTopics([
      { topic, numPartitions: 1, replicationFactor: 1, configEntries: { 'retention.ms': '3600000' } },
    ]);
    expect(await overrides(topic)).toEqual({ 'retention.ms': '3600000' });
    const [description] = await admin.describeTopicConfigs([topic]);
    expect(description.entries.find((e) => e.name === 'cleanup.policy')).toMatchObject({
      value: 'delete',
      source: expect.stringMatching(/^(default|broker)$/),
    });

    await admin.alterTopicConfigs([
      { topic, configs: { 'cleanup.policy': 'compact', 'max.message.bytes': '2097152' } },
    ]);
    // retention.ms was left out, so it is no longer an override.
    expect(await overrides(topic)).toEqual({ 'cleanup.policy': 'compact', 'max.message.bytes': '2097152' });
  });

  it('rejects settings of unknown topics, naming them', async () => {
    const missing = uniqueName('configs-missing');
    await expect(admin.describeTopicConfigs([missing])).rejects.toThrow(NonRetriableError);
    await expect(admin.alterTopicConfigs([{ topic: missing, configs: {} }])).rejects.toThrow(missing);
  });

  it('grows a topic and refuses to shrink it', async () => {
    const topic = await freshTopic(admin, 'partitions', 1);
    await admin.createPartitions(topic, 3);
    const [grown] = await admin.describeTopics([topic]);
    expect(grown.partitions).toHaveLength(3);
    await admin.createPartitions(topic, 3); // already there: nothing to do
    await expect(admin.createPartitions(topic, 2)).rejects.toThrow(/cannot remove partitions/);
    await expect(admin.createPartitions(topic, 0)).rejects.toThrow(ConfigurationError);
  });

  it('reports watermarks per partition and deletes empty groups', async () => {
    const topic = await freshTopic(admin, 'offsets', 2);
    const producer = client.producer();
    try {
      await producer.send(topic, [
        { value: Buffer.from('a'), partition: 0 },
        { value: Buffer.from('b'), partition: 0 },
        { value: Buffer.from('c'), partition: 1 },
      ]);
    } finally {
      await producer.disconnect();
    }
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      { partition: 0, low: '0', high: '2' },
      { partition: 1, low: '0', high: '1' },
    ]);

    const groupId = uniqueName('offsets-group');
    let seen = 0;
    let onAll: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (onAll = resolve));
    const consumer = client.consumer({
      groupId,
      topics: [topic],
      retryDelaysMs: [],
      provisionTopics: false,
      eachMessage: async () => {
        if (++seen === 3) onAll();
      },
    });
    await consumer.start();
    await all;
    await consumer.stop();
    expect((await admin.committedOffsets(groupId, topic)).map((p) => p.offset)).toEqual(['2', '1']);

    await admin.deleteGroups([groupId, uniqueName('never-a-group')]);
    expect((await admin.committedOffsets(groupId, topic)).map((p) => p.offset)).toEqual(['-1', '-1']);
  });
});
