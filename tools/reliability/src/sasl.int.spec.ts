import { AuthorizationError, ConnectionError, createKafka, MessagingError } from '@smis/messaging';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyScramUsers, startLocalKafka, type LocalKafkaCluster } from '@smis/kafka-local';

// Not @smis/testing: it depends on this tool, and the arrows point one way.
const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('KAFKA_SASL=1: SCRAM-SHA-512 with the StandardAuthorizer', () => {
  let cluster: LocalKafkaCluster;

  beforeAll(async () => {
    cluster = await startLocalKafka({ sasl: true, heap: '384m' });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('lets the SCRAM super user create topics and round-trip a record', async () => {
    expect(cluster.admin).toBeDefined();
    const client = createKafka({
      brokers: cluster.brokers,
      clientId: uniqueName('sasl'),
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: cluster.admin?.password ?? '' },
    });
    const topic = uniqueName('sasl');
    const admin = client.admin();
    expect((await admin.ensureTopics([{ topic, numPartitions: 1 }])).created).toEqual([topic]);
    const producer = client.producer();
    await producer.send(topic, [{ key: 'k', value: Buffer.from('hello') }]);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('refuses a wrong password with a typed, non-retriable error', async () => {
    const client = createKafka({
      brokers: cluster.brokers,
      clientId: uniqueName('sasl-bad'),
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'not-the-password' },
      retry: { retries: 0 },
    });
    const health = await client.checkHealth({ timeoutMs: 5000 });
    expect(health.status).toBe('down');
    expect(health.error).toMatch(/SASL|[Aa]uthenticat/);
    const admin = client.admin();
    const error = await admin.listTopics().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessagingError);
    expect(error instanceof AuthorizationError || error instanceof ConnectionError).toBe(true);
    await admin.disconnect();
  });

  it('lets a new user authenticate, and is denied by the authorizer without ACLs', async () => {
    const admin = {
      bootstrap: cluster.bootstrap,
      username: 'admin',
      password: cluster.admin?.password ?? '',
    };
    const password = randomBytes(12).toString('hex');
    await applyScramUsers(admin, [{ username: 'sender-a', password }]);
    const client = createKafka({
      brokers: cluster.brokers,
      clientId: uniqueName('sender-a'),
      sasl: { mechanism: 'scram-sha-512', username: 'sender-a', password },
      retry: { retries: 1 },
    });
    // Authenticated (the cluster answers) ...
    expect((await client.checkHealth({ timeoutMs: 5000 })).status).toBe('up');
    // ... but with no ACL it may not create topics.
    const error = await client
      .admin()
      .ensureTopics([{ topic: uniqueName('denied'), numPartitions: 1 }])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AuthorizationError);
  });
});
