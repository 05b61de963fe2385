import 'reflect-metadata';
import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Channel, DeliveryEvent, DeliveryStatus, MessageRequest } from '@smis/contracts';
import {
  createKafka,
  DEAD_LETTER_HEADERS,
  MessagingModule,
  silentLogger,
  stderrLogger,
  TopicRecorder,
  type ConsumedRecord,
  type KafkaClient,
  type MessageProducer,
  type TopicAdmin,
} from '@smis/messaging';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptedToWire } from './domain/wire';
import { RouterModule } from './router.module';
import { RouterScorecardService } from './router.service';
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

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
}

describe('router (real broker and PostgreSQL)', () => {
  const keyring = generateKeyring();
  const transcription = inProcessTranscryption(keyring);
  // Noon in Brussels on a winter weekday; tests move it explicitly.
  let now = Date.UTC(2026, 0, 15, 11, 0);
  const clock = () => now;

  const plain = newSender('plain');
  const quiet = newSender('quiet', { quietHours: { start: '22:00', end: '07:00' } });
  const strict = newSender('strict', {
    citizenCaps: [{ category: 'tax', max: 1, periodHours: 24 }],
    dailyQuota: 4,
    maxEnvelopeBytes: 2_000,
    mandatoryCategories: ['alert'],
  });
  const senders = registryOf([plain, quiet, strict]);
  const requestsFor = (s: typeof plain) => new RequestFactory(keyring, s);
  const plainRequests = requestsFor(plain);

  const schema = uniqueName('router_it').replace(/-/g, '_');
  const topics = {
    requests: uniqueName('it.requests'),
    events: uniqueName('it.events'),
    preferences: uniqueName('it.preferences'),
    appChannel: uniqueName('it.app'),
    smsChannel: uniqueName('it.sms'),
    emailChannel: uniqueName('it.email'),
  };
  const logs = new CapturingLogger();
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let app: INestApplicationContext;
  let dataSource: DataSource;
  let appJobs: TopicRecorder;
  let smsJobs: TopicRecorder;
  let emailJobs: TopicRecorder;
  let events: TopicRecorder;
  let dlq: TopicRecorder;

  const decodedEvents = async (): Promise<DeliveryEvent[]> =>
    Promise.all(events.records.map((r) => codec.decode('DeliveryEvent', r.value as Buffer)));
  const jobsOf = (recorder: TopicRecorder, messageId: string) =>
    recorder.records.filter((r) => r.key === messageId);

  async function submit(...requests: MessageRequest[]): Promise<void> {
    await producer.send(topics.requests, await Promise.all(requests.map(encodeRequest)));
  }

  function send(
    options: Partial<RequestOptions> & { factory?: RequestFactory } = {},
  ): Promise<MessageRequest> {
    const request = (options.factory ?? plainRequests).build({ citizen: newCitizen(), now, ...options });
    return submit(request).then(() => request);
  }

  async function event(
    messageId: string,
    status: DeliveryStatus,
    channel: Channel,
    job: ConsumedRecord | undefined,
    reason: string | null = null,
  ): Promise<DeliveryEvent> {
    const decoded = job
      ? await codec.decode(
          channel === 'APP' ? 'AppChannelJob' : channel === 'SMS' ? 'SmsChannelJob' : 'EmailChannelJob',
          job.value as Buffer,
        )
      : undefined;
    const e: DeliveryEvent = {
      eventId: randomUUID(),
      messageId,
      senderId: decoded?.senderId ?? plain.senderId,
      status,
      channel,
      reason,
      fromChannel: null,
      toChannel: null,
      deviceId: status === 'DELIVERED' || status === 'READ' ? 'device-1' : null,
      planId: decoded?.planId ?? null,
      attempt: decoded?.attempt ?? null,
      occurredAt: now,
      producer: `${channel.toLowerCase()}-channel`,
    };
    await producer.send(topics.events, [{ key: messageId, value: await codec.encode('DeliveryEvent', e) }]);
    return e;
  }

  /** Resolves once the router applied the event (its id is in processed_event). */
  const applied = (eventId: string) =>
    waitFor(
      async () =>
        (
          (await dataSource.query(`SELECT 1 FROM "${schema}"."processed_event" WHERE "event_id" = $1`, [
            eventId,
          ])) as unknown[]
        ).length > 0,
      { description: `event ${eventId} applied`, intervalMs: 50 },
    );

  const eventFor = (
    messageId: string,
    status: DeliveryStatus,
    extra: (e: DeliveryEvent) => boolean = () => true,
  ) =>
    waitFor(
      async () =>
        (await decodedEvents()).find((e) => e.messageId === messageId && e.status === status && extra(e)),
      { description: `${status} event of ${messageId}`, intervalMs: 50 },
    );

  /**
   * Every record the router wrote to the outbox before this point has been published once the
   * barrier's own job is seen: single-partition topics, and the relay publishes in outbox order.
   */
  async function barrier(channel: 'SMS' | 'EMAIL'): Promise<void> {
    const request = await send({ allowedChannels: [channel] });
    await (channel === 'SMS' ? smsJobs : emailJobs).waitFor((r) => r.key === request.messageId);
  }

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('router-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
    producer = client.producer();
    [appJobs, smsJobs, emailJobs, events] = await Promise.all(
      [topics.appChannel, topics.smsChannel, topics.emailChannel, topics.events].map((topic) =>
        TopicRecorder.start(client, { topic }),
      ),
    );

    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: {
            brokers,
            clientId: uniqueName('router-app'),
            logger: process.env.ROUTER_TEST_LOGS ? stderrLogger('warn') : silentLogger,
          },
        }),
        RouterModule.register(
          {
            databaseUrl: testDatabaseUrl(),
            schema,
            routerDomainKey: routerDomainKey(keyring),
            topics,
            consumerGroupPrefix: uniqueName('router-it'),
            timerPollIntervalMs: 100,
            retryDelaysMs: [200],
          },
          { transcryption: transcription, senders, clock },
        ),
      ],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: logs });
    await app.init();
    dataSource = app.get(ROUTER_DATA_SOURCE);
    dlq = await TopicRecorder.start(client, { topic: `${topics.requests}.dlq` });
  });

  afterAll(async () => {
    if (process.env.ROUTER_TEST_LOGS) process.stderr.write(`${logs.lines.join('\n')}\n`);
    await app?.close();
    await Promise.all([appJobs, smsJobs, emailJobs, events, dlq].map((r) => r?.stop()));
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('app delivered: no SMS; app silent past the window: SMS, and a late app DELIVERED changes nothing', async () => {
    now = Date.UTC(2026, 0, 15, 11, 0);
    const delivered = await send({ fallbackWindowSeconds: 60 });
    const silent = await send({ fallbackWindowSeconds: 120 });
    const job = await appJobs.waitFor((r) => r.key === delivered.messageId);
    await appJobs.waitFor((r) => r.key === silent.messageId);
    const appJob = await codec.decode('AppChannelJob', job.value as Buffer);
    expect(appJob.recipient).toHaveLength(64);
    expect(appJob.envelope.equals(delivered.envelope)).toBe(true);
    expect(appJob.fallbackAt).toBe(now + 60_000);
    await eventFor(delivered.messageId, 'ACCEPTED');

    const confirmation = await event(delivered.messageId, 'DELIVERED', 'APP', job);
    await applied(confirmation.eventId);

    // Both windows pass; only the silent message falls back, in the same timer round or later.
    now += 121_000;
    const sms = await smsJobs.waitFor((r) => r.key === silent.messageId);
    expect(jobsOf(smsJobs, delivered.messageId)).toHaveLength(0);
    const fallback = await eventFor(silent.messageId, 'FALLBACK');
    expect(fallback).toMatchObject({
      fromChannel: 'APP',
      toChannel: 'SMS',
      reason: 'app.not-delivered-in-window',
    });
    const smsJob = await codec.decode('SmsChannelJob', sms.value as Buffer);
    expect(smsJob.sealedText.equals(silent.smsFallback as Buffer)).toBe(true);
    expect(smsJob.attempt).toBe(2);

    // The app delivers late, then the SMS fails: no e-mail, no second SMS.
    const late = await event(
      silent.messageId,
      'DELIVERED',
      'APP',
      await appJobs.waitFor((r) => r.key === silent.messageId),
    );
    await applied(late.eventId);
    const smsFailed = await event(silent.messageId, 'FAILED', 'SMS', sms, 'sms.provider-error');
    await applied(smsFailed.eventId);
    await barrier('SMS');
    await barrier('EMAIL');
    expect(jobsOf(smsJobs, silent.messageId)).toHaveLength(1);
    expect(jobsOf(emailJobs, silent.messageId)).toHaveLength(0);
    expect(jobsOf(appJobs, silent.messageId)).toHaveLength(1);
  });

  it('no usable device (app FAILED): SMS at once, then e-mail, then FAILED when every channel is exhausted', async () => {
    now = Date.UTC(2026, 0, 15, 11, 30);
    const request = await send({ fallbackWindowSeconds: 3600 });
    const app = await appJobs.waitFor((r) => r.key === request.messageId);
    await event(request.messageId, 'FAILED', 'APP', app, 'app.no-device');
    const sms = await smsJobs.waitFor((r) => r.key === request.messageId);
    expect(await eventFor(request.messageId, 'FALLBACK')).toMatchObject({
      fromChannel: 'APP',
      toChannel: 'SMS',
      reason: 'app.no-device',
    });
    await event(request.messageId, 'FAILED', 'SMS', sms, 'sms.no-number');
    const email = await emailJobs.waitFor((r) => r.key === request.messageId);
    const emailJob = await codec.decode('EmailChannelJob', email.value as Buffer);
    expect(emailJob.sealedEmail.equals(request.emailFallback as Buffer)).toBe(true);
    await event(request.messageId, 'FAILED', 'EMAIL', email, 'email.bounced');
    const failed = await eventFor(request.messageId, 'FAILED', (e) => e.producer === 'router');
    expect(failed).toMatchObject({ channel: null, reason: 'channels.exhausted' });
  });

  it('an app that never confirms before the expiry: EXPIRED, nothing sent by SMS', async () => {
    now = Date.UTC(2026, 0, 15, 11, 40);
    const request = await send({ fallbackWindowSeconds: 600, expiresInMs: 300_000 });
    await appJobs.waitFor((r) => r.key === request.messageId);
    now += 301_000;
    expect(await eventFor(request.messageId, 'EXPIRED')).toMatchObject({
      channel: null,
      reason: 'message.expired',
    });
    await barrier('SMS');
    expect(jobsOf(smsJobs, request.messageId)).toHaveLength(0);
  });

  it('quiet hours defer NORMAL messages until they end; URGENT ones go at once', async () => {
    const factory = requestsFor(quiet);
    now = Date.UTC(2026, 0, 15, 22, 0); // 23:00 in Brussels
    const normal = await send({ factory, expiresInMs: 86_400_000 });
    const urgent = await send({ factory, priority: 'URGENT' });
    await appJobs.waitFor((r) => r.key === urgent.messageId);
    expect(await eventFor(normal.messageId, 'DEFERRED')).toMatchObject({ reason: 'policy.quiet-hours' });
    expect(jobsOf(appJobs, normal.messageId)).toHaveLength(0);

    now = Date.UTC(2026, 0, 16, 6, 0); // 07:00 in Brussels
    const released = await appJobs.waitFor((r) => r.key === normal.messageId);
    expect((await codec.decode('AppChannelJob', released.value as Buffer)).createdAt).toBe(now);
  });

  it('caps, quota, categories, size, duplicate content and mutes reject with their reasons; the scorecard counts them', async () => {
    now = Date.UTC(2026, 0, 20, 10, 0);
    const factory = requestsFor(strict);
    const alice = newCitizen();
    const muter = newCitizen();
    const rejectedWith = async (request: MessageRequest, reason: string) =>
      expect(await eventFor(request.messageId, 'REJECTED')).toMatchObject({ reason, channel: null });

    // A citizen mutes the sender (preferences keyed by the app channel's id, recipient for the router).
    const [routerPseudonym] = await transcription.transcrypt(
      [factory.build({ citizen: muter, now }).recipient.toString('base64url') as never],
      'router',
    );
    if (!routerPseudonym.ok) throw routerPseudonym.error;
    await producer.send(topics.preferences, [
      {
        key: Buffer.from('app-local-pseudonym-of-muter'),
        value: await codec.encode('PreferenceUpdate', {
          channelOrder: ['APP', 'EMAIL', 'SMS'],
          mutedSenders: [strict.senderId],
          mutedCategories: [],
          alertRegions: [],
          updatedAt: now,
          recipient: encryptedToWire(routerPseudonym.value),
        }),
      },
    ]);
    await waitFor(
      async () =>
        ((await dataSource.query(`SELECT 1 FROM "${schema}"."preference"`)) as unknown[]).length > 0,
      { description: 'preferences materialized', intervalMs: 50 },
    );

    const first = await send({ factory, citizen: alice, content: 'same' });
    await appJobs.waitFor((r) => r.key === first.messageId);
    await rejectedWith(await send({ factory, citizen: alice, content: 'other' }), 'policy.citizen-cap');
    await rejectedWith(
      await send({ factory, citizen: alice, category: 'marketing' }),
      'policy.category-not-allowed',
    );
    await rejectedWith(await send({ factory, contentBytes: 3_000 }), 'policy.envelope-too-large');
    await rejectedWith(
      await send({ factory, citizen: alice, category: 'alert', content: 'same' }),
      'policy.duplicate-content',
    );
    await rejectedWith(await send({ factory, citizen: muter }), 'citizen.muted');
    // Mandatory categories reach a citizen who muted the sender.
    const alert = await send({ factory, citizen: muter, category: 'alert' });
    await appJobs.waitFor((r) => r.key === alert.messageId);
    await rejectedWith(
      await send({ factory, category: 'health', expiresInMs: 30 * 86_400_000 }),
      'policy.expiry-required',
    );
    // Daily quota 4: two taken so far.
    const second = await send({ factory });
    await appJobs.waitFor((r) => r.key === second.messageId);
    const third = await send({ factory });
    await appJobs.waitFor((r) => r.key === third.messageId);
    await rejectedWith(await send({ factory }), 'policy.daily-quota');

    const scorecard = await app.get(RouterScorecardService).scorecard(strict.senderId);
    expect(scorecard).toMatchObject({
      accepted: 4,
      rejected: 7,
      mutedBy: 1,
      rejectionsByReason: {
        'policy.citizen-cap': 1,
        'policy.category-not-allowed': 1,
        'policy.envelope-too-large': 1,
        'policy.duplicate-content': 1,
        'citizen.muted': 1,
        'policy.expiry-required': 1,
        'policy.daily-quota': 1,
      },
    });
  });

  it('the same request twice is delivered once; a new id with the same idempotency key is not delivered', async () => {
    now = Date.UTC(2026, 0, 15, 12, 0);
    const request = plainRequests.build({ citizen: newCitizen(), now });
    const again = plainRequests.build({ citizen: newCitizen(), now, idempotencyKey: request.idempotencyKey });
    await submit(request, request);
    await submit(again);
    expect(await eventFor(again.messageId, 'REJECTED')).toMatchObject({
      reason: 'request.duplicate-idempotency-key',
    });
    // The duplicate's REJECTED was written after whatever the first two caused.
    expect(jobsOf(appJobs, request.messageId)).toHaveLength(1);
    expect(jobsOf(appJobs, again.messageId)).toHaveLength(0);
    expect(
      (await decodedEvents()).filter((e) => e.messageId === request.messageId && e.status === 'ACCEPTED'),
    ).toHaveLength(1);
  });

  it('a malformed record, a bad signature and an unknown sender: REJECTED and a DLQ record each; what follows flows', async () => {
    now = Date.UTC(2026, 0, 15, 12, 10);
    const malformedId = randomUUID();
    const badSignature = plainRequests.build({ citizen: newCitizen(), now });
    const tampered = { ...badSignature, category: 'health' };
    const stranger = new RequestFactory(keyring, newSender('stranger')).build({ citizen: newCitizen(), now });
    const good = plainRequests.build({ citizen: newCitizen(), now });
    await producer.send(topics.requests, [
      { key: malformedId, value: Buffer.from('not an avro record') },
      await encodeRequest(tampered),
      await encodeRequest(stranger),
      await encodeRequest(good),
    ]);
    await appJobs.waitFor((r) => r.key === good.messageId);
    expect(await eventFor(malformedId, 'REJECTED')).toMatchObject({ reason: 'request.malformed' });
    expect(await eventFor(tampered.messageId, 'REJECTED')).toMatchObject({ reason: 'request.bad-signature' });
    expect(await eventFor(stranger.messageId, 'REJECTED')).toMatchObject({
      reason: 'request.unknown-sender',
    });
    const dead = await dlq.waitForCount(3);
    expect(dead.map((r) => r.key)).toEqual([malformedId, tampered.messageId, stranger.messageId]);
    expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
      expect.stringContaining('request.malformed'),
      expect.stringContaining('request.bad-signature'),
      expect.stringContaining('request.unknown-sender'),
    ]);
  });

  it('stores no content, identifier or payload beyond the plan, and logs no pseudonym', async () => {
    const rows = (await dataSource.query(
      `SELECT "recipient", "envelope", "sms_payload", "state" FROM "${schema}"."message" WHERE "state" = 'DONE'`,
    )) as { recipient: string; envelope: Buffer | null; sms_payload: Buffer | null }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.envelope).toBeNull();
      expect(row.sms_payload).toBeNull();
    }
    const pseudonyms = (
      (await dataSource.query(
        `SELECT "recipient" FROM "${schema}"."message" WHERE "recipient" IS NOT NULL`,
      )) as {
        recipient: string;
      }[]
    ).map((r) => r.recipient);
    const text = logs.lines.join('\n');
    for (const pseudonym of pseudonyms) expect(text).not.toContain(pseudonym);
    expect(text).not.toMatch(/\+32470/);
    expect(transcription.calls).toBeGreaterThan(0);
  });
});
