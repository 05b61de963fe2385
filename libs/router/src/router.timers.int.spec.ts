import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DeliveryEvent, DeliveryStatus } from '@smis/contracts';
import {
  createKafka,
  DEAD_LETTER_HEADERS,
  MessagingModule,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type MessageProducer,
  type TopicAdmin,
} from '@smis/messaging';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { randomUUID } from 'node:crypto';
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
  type RequestOptions,
} from './testing/harness';
import { ROUTER_DATA_SOURCE } from './tokens';

/**
 * The router with the real clock and a timer poll interval of an hour: a timer can only fire in
 * time because the router wakes at the next due time. Events on a topic of 3 partitions, consumed
 * 3 at a time, in batches.
 */
describe('router timers and event batches (real broker and PostgreSQL)', () => {
  const keyring = generateKeyring();
  const sender = newSender('timers');
  const requests = new RequestFactory(keyring, sender);
  const schema = uniqueName('router_timers_it').replace(/-/g, '_');
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
  let app: INestApplicationContext;
  let dataSource: DataSource;
  let appJobs: TopicRecorder;
  let smsJobs: TopicRecorder;
  let events: TopicRecorder;
  let eventsDlq: TopicRecorder;

  const decodedEvents = async (): Promise<DeliveryEvent[]> =>
    Promise.all(events.records.map((r) => codec.decode('DeliveryEvent', r.value as Buffer)));

  async function send(options: Partial<RequestOptions> = {}) {
    const request = requests.build({ citizen: newCitizen(), now: Date.now(), ...options });
    await producer.send(topics.requests, [await encodeRequest(request)]);
    return request;
  }

  async function appJob(messageId: string) {
    const job = await appJobs.waitFor((r) => r.key === messageId);
    return codec.decode('AppChannelJob', job.value as Buffer);
  }

  function channelEvent(
    job: { messageId: string; planId: string; attempt: number },
    status: DeliveryStatus,
    eventId: string = randomUUID(),
  ): DeliveryEvent {
    return {
      eventId,
      messageId: job.messageId,
      senderId: sender.senderId,
      status,
      channel: 'APP',
      reason: status === 'FAILED' ? 'app.no-device' : null,
      fromChannel: null,
      toChannel: null,
      deviceId: status === 'DELIVERED' ? 'device-1' : null,
      planId: job.planId,
      attempt: job.attempt,
      occurredAt: Date.now(),
      producer: 'app-channel',
    };
  }

  const processed = async (eventIds: readonly string[]): Promise<number> =>
    (
      (await dataSource.query(
        `SELECT 1 FROM "${schema}"."processed_event" WHERE "event_id" = ANY($1::uuid[])`,
        [eventIds],
      )) as unknown[]
    ).length;

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('router-timers-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(
      Object.entries(topics).map(([name, topic]) => ({ topic, numPartitions: name === 'events' ? 3 : 1 })),
    );
    producer = client.producer();
    [appJobs, smsJobs, events] = await Promise.all(
      [topics.appChannel, topics.smsChannel, topics.events].map((topic) =>
        TopicRecorder.start(client, { topic, timeoutMs: 60_000 }),
      ),
    );

    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('router-timers-app'), logger: silentLogger },
        }),
        RouterModule.register(
          {
            databaseUrl: testDatabaseUrl(),
            schema,
            routerDomainKey: routerDomainKey(keyring),
            topics,
            consumerGroupPrefix: uniqueName('router-timers-it'),
            timerPollIntervalMs: 3_600_000,
            consumerConcurrency: 3,
            retryDelaysMs: [],
          },
          { transcryption: inProcessTranscryption(keyring), senders: registryOf([sender]) },
        ),
      ],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await app.init();
    dataSource = app.get(ROUTER_DATA_SOURCE);
    eventsDlq = await TopicRecorder.start(client, { topic: `${topics.events}.dlq`, timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([appJobs, smsJobs, events, eventsDlq].map((r) => r?.stop()));
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('falls back at the end of the window although the next poll is an hour away, never before it', async () => {
    // The poller's first round ran at start; the alarm from accepting these re-arms it.
    const short = await send({ fallbackWindowSeconds: 1, allowedChannels: ['APP', 'SMS'] });
    const longer = await send({ fallbackWindowSeconds: 2, allowedChannels: ['APP', 'SMS'] });
    const [shortJob, longerJob] = [await appJob(short.messageId), await appJob(longer.messageId)];
    await smsJobs.waitFor((r) => r.key === short.messageId);
    await smsJobs.waitFor((r) => r.key === longer.messageId);
    // The events topic is read by its own recorder: wait for each FALLBACK event there too.
    const fallbackOf = (id: string) =>
      waitFor(
        async () => (await decodedEvents()).find((e) => e.messageId === id && e.status === 'FALLBACK'),
        {
          description: `FALLBACK of ${id}`,
          intervalMs: 50,
          timeoutMs: 60_000,
        },
      );
    const [shortFallback, longerFallback] = [
      await fallbackOf(short.messageId),
      await fallbackOf(longer.messageId),
    ];
    expect(shortFallback).toMatchObject({ reason: 'app.not-delivered-in-window' });
    expect(longerFallback).toMatchObject({ reason: 'app.not-delivered-in-window' });
    expect(shortFallback.occurredAt).toBeGreaterThanOrEqual(shortJob.fallbackAt as number);
    expect(longerFallback.occurredAt).toBeGreaterThanOrEqual(longerJob.fallbackAt as number);
  });

  it('applies a batch of events over concurrently consumed partitions; duplicates once, poison ones alone to the DLQ', async () => {
    const count = 24;
    const sent = await Promise.all(
      Array.from({ length: count }, () =>
        send({ fallbackWindowSeconds: 3600, allowedChannels: ['APP', 'SMS'] }),
      ),
    );
    const jobs = await Promise.all(sent.map((r) => appJob(r.messageId)));
    // Half confirmed by the app (DISPATCHED-like progress then DELIVERED), half FAILED (SMS at once),
    // every FAILED published twice with the same eventId; two poison records in the middle.
    const confirmed = jobs.slice(0, count / 2);
    const failed = jobs.slice(count / 2);
    const delivered = confirmed.map((j) => channelEvent(j, 'DELIVERED'));
    const failures = failed.map((j) => channelEvent(j, 'FAILED'));
    const records = [];
    for (const e of [...delivered, ...failures]) {
      records.push({ key: e.messageId, value: await codec.encode('DeliveryEvent', e) });
    }
    for (const e of failures) {
      records.push({ key: e.messageId, value: await codec.encode('DeliveryEvent', e) });
    }
    const poisonKey = failed[0].messageId;
    const poison = [
      { key: poisonKey, value: Buffer.from('not an avro record') },
      {
        key: poisonKey,
        value: await codec.encode('DeliveryEvent', { ...channelEvent(failed[0], 'READ'), eventId: 'x' }),
      },
    ];
    records.splice(count / 2, 0, ...poison);
    await producer.send(topics.events, records);

    const ids = [...delivered, ...failures].map((e) => e.eventId);
    await waitFor(async () => (await processed(ids)) === ids.length, {
      description: 'every event applied',
      intervalMs: 50,
      timeoutMs: 60_000,
    });
    for (const job of failed) await smsJobs.waitFor((r) => r.key === job.messageId);
    const dead = await eventsDlq.waitForCount(2);
    expect(dead.map((r) => r.key)).toEqual([poisonKey, poisonKey]);
    expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.reason])).toEqual(
      expect.arrayContaining([expect.stringContaining('not a UUID')]),
    );

    const rows = (await dataSource.query(
      `SELECT "message_id", "state", "outcome", "step" FROM "${schema}"."message" WHERE "message_id" = ANY($1::uuid[])`,
      [jobs.map((j) => j.messageId)],
    )) as { message_id: string; state: string; outcome: string | null; step: number }[];
    const byId = new Map(rows.map((r) => [r.message_id, r]));
    for (const j of confirmed)
      expect(byId.get(j.messageId)).toMatchObject({ state: 'DONE', outcome: 'DELIVERED' });
    for (const j of failed) expect(byId.get(j.messageId)).toMatchObject({ state: 'ACTIVE', step: 1 });
    const timers = (await dataSource.query(
      `SELECT "message_id", "kind" FROM "${schema}"."timer" WHERE "message_id" = ANY($1::uuid[])`,
      [jobs.map((j) => j.messageId)],
    )) as unknown[];
    expect(timers).toEqual([]);

    // Everything written before this request's job has been published (single-partition SMS topic).
    const barrier = await send({ allowedChannels: ['SMS'] });
    await smsJobs.waitFor((r) => r.key === barrier.messageId);
    for (const j of failed) expect(smsJobs.records.filter((r) => r.key === j.messageId)).toHaveLength(1);
    for (const j of confirmed) expect(smsJobs.records.filter((r) => r.key === j.messageId)).toHaveLength(0);
  });
});
