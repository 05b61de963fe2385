import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DeliveryEvent } from '@smis/contracts';
import {
  createKafka,
  MessagingModule,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type MessageProducer,
  type TopicAdmin,
} from '@smis/messaging';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterModule } from './router.module';
import {
  codec,
  encodeRequest,
  generateKeyring,
  inProcessTranscryption,
  newCitizen,
  newSender,
  registryOf,
  RequestFactory,
  routerDomainKey,
} from './testing/harness';
import { ROUTER_DATA_SOURCE } from './tokens';

/**
 * Two router instances share one schema and one consumer group, as replicas do. The requests of
 * each citizen land on different partitions, so both instances decide requests of the same
 * citizen and sender at the same time: caps and the daily quota must still hold exactly, each
 * message must be decided once, and each fallback timer must fire once.
 */
describe('two router instances on one database (real broker and PostgreSQL)', () => {
  const keyring = generateKeyring();
  const capPerCitizen = 5;
  const dailyQuota = 120;
  const sender = newSender('replicas', {
    citizenCaps: [{ category: 'tax', max: capPerCitizen, periodHours: 24 }],
    dailyQuota,
  });
  const requests = new RequestFactory(keyring, sender);
  const schema = uniqueName('router_replicas_it').replace(/-/g, '_');
  const group = uniqueName('router-replicas-it');
  const topics = {
    requests: uniqueName('it.requests'),
    events: uniqueName('it.events'),
    preferences: uniqueName('it.preferences'),
    appChannel: uniqueName('it.app'),
    smsChannel: uniqueName('it.sms'),
    emailChannel: uniqueName('it.email'),
  };
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  const apps: INestApplicationContext[] = [];
  let dataSource: DataSource;
  let appJobs: TopicRecorder;
  let smsJobs: TopicRecorder;
  let events: TopicRecorder;

  async function startInstance(name: string): Promise<INestApplicationContext> {
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers: testKafkaBrokers(), clientId: uniqueName(name), logger: silentLogger },
        }),
        RouterModule.register(
          {
            databaseUrl: testDatabaseUrl(),
            schema,
            routerDomainKey: routerDomainKey(keyring),
            topics,
            consumerGroupPrefix: group,
            timerPollIntervalMs: 200,
            consumerConcurrency: 2,
            retryDelaysMs: [200],
          },
          { transcryption: inProcessTranscryption(keyring), senders: registryOf([sender]) },
        ),
      ],
    })
    class InstanceModule {}
    const app = await NestFactory.createApplicationContext(InstanceModule, { logger: false });
    await app.init();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    client = createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('replicas'),
      logger: silentLogger,
    });
    admin = client.admin();
    await admin.ensureTopics(
      Object.entries(topics).map(([name, topic]) => ({
        topic,
        numPartitions: name === 'requests' ? 4 : name === 'events' ? 2 : 1,
      })),
    );
    producer = client.producer();
    [appJobs, smsJobs, events] = await Promise.all(
      [topics.appChannel, topics.smsChannel, topics.events].map((topic) =>
        TopicRecorder.start(client, { topic, timeoutMs: 120_000 }),
      ),
    );
    dataSource = (await startInstance('router-a')).get(ROUTER_DATA_SOURCE);
    await startInstance('router-b');
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all([appJobs, smsJobs, events].map((r) => r?.stop()));
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('holds caps and the daily quota exactly, decides each message once, and fires each fallback once', async () => {
    const citizens = Array.from({ length: 30 }, newCitizen);
    const sent = citizens.flatMap((citizen) =>
      Array.from({ length: 10 }, () =>
        requests.build({
          citizen,
          now: Date.now(),
          category: 'tax',
          fallbackWindowSeconds: 1,
          allowedChannels: ['APP', 'SMS'],
        }),
      ),
    );
    // Interleaved, so each citizen's requests are spread over the partitions and the batches.
    const order = sent.map((_, i) => sent[(i % 30) * 10 + Math.floor(i / 30)]);
    for (let i = 0; i < order.length; i += 50) {
      await producer.send(topics.requests, await Promise.all(order.slice(i, i + 50).map(encodeRequest)));
    }

    // Every request decided once: one ACCEPTED or one REJECTED event each.
    const decisions = () =>
      Promise.all(events.records.map((r) => codec.decode('DeliveryEvent', r.value as Buffer))).then((all) =>
        all.filter((e: DeliveryEvent) => e.status === 'ACCEPTED' || e.status === 'REJECTED'),
      );
    const decided = await waitFor(
      async () => ((await decisions()).length >= sent.length ? decisions() : undefined),
      {
        description: `${sent.length} decisions`,
        intervalMs: 100,
        timeoutMs: 120_000,
      },
    );
    const perMessage = new Map<string, DeliveryEvent[]>();
    for (const e of decided) perMessage.set(e.messageId, [...(perMessage.get(e.messageId) ?? []), e]);
    expect(perMessage.size).toBe(sent.length);
    expect([...perMessage.values()].every((list) => list.length === 1)).toBe(true);

    const accepted = decided.filter((e) => e.status === 'ACCEPTED').map((e) => e.messageId);
    const reasons = decided.filter((e) => e.status === 'REJECTED').map((e) => e.reason);
    expect(accepted).toHaveLength(dailyQuota);
    // Which requests hit a cap and which the quota depends on the order they were decided in.
    expect(reasons.every((r) => r === 'policy.citizen-cap' || r === 'policy.daily-quota')).toBe(true);
    expect(reasons).toContain('policy.daily-quota');
    const citizenOf = new Map(sent.map((r, i) => [r.messageId, Math.floor(i / 10)]));
    const perCitizen = new Map<number, number>();
    for (const id of accepted) {
      const c = citizenOf.get(id) as number;
      perCitizen.set(c, (perCitizen.get(c) ?? 0) + 1);
    }
    expect(Math.max(...perCitizen.values())).toBeLessThanOrEqual(capPerCitizen);
    const [{ count }] = await dataSource.query(
      `SELECT "count" FROM "${schema}"."sender_day" WHERE "sender_id" = $1`,
      [sender.senderId],
    );
    expect(count).toBe(dailyQuota);

    // One app job per accepted message, then, the app being silent, one SMS job each once its
    // window has passed: the timers are claimed by one instance or the other, never both.
    await waitFor(
      async () => {
        const [{ timers }] = await dataSource.query(
          `SELECT count(*)::int AS timers FROM "${schema}"."timer"`,
        );
        const [{ pending }] = await dataSource.query(
          `SELECT count(*)::int AS pending FROM "${schema}"."outbox"`,
        );
        return timers === 0 && pending === 0 && smsJobs.records.length >= dailyQuota;
      },
      { description: 'every fallback fired and published', intervalMs: 100, timeoutMs: 120_000 },
    );
    const keysOf = (recorder: TopicRecorder) => recorder.records.map((r) => r.key);
    expect(keysOf(appJobs).sort()).toEqual([...accepted].sort());
    expect(keysOf(smsJobs).sort()).toEqual([...accepted].sort());
  });
});
