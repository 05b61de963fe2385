import { createKafka, silentLogger, type KafkaClient } from '@smis/messaging';
import { testKafkaBrokers, uniqueName } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintPassword, matchesFingerprint } from './fingerprint';
import { KafkaStateStore } from './kafka-state-store';

describe('KafkaStateStore (real broker)', () => {
  let client: KafkaClient;

  beforeAll(() => {
    client = createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('state-store'),
      logger: silentLogger,
    });
  });
  afterAll(() => client.admin().disconnect());

  it('reads an empty state when the topic does not exist yet, or is empty', async () => {
    const topic = uniqueName('state');
    expect(await new KafkaStateStore(client, topic).load()).toEqual({ topics: new Set(), users: new Map() });
    const admin = client.admin();
    await admin.ensureTopics([
      { topic, numPartitions: 1, replicationFactor: 1, configEntries: { 'cleanup.policy': 'compact' } },
    ]);
    await admin.disconnect();
    expect((await new KafkaStateStore(client, topic).load()).topics.size).toBe(0);
  });

  it('reads back what was saved, the last write winning', async () => {
    const topic = uniqueName('state');
    const admin = client.admin();
    await admin.ensureTopics([
      { topic, numPartitions: 1, replicationFactor: 1, configEntries: { 'cleanup.policy': 'compact' } },
    ]);
    const store = new KafkaStateStore(client, topic);
    const appliedAt = new Date().toISOString();
    await store.save([
      { kind: 'topic', name: 'smis.requests.v1', value: { appliedAt } },
      { kind: 'topic', name: 'smis.old.v1', value: { appliedAt } },
      {
        kind: 'user',
        name: 'smis-router',
        value: { ...fingerprintPassword('smis-router', 'first-password-0001'), appliedAt },
      },
    ]);
    await store.save([
      { kind: 'topic', name: 'smis.old.v1', value: null },
      {
        kind: 'user',
        name: 'smis-router',
        value: { ...fingerprintPassword('smis-router', 'second-password-002'), appliedAt },
      },
    ]);

    const state = await new KafkaStateStore(client, topic).load();
    expect(state.topics).toEqual(new Set(['smis.requests.v1']));
    const fingerprint = state.users.get('smis-router');
    expect(fingerprint && matchesFingerprint('smis-router', 'second-password-002', fingerprint)).toBe(true);
    expect(fingerprint && matchesFingerprint('smis-router', 'first-password-0001', fingerprint)).toBe(false);
    await admin.disconnect();
  });
});
