import 'reflect-metadata';
import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  createAvroCodec,
  type DeliveryEvent,
  type OtpRequest,
  type PhoneRegistration,
  type SmsChannelJob,
} from '@smis/contracts';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { generateKeyring } from '@smis/keyring';
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
import { createPseudonymizer, createTranscryptor, type DomainKeyConfig } from '@smis/pseudonym';
import { createSenderRegistry } from '@smis/senders';
import {
  startHttpSmsGatewaySimulator,
  type HttpSmsGatewaySimulator,
  type ReceivedSms,
} from '@smis/sms-simulators';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { randomUUID } from 'node:crypto';
import sodium from 'sodium-native';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmsChannelConfigInput } from './config';
import type { SmsChannelHooks } from './delivery/submission-engine';
import { SmsChannelModule } from './sms-channel.module';
import { SmsChannelService } from './sms-channel.service';
import { SMS_DATA_SOURCE } from './tokens';

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

function domainKeyOf(domain: string, keyring = sharedKeyring): DomainKeyConfig {
  const key = keyring.pseudonym.domainKeys.find((k) => k.domain === domain);
  if (!key) throw new Error(`no ${domain} domain key`);
  return key;
}

const sharedKeyring = generateKeyring();

describe('SMS channel (real broker, PostgreSQL and provider simulators)', () => {
  const codec = createAvroCodec();
  const crypto = createSodiumEnvelopeCrypto();
  const keyring = sharedKeyring;
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const smsKey = keyring.channels.sms;
  const senderKey = crypto.generateSenderKeyPair();
  const senderId = `tax-${randomUUID().slice(0, 6)}`;
  const senders = createSenderRegistry([
    {
      senderId,
      displayName: { en: 'Tax office' },
      signingKeys: [
        { keyId: senderKey.keyId, publicKey: Buffer.from(senderKey.publicKey).toString('base64') },
      ],
    },
  ]);
  const schema = uniqueName('sms_it').replace(/-/g, '_');
  const topics = {
    jobs: uniqueName('smis.channel.sms.it'),
    otpRequests: uniqueName('smis.enrolment.otp.it'),
    phoneRegistrations: uniqueName('smis.registrations.phone.it'),
    events: uniqueName('smis.events.it'),
  };
  const group = uniqueName('sms-it');
  const phone = '+32470123456';
  const logs = new CapturingLogger();
  const hooks: SmsChannelHooks = {};
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let events: TopicRecorder;
  let primary: HttpSmsGatewaySimulator;
  let backup: HttpSmsGatewaySimulator;
  let app: INestApplication;
  let sms: SmsChannelService;
  let dataSource: DataSource;
  const texts: string[] = [];

  const callbackToken = 'callback-token-0123456789';
  const wire = (encrypted: string) => Buffer.from(encrypted, 'base64url').subarray(1);
  const recipient = (identifier: string) =>
    wire(transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym(identifier), 'sms'));
  const sealTo = (plaintext: string) => {
    const message = Buffer.from(plaintext, 'utf8');
    const out = Buffer.alloc(message.length + sodium.crypto_box_SEALBYTES);
    sodium.crypto_box_seal(out, message, Buffer.from(smsKey.publicKey, 'base64'));
    return out;
  };

  function config(overrides: Partial<SmsChannelConfigInput> = {}): SmsChannelConfigInput {
    return {
      databaseUrl: testDatabaseUrl(),
      schema,
      channelKey: smsKey,
      domainKey: domainKeyOf('sms'),
      originator: 'SMIS',
      topics,
      consumerGroupPrefix: group,
      providers: [
        {
          id: 'primary',
          kind: 'http',
          weight: 100,
          pricePerSegment: 0.05,
          http: {
            baseUrl: primary.url,
            username: primary.username,
            password: primary.password,
            callbackToken,
            timeoutMs: 5_000,
          },
        },
        {
          id: 'backup',
          kind: 'http',
          weight: 0,
          pricePerSegment: 0.07,
          http: {
            baseUrl: backup.url,
            username: backup.username,
            password: backup.password,
            callbackToken,
            timeoutMs: 5_000,
          },
        },
      ],
      // One penalty moves all the weight; the drift back is driven by the test, not a timer.
      failover: { step: 100, cooldownMs: 0, recoverIntervalMs: 3_600_000 },
      reconcile: { intervalMs: 3_600_000, staleAfterMs: 600_000 },
      ...overrides,
    };
  }

  async function startApp(input: SmsChannelConfigInput): Promise<INestApplication> {
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers: testKafkaBrokers(), clientId: uniqueName('sms-app'), logger: silentLogger },
        }),
        SmsChannelModule.register(input, { senders, hooks }),
      ],
    })
    class AppModule {}
    const nest = await NestFactory.create(AppModule, { logger: logs });
    await nest.listen(0, '127.0.0.1');
    const { port } = nest.getHttpServer().address() as AddressInfo;
    primary.setCallback(`http://127.0.0.1:${port}/v1/sms/delivery-reports/primary`, callbackToken);
    backup.setCallback(`http://127.0.0.1:${port}/v1/sms/delivery-reports/backup`, callbackToken);
    sms = nest.get(SmsChannelService);
    dataSource = nest.get(SMS_DATA_SOURCE);
    return nest;
  }

  function job(text: string, overrides: Partial<SmsChannelJob> = {}): SmsChannelJob {
    const messageId = overrides.messageId ?? randomUUID();
    texts.push(text);
    return {
      messageId,
      senderId,
      planId: randomUUID(),
      attempt: 1,
      createdAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
      recipient: recipient(`tel:${phone}`),
      priority: 'NORMAL',
      sealedText: Buffer.from(
        crypto.sealFallbackText(
          { senderId, messageId, text },
          Buffer.from(smsKey.publicKey, 'base64'),
          senderKey,
        ),
      ),
      ...overrides,
    };
  }

  async function publishJob(j: SmsChannelJob): Promise<void> {
    await producer.send(topics.jobs, [{ key: j.messageId, value: await codec.encode('SmsChannelJob', j) }]);
  }

  async function eventsOf(messageId: string): Promise<DeliveryEvent[]> {
    return Promise.all(
      events.records
        .filter((r) => r.key === messageId)
        .map((r) => codec.decode('DeliveryEvent', r.value as Buffer)),
    );
  }

  function waitForStatus(messageId: string, status: DeliveryEvent['status']): Promise<DeliveryEvent> {
    return waitFor(async () => (await eventsOf(messageId)).find((e) => e.status === status), {
      description: `${status} for ${messageId}`,
      timeoutMs: 30_000,
    });
  }

  const receivedText = (sim: HttpSmsGatewaySimulator, text: string) =>
    sim.waitFor((r: ReceivedSms) => r.text === text && r.outcome === 'accepted');

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('sms-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
    producer = client.producer();
    events = await TopicRecorder.start(client, { topic: topics.events });
    primary = await startHttpSmsGatewaySimulator();
    backup = await startHttpSmsGatewaySimulator();
    app = await startApp(config());
    const registration: PhoneRegistration = {
      registrationId: randomUUID(),
      enrolmentId: randomUUID(),
      action: 'REGISTERED',
      recipient: recipient(`tel:${phone}`),
      sealedPhoneNumber: sealTo(phone),
      occurredAt: Date.now(),
    };
    await producer.send(topics.phoneRegistrations, [
      { key: registration.registrationId, value: await codec.encode('PhoneRegistration', registration) },
    ]);
    await waitFor(
      async () => {
        const [row] = (await dataSource.query(
          `SELECT count(*)::int AS n FROM "${schema}"."phone_number"`,
        )) as Array<{ n: number }>;
        return row.n === 1 || undefined;
      },
      { description: 'the phone registration', timeoutMs: 30_000 },
    );
  });

  afterAll(async () => {
    if (process.env.SMS_TEST_LOGS) process.stderr.write(logs.lines.join('\n') + '\n');
    await app?.close();
    await events?.stop();
    await producer?.disconnect();
    await admin?.disconnect();
    await primary?.close();
    await backup?.close();
  });

  it('sends a GSM 7-bit text to the registered number, in the right segments, and turns the report into DELIVERED', async () => {
    // 158 GSM characters, three of them from the extension table (2 septets each): 161 septets → 2 segments.
    const text = `Uw aanslag: €12 [ref] ${'x'.repeat(158 - 22)}`;
    expect([...text].length).toBe(158);
    const j = job(text);
    await publishJob(j);
    const got = await receivedText(primary, text);
    expect(got).toMatchObject({ to: phone, from: 'SMIS', encoding: 'GSM7' });
    const delivered = await waitForStatus(j.messageId, 'DELIVERED');
    expect(delivered).toMatchObject({
      channel: 'SMS',
      senderId,
      planId: j.planId,
      attempt: 1,
      producer: 'sms-channel',
    });
    expect((await eventsOf(j.messageId)).map((e) => e.status)).toEqual(['DISPATCHED', 'DELIVERED']);
    expect(await sms.submissionState(j.messageId)).toEqual([
      expect.objectContaining({ state: 'delivered', providerId: 'primary', encoding: 'GSM7', segments: 2 }),
    ]);
  });

  it('sends a text with an emoji as UCS-2 and counts its segments in UTF-16 units (70 / 67)', async () => {
    const short = 'Uw afspraak is bevestigd 👍';
    const long = `👍${'a'.repeat(70)}`; // 72 units: 2 segments of 67
    const a = job(short);
    const b = job(long);
    await publishJob(a);
    await publishJob(b);
    expect(await receivedText(primary, short)).toMatchObject({ encoding: 'UCS2', to: phone });
    expect(await receivedText(primary, long)).toMatchObject({ encoding: 'UCS2' });
    await waitForStatus(a.messageId, 'DELIVERED');
    await waitForStatus(b.messageId, 'DELIVERED');
    expect((await sms.submissionState(a.messageId))[0]).toMatchObject({ encoding: 'UCS2', segments: 1 });
    expect((await sms.submissionState(b.messageId))[0]).toMatchObject({ encoding: 'UCS2', segments: 2 });
  });

  it('fails over to the backup when the primary fails, and back once its weight drifts back', async () => {
    primary.configure({ mode: 'fail' });
    const during = job('Herinnering: betaal voor 30 juni.');
    await publishJob(during);
    expect(await receivedText(backup, 'Herinnering: betaal voor 30 juni.')).toMatchObject({ to: phone });
    expect(
      primary.received.filter((r) => r.text === 'Herinnering: betaal voor 30 juni.').map((r) => r.outcome),
    ).toEqual(['failed']);
    await waitForStatus(during.messageId, 'DELIVERED');
    expect(sms.providerWeights()).toEqual([
      { id: 'primary', configured: 100, live: 0 },
      { id: 'backup', configured: 0, live: 100 },
    ]);

    // While the primary carries no weight, it gets nothing even once it is back.
    primary.configure({ mode: 'accept' });
    const still = job('Tweede herinnering.');
    await publishJob(still);
    await receivedText(backup, 'Tweede herinnering.');

    sms.recoverProviderWeights();
    expect(sms.providerWeights().map((w) => w.live)).toEqual([100, 0]);
    const after = job('Derde herinnering.');
    await publishJob(after);
    await receivedText(primary, 'Derde herinnering.');
    await waitForStatus(after.messageId, 'DELIVERED');
    expect(backup.received.some((r) => r.text === 'Derde herinnering.')).toBe(false);
  });

  it("reports FAILED with the operator's reason when the handset cannot be reached", async () => {
    primary.configure({ report: 'undeliverable', reportErrorCode: '034' });
    const j = job('Niet af te leveren.');
    await publishJob(j);
    const failed = await waitForStatus(j.messageId, 'FAILED');
    expect(failed.reason).toBe('sms.operator.undeliverable.err-034');
    primary.configure({ report: 'delivered' });
  });

  it('sends an OTP to a sealed, not yet registered number, and one to a registered pseudonym', async () => {
    const newNumber = '+32470999888';
    const first: OtpRequest = {
      otpRequestId: randomUUID(),
      enrolmentId: randomUUID(),
      sealedPhoneNumber: sealTo(newNumber),
      recipient: null,
      sealedText: sealTo('Uw SMIS-code is 482913'),
      createdAt: Date.now(),
      expiresAt: Date.now() + 300_000,
    };
    const second: OtpRequest = {
      ...first,
      otpRequestId: randomUUID(),
      sealedPhoneNumber: null,
      recipient: recipient(`tel:${phone}`),
      sealedText: sealTo('Uw SMIS-code is 771204'),
    };
    texts.push('Uw SMIS-code is 482913', 'Uw SMIS-code is 771204');
    for (const otp of [first, second])
      await producer.send(topics.otpRequests, [
        { key: otp.enrolmentId, value: await codec.encode('OtpRequest', otp) },
      ]);
    expect(await receivedText(primary, 'Uw SMIS-code is 482913')).toMatchObject({
      to: newNumber,
      encoding: 'GSM7',
    });
    expect(await receivedText(primary, 'Uw SMIS-code is 771204')).toMatchObject({ to: phone });
    // OTPs are no messages: no delivery events, but their state is kept.
    for (const otp of [first, second])
      await waitFor(
        async () => (await sms.submissionState(otp.otpRequestId))[0]?.state === 'delivered' || undefined,
        {
          description: 'the OTP delivered',
        },
      );
  });

  it('counts "SMS avoided" from app DELIVERED events, once per message, and reports cost per sender', async () => {
    const appDelivered = (messageId: string): DeliveryEvent => ({
      eventId: randomUUID(),
      messageId,
      senderId,
      status: 'DELIVERED',
      channel: 'APP',
      reason: null,
      fromChannel: null,
      toChannel: null,
      deviceId: 'device-1',
      planId: null,
      attempt: 1,
      occurredAt: Date.now(),
      producer: 'app-channel',
    });
    const m1 = randomUUID();
    const m2 = randomUUID();
    const records = [
      appDelivered(m1),
      appDelivered(m1),
      appDelivered(m2),
      { ...appDelivered(randomUUID()), channel: 'SMS' as const },
    ];
    await producer.send(
      topics.events,
      await Promise.all(
        records.map(async (e) => ({ key: e.messageId, value: await codec.encode('DeliveryEvent', e) })),
      ),
    );
    const report = await waitFor(
      async () => {
        const r = await sms.costReport({ senderId });
        return r.senders[0]?.smsAvoided === 2 ? r : undefined;
      },
      { description: 'two avoided SMS' },
    );
    // What the simulators took for this sender: primary 2+1+2+1+1 segments, backup 1+1.
    const line = report.senders[0];
    expect(line).toMatchObject({
      senderId,
      messages: 7,
      segments: 9,
      delivered: 6,
      failed: 1,
      smsAvoided: 2,
    });
    expect(line.costEur).toBeCloseTo(7 * 0.05 + 2 * 0.07, 6);
    expect(line.byProvider).toEqual([
      { providerId: 'backup', messages: 2, segments: 2, costEur: 0.14 },
      { providerId: 'primary', messages: 5, segments: 7, costEur: 0.35 },
    ]);

    const http = await request(app.getHttpServer())
      .get('/v1/sms/reports/cost')
      .query({ senderId })
      .expect(200);
    expect(http.body.senders[0]).toMatchObject({ senderId, segments: 9, smsAvoided: 2 });
    expect(http.body.totals).toMatchObject({ messages: 7, smsAvoided: 2 });
    const otp = await sms.costReport({ senderId: 'enrolment-otp' });
    expect(otp.senders).toEqual([expect.objectContaining({ messages: 2, segments: 2 })]);

    const metrics = await sms.metrics.registry.metrics();
    expect(metrics).toContain(`smis_sms_channel_sms_avoided_total{sender="${senderId}"} 2`);
    const cost = new RegExp(
      `smis_sms_channel_cost_euros_total\\{provider="backup",sender="${senderId}"\\} ([0-9.e-]+)`,
    ).exec(metrics);
    expect(Number(cost?.[1])).toBeCloseTo(0.14, 9);
    expect(metrics).toMatch(/smis_sms_channel_segments_sent_total\{provider="primary"\} 9/); // 7 + 2 OTPs
  });

  it('dead-letters an undecodable event alone and counts the app deliveries of the same batch', async () => {
    const otherSender = `edu-${randomUUID().slice(0, 6)}`;
    const event = (messageId: string, overrides: Partial<DeliveryEvent> = {}): DeliveryEvent => ({
      eventId: randomUUID(),
      messageId,
      senderId: otherSender,
      status: 'DELIVERED',
      channel: 'APP',
      reason: null,
      fromChannel: null,
      toChannel: null,
      deviceId: 'device-1',
      planId: null,
      attempt: 1,
      occurredAt: Date.now(),
      producer: 'app-channel',
      ...overrides,
    });
    const [m1, m2, m3]: string[] = [randomUUID(), randomUUID(), randomUUID()];
    const encode = (e: DeliveryEvent) => codec.encode('DeliveryEvent', e);
    const garbage = Buffer.from('not an avro record');
    const dlq = await TopicRecorder.start(client, { topic: `${topics.events}.dlq` });
    try {
      // One partition: fetched as one batch, in this order.
      await producer.send(topics.events, [
        { key: m1, value: await encode(event(m1, { status: 'DISPATCHED' })) },
        { key: m1, value: await encode(event(m1)) },
        { key: m1, value: garbage },
        { key: m2, value: await encode(event(m2, { channel: 'SMS' })) },
        { key: m2, value: await encode(event(m2)) },
        { key: m1, value: await encode(event(m1)) },
        { key: m3, value: await encode(event(m3)) },
      ]);
      await waitFor(
        async () =>
          (await sms.costReport({ senderId: otherSender })).senders[0]?.smsAvoided === 3 || undefined,
        { description: 'three avoided SMS' },
      );
      const dead = await dlq.waitFor((r) => r.key === m1);
      expect(dead.value).toEqual(garbage);
      expect(dead.headers[DEAD_LETTER_HEADERS.error]).toBe('DecodeError');
      expect(dlq.records.filter((r) => [m1, m2, m3].includes(r.key ?? ''))).toHaveLength(1);
    } finally {
      await dlq.stop();
    }
  });

  it('refuses delivery reports without the callback token', async () => {
    await request(app.getHttpServer())
      .post('/v1/sms/delivery-reports/primary')
      .set('authorization', 'Bearer wrong-token-0123456789')
      .send({ messageId: 'x', status: 'DELIVERED' })
      .expect(401);
  });

  it('takes a fetched batch of jobs together: each SMS once, each job its own outcome', async () => {
    const goodTexts = ['Batch een.', 'Batch twee.', 'Batch drie.'];
    const good = goodTexts.map((text) => job(text));
    const noPhone = job('Batch zonder nummer.', { recipient: recipient('tel:+32470999999') });
    const expired = job('Batch te laat.', { expiresAt: Date.now() - 1_000 });
    const jobs = [good[0], noPhone, good[1], expired, good[0], good[2]]; // good[0] twice
    await producer.send(
      topics.jobs,
      await Promise.all(
        jobs.map(async (j) => ({ key: j.messageId, value: await codec.encode('SmsChannelJob', j) })),
      ),
    );
    for (const j of good) await waitForStatus(j.messageId, 'DELIVERED');
    expect((await waitForStatus(noPhone.messageId, 'FAILED')).reason).toBe('sms.no-phone-number');
    expect((await waitForStatus(expired.messageId, 'EXPIRED')).reason).toBe('sms.expired-before-sending');
    for (const [i, j] of good.entries()) {
      // Once, although good[0] came twice in the batch.
      expect(primary.submissionAttempts.filter((a) => a.text === goodTexts[i])).toEqual([
        expect.objectContaining({ outcome: 'accepted', to: phone }),
      ]);
      expect((await eventsOf(j.messageId)).map((e) => e.status)).toEqual(['DISPATCHED', 'DELIVERED']);
      expect(await sms.submissionState(j.messageId)).toEqual([
        expect.objectContaining({ state: 'delivered', providerId: 'primary' }),
      ]);
    }
    for (const text of ['Batch zonder nummer.', 'Batch te laat.'])
      expect(primary.submissionAttempts.filter((a) => a.text === text)).toEqual([]);
  });

  it('never sends twice after a crash between the provider accepting and the state write', async () => {
    const text = 'Na de crash: precies één keer.';
    hooks.afterProviderAccepted = () => {
      throw new Error('simulated crash after the provider accepted');
    };
    primary.configure({ report: 'none' });
    const j = job(text);
    await publishJob(j);
    const taken = await receivedText(primary, text);
    await waitFor(
      async () => (await sms.submissionState(j.messageId))[0]?.state === 'submitting' || undefined,
      {
        description: 'the submission left in submitting',
      },
    );
    await app.close();
    hooks.afterProviderAccepted = undefined;
    const reference = taken.clientReference as string;
    expect(reference).toBeTruthy();
    const attemptsOf = (sim: HttpSmsGatewaySimulator) =>
      sim.submissionAttempts.filter((a) => a.clientReference === reference || a.text === text);
    expect(attemptsOf(primary)).toEqual([expect.objectContaining({ outcome: 'accepted' })]);
    expect(primary.lookups.filter((l) => l.clientReference === reference)).toEqual([]);

    // A fresh instance: it settles the interrupted submission at start-up by asking the provider.
    app = await startApp(config({ reconcile: { intervalMs: 3_600_000, staleAfterMs: 0 } }));
    await waitForStatus(j.messageId, 'DISPATCHED');
    expect(await sms.submissionState(j.messageId)).toEqual([
      expect.objectContaining({ state: 'submitted', providerId: 'primary' }),
    ]);
    // The recovery path of ADR 0701: lookups by client reference (at start-up, and again if the
    // redelivered job raced it) that found the message, and no second submission (a resubmission
    // would be answered 409 and pass for a success otherwise).
    const lookups = primary.lookups.filter((l) => l.clientReference === reference);
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.filter((l) => !l.found)).toEqual([]);
    expect(primary.duplicateSubmissions().filter((a) => a.clientReference === reference)).toEqual([]);
    expect(attemptsOf(primary)).toEqual([
      expect.objectContaining({ outcome: 'accepted', providerMessageId: taken.providerMessageId }),
    ]);
    expect(await primary.sendReport(taken.providerMessageId as string, 'DELIVERED')).toBe(204);
    await waitForStatus(j.messageId, 'DELIVERED');
    expect(primary.received.filter((r) => r.text === text)).toHaveLength(1);
    expect(attemptsOf(primary)).toHaveLength(1);
    expect(attemptsOf(backup)).toEqual([]);
  });

  it('keeps phone numbers and texts out of the logs and stores the numbers encrypted', async () => {
    const joined = logs.lines.join('\n');
    for (const secret of [phone, '+32470999888', ...texts]) expect(joined).not.toContain(secret);
    const rows = (await dataSource.query(`SELECT * FROM "${schema}"."phone_number"`)) as Array<
      Record<string, unknown>
    >;
    const dump = JSON.stringify(rows) + rows.map((r) => String(r.number_box)).join('');
    expect(dump).not.toContain(phone.slice(1));
    const submissions = (await dataSource.query(`SELECT * FROM "${schema}"."sms_submission"`)) as Array<
      Record<string, unknown>
    >;
    expect(submissions.length).toBeGreaterThan(0);
    expect(submissions.filter((s) => s.sealed_text !== null).map((s) => s.state)).toEqual([]);
  });
});
