import { statusTopic, TOPICS } from '@smis/contracts';
import { applyScramUsers, startLocalKafka, type LocalKafkaCluster } from '@smis/kafka-local';
import {
  AuthorizationError,
  createKafka,
  isRetriable,
  MessagingError,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type MessageProducer,
  type ScramCredentials,
  type TopicAdmin,
} from '@smis/messaging';
import { uniqueName } from '@smis/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionSenderAccess, revokeSenderAccess, senderAcls } from './sender-access';

/**
 * ACL isolation on a real cluster with SASL/SCRAM and the StandardAuthorizer: this file starts
 * its own (the shared test broker has no authorizer).
 */
describe('sender access on a SASL cluster', () => {
  const a = 'sender-a';
  const b = 'sender-b';
  const credentials: Record<string, ScramCredentials> = {
    [a]: { username: a, password: randomBytes(12).toString('base64url') },
    [b]: { username: b, password: randomBytes(12).toString('base64url') },
  };
  let cluster: LocalKafkaCluster;
  let platform: KafkaClient;
  let admin: TopicAdmin;
  let senderA: KafkaClient;
  const producers: MessageProducer[] = [];

  const clientFor = (sasl: ScramCredentials): KafkaClient =>
    createKafka({
      brokers: cluster.brokers,
      clientId: uniqueName('acl-test'),
      sasl,
      logger: silentLogger,
      // Refusals are final: fail fast instead of retrying them.
      retry: { retries: 1, initialDelayMs: 100, maxDelayMs: 200 },
    });

  beforeAll(async () => {
    cluster = await startLocalKafka({ sasl: true, heap: '384m' });
    const root = cluster.admin as ScramCredentials;
    await applyScramUsers(
      { bootstrap: cluster.bootstrap, username: root.username, password: root.password },
      [credentials[a], credentials[b]],
    );
    platform = clientFor(root);
    admin = platform.admin();
    await admin.ensureTopics(
      [TOPICS.requests, TOPICS.broadcasts, TOPICS.smsChannel].map((topic) => ({
        topic,
        numPartitions: 1,
        replicationFactor: 1,
      })),
    );
    for (const senderId of [a, b]) {
      const provisioned = await provisionSenderAccess(admin, {
        senderId,
        statusTopic: { numPartitions: 1, replicationFactor: 1 },
      });
      expect(provisioned.createdTopic).toBe(true);
    }
    const seed = platform.producer();
    producers.push(seed);
    for (const senderId of [a, b]) {
      await seed.send(statusTopic(senderId), [{ key: 'm-1', value: Buffer.from(`status of ${senderId}`) }]);
    }
    senderA = clientFor(credentials[a]);
  });

  afterAll(async () => {
    for (const producer of producers) await producer.disconnect().catch(() => undefined);
    await admin?.disconnect();
    await cluster?.stop();
  });

  it('creates exactly the sender rules, and again without change', async () => {
    const again = await provisionSenderAccess(admin, { senderId: a });
    expect(again.createdTopic).toBe(false);
    const rules = await admin.describeAcls({ principal: `User:${a}` });
    const expected = senderAcls({ senderId: a }).map((acl) => ({
      host: '*',
      patternType: 'literal',
      permission: 'allow',
      ...acl,
    }));
    const key = (r: { resourceName: string; operation: string }) => `${r.resourceName} ${r.operation}`;
    expect([...rules].sort((x, y) => key(x).localeCompare(key(y)))).toEqual(
      [...expected].sort((x, y) => key(x).localeCompare(key(y))),
    );
  });

  it('lets a sender read its own status topic with a group under its prefix', async () => {
    const recorder = await TopicRecorder.start(senderA, {
      topic: statusTopic(a),
      groupId: `${a}.status-reader`,
    });
    try {
      const [record] = await recorder.waitForCount(1);
      expect(record.value?.toString()).toBe(`status of ${a}`);
    } finally {
      await recorder.stop();
    }
  });

  it("refuses a sender another sender's status topic, and groups outside its prefix", async () => {
    await expect(
      TopicRecorder.start(senderA, { topic: statusTopic(b), groupId: `${a}.snooping` }),
    ).rejects.toThrow(AuthorizationError);
    // The Kafka client reports a refused group as "Failed to find group coordinator" (it drops the
    // broker's GROUP_AUTHORIZATION_FAILED); the same read under the sender's own prefix works (above).
    const borrowed = TopicRecorder.start(senderA, { topic: statusTopic(a), groupId: `${b}.borrowed-group` });
    await expect(borrowed).rejects.toThrow(MessagingError);
    await expect(borrowed).rejects.toSatisfy((error: unknown) => !isRetriable(error));
  });

  it('lets a sender write requests but not a channel topic', async () => {
    const producer = senderA.producer();
    producers.push(producer);
    const [written] = await producer.send(TOPICS.requests, [{ key: 'm-2', value: Buffer.from('request') }]);
    expect(written.topic).toBe(TOPICS.requests);
    await expect(
      producer.send(TOPICS.smsChannel, [{ key: 'm-2', value: Buffer.from('sms') }]),
    ).rejects.toThrow(AuthorizationError);
    const requests = await TopicRecorder.start(platform, { topic: TOPICS.requests });
    try {
      const [record] = await requests.waitForCount(1);
      expect(record.value?.toString()).toBe('request');
    } finally {
      await requests.stop();
    }
  });

  it("revokes a sender's rules, keeping its topic", async () => {
    const removed = await revokeSenderAccess(admin, { senderId: b });
    expect(removed).toHaveLength(4);
    expect(await admin.describeAcls({ principal: `User:${b}` })).toEqual([]);
    expect(await admin.listTopics()).toContain(statusTopic(b));
    expect(await admin.describeAcls({ principal: `User:${a}` })).toHaveLength(4);
  });
});
