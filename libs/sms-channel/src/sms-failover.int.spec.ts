import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createAvroCodec, type PhoneRegistration, type SmsChannelJob } from '@smis/contracts';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { generateKeyring } from '@smis/keyring';
import {
  createKafka,
  MessagingModule,
  silentLogger,
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
import type { AddressInfo } from 'node:net';
import sodium from 'sodium-native';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmsChannelConfigInput } from './config';
import { ProviderPool } from './delivery/provider-pool';
import type { FailoverPolicy } from './failover/provider-selector';
import { SmsChannelModule } from './sms-channel.module';
import { SmsChannelService } from './sms-channel.service';
import { SMS_DATA_SOURCE } from './tokens';

/**
 * Failover driven by the channel itself, end to end (ADR 700): the drift back on the channel's
 * own recovery timer (no manual `recoverProviderWeights()`), and the penalty for slow delivery
 * reports, fed by the HTTP gateway simulator's report delay.
 */
describe('SMS provider failover over time (real broker, PostgreSQL and gateway simulators)', () => {
  const codec = createAvroCodec();
  const crypto = createSodiumEnvelopeCrypto();
  const keyring = generateKeyring();
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const smsKey = keyring.channels.sms;
  const domainKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'sms') as DomainKeyConfig;
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
  const phone = '+32470654321';
  const callbackToken = 'callback-token-0123456789';
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;

  const recipient = () =>
    Buffer.from(
      transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym(`tel:${phone}`), 'sms'),
      'base64url',
    ).subarray(1);

  interface Channel {
    app: INestApplication;
    sms: SmsChannelService;
    pool: ProviderPool;
    primary: HttpSmsGatewaySimulator;
    backup: HttpSmsGatewaySimulator;
    /** Publishes an SMS job with `text` and answers its message id. */
    send(text: string): Promise<string>;
    close(): Promise<void>;
  }

  /** A channel of its own (schema, topics, consumer groups, two HTTP gateways), the test's phone registered. */
  async function startChannel(
    weights: { primary: number; backup: number },
    failover: Partial<FailoverPolicy>,
  ): Promise<Channel> {
    const schema = uniqueName('sms_failover_it').replace(/-/g, '_');
    const topics = {
      jobs: uniqueName('smis.channel.sms.failover-it'),
      otpRequests: uniqueName('smis.enrolment.otp.failover-it'),
      phoneRegistrations: uniqueName('smis.registrations.phone.failover-it'),
      events: uniqueName('smis.events.failover-it'),
    };
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
    const primary = await startHttpSmsGatewaySimulator();
    const backup = await startHttpSmsGatewaySimulator();
    const provider = (id: string, sim: HttpSmsGatewaySimulator, weight: number) => ({
      id,
      kind: 'http' as const,
      weight,
      pricePerSegment: 0.05,
      http: {
        baseUrl: sim.url,
        username: sim.username,
        password: sim.password,
        callbackToken,
        timeoutMs: 5_000,
      },
    });
    const config: SmsChannelConfigInput = {
      databaseUrl: testDatabaseUrl(),
      schema,
      channelKey: smsKey,
      domainKey,
      topics,
      consumerGroupPrefix: uniqueName('sms-failover-it'),
      providers: [provider('primary', primary, weights.primary), provider('backup', backup, weights.backup)],
      failover,
      reconcile: { intervalMs: 3_600_000, staleAfterMs: 600_000 },
    };
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: {
            brokers: testKafkaBrokers(),
            clientId: uniqueName('sms-failover'),
            logger: silentLogger,
          },
        }),
        SmsChannelModule.register(config, { senders }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    primary.setCallback(`http://127.0.0.1:${port}/v1/sms/delivery-reports/primary`, callbackToken);
    backup.setCallback(`http://127.0.0.1:${port}/v1/sms/delivery-reports/backup`, callbackToken);

    const sealedPhone = Buffer.alloc(Buffer.byteLength(phone) + sodium.crypto_box_SEALBYTES);
    sodium.crypto_box_seal(sealedPhone, Buffer.from(phone), Buffer.from(smsKey.publicKey, 'base64'));
    const registration: PhoneRegistration = {
      registrationId: randomUUID(),
      enrolmentId: randomUUID(),
      action: 'REGISTERED',
      recipient: recipient(),
      sealedPhoneNumber: sealedPhone,
      occurredAt: Date.now(),
    };
    await producer.send(topics.phoneRegistrations, [
      { key: registration.registrationId, value: await codec.encode('PhoneRegistration', registration) },
    ]);
    const dataSource = app.get<DataSource>(SMS_DATA_SOURCE);
    await waitFor(
      async () => {
        const [row] = (await dataSource.query(
          `SELECT count(*)::int AS n FROM "${schema}"."phone_number"`,
        )) as Array<{ n: number }>;
        return row.n === 1 || undefined;
      },
      { description: 'the phone registration', timeoutMs: 30_000 },
    );

    return {
      app,
      sms: app.get(SmsChannelService),
      pool: app.get(ProviderPool),
      primary,
      backup,
      async send(text: string): Promise<string> {
        const messageId = randomUUID();
        const job: SmsChannelJob = {
          messageId,
          senderId,
          planId: randomUUID(),
          attempt: 1,
          createdAt: Date.now(),
          expiresAt: Date.now() + 3_600_000,
          recipient: recipient(),
          priority: 'NORMAL',
          sealedText: Buffer.from(
            crypto.sealFallbackText(
              { senderId, messageId, text },
              Buffer.from(smsKey.publicKey, 'base64'),
              senderKey,
            ),
          ),
        };
        await producer.send(topics.jobs, [
          { key: messageId, value: await codec.encode('SmsChannelJob', job) },
        ]);
        return messageId;
      },
      async close() {
        await app.close();
        await primary.close();
        await backup.close();
      },
    };
  }

  /** Where `text` was accepted: waits until one of the two gateways took it. */
  async function takenBy(ch: Channel, text: string): Promise<'primary' | 'backup'> {
    const accepted = (r: ReceivedSms) => r.text === text && r.outcome === 'accepted';
    return waitFor(
      () =>
        ch.primary.received.some(accepted)
          ? 'primary'
          : ch.backup.received.some(accepted)
            ? 'backup'
            : undefined,
      { description: `a gateway accepting '${text}'`, timeoutMs: 30_000 },
    );
  }

  const live = (ch: Channel) => ch.sms.providerWeights().map((w) => w.live);

  beforeAll(async () => {
    client = createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('sms-failover-it'),
      logger: silentLogger,
    });
    admin = client.admin();
    producer = client.producer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('drifts traffic back to the recovered primary on its own timer, a step at a time', async () => {
    const step = 50;
    const ch = await startChannel(
      { primary: 100, backup: 0 },
      { step, cooldownMs: 0, recoverIntervalMs: 300 },
    );
    try {
      // What each tick of the channel's own recovery timer did (it calls the selector's recover()).
      const ticks: number[][] = [];
      const recover = ch.pool.selector.recover.bind(ch.pool.selector);
      ch.pool.selector.recover = () => {
        const before = live(ch);
        recover();
        const after = live(ch);
        if (after.some((w, i) => w !== before[i])) ticks.push(after);
      };

      ch.primary.configure({ mode: 'fail' });
      for (const text of ['Storing 1: backup.', 'Storing 2: backup.']) {
        await ch.send(text);
        expect(await takenBy(ch, text)).toBe('backup');
        expect(ch.primary.received.filter((r) => r.text === text).map((r) => r.outcome)).not.toContain(
          'accepted',
        );
      }
      // Every failed try cost the primary weight (and a tick may have given some back since).
      expect(ch.primary.received.filter((r) => r.outcome === 'failed').length).toBeGreaterThanOrEqual(1);

      ch.primary.configure({ mode: 'accept' });
      await waitFor(() => live(ch).join() === '100,0' || undefined, {
        description: 'the live weights back at the configured 100 / 0, without any manual call',
        timeoutMs: 20_000,
      });
      // Drift: tick after tick, at most one step each, ending at the configured weights.
      expect(ticks.length).toBeGreaterThanOrEqual(1);
      expect(ticks.at(-1)).toEqual([100, 0]);
      let previous: number | undefined;
      for (const [primaryWeight] of ticks) {
        if (previous !== undefined) expect(primaryWeight - previous).toBeLessThanOrEqual(step);
        previous = primaryWeight;
      }

      for (const text of ['Hersteld 1: primary.', 'Hersteld 2: primary.', 'Hersteld 3: primary.']) {
        await ch.send(text);
        expect(await takenBy(ch, text)).toBe('primary');
      }
      expect(ch.backup.received.filter((r) => r.text.startsWith('Hersteld'))).toEqual([]);
    } finally {
      await ch.close();
    }
  });

  it('shifts weight away from a provider whose delivery reports come slowly', async () => {
    const ch = await startChannel(
      { primary: 50, backup: 50 },
      {
        step: 50,
        cooldownMs: 0,
        recoverIntervalMs: 3_600_000, // no drift back during this test
        slowReportMs: 500,
        slowRatio: 0.5,
        slowMinSamples: 2,
        slowWindowMs: 60_000,
      },
    );
    try {
      // The primary takes everything at once but reports delivery 1.5 s later; the backup at once.
      ch.primary.configure({ reportDelayMs: 1_500 });
      const spread: Record<string, string> = {};
      const ids: Record<string, string> = {};
      for (const text of ['Traag 1.', 'Traag 2.', 'Traag 3.', 'Traag 4.']) {
        ids[text] = await ch.send(text);
        spread[text] = await takenBy(ch, text);
      }
      // 50 / 50 by smooth weighted round-robin: alternating, the primary first.
      expect(Object.values(spread)).toEqual(['primary', 'backup', 'primary', 'backup']);
      for (const id of Object.values(ids))
        await waitFor(async () => (await ch.sms.submissionState(id))[0]?.state === 'delivered' || undefined, {
          description: `the delivery report of ${id}`,
          timeoutMs: 20_000,
        });
      // Two slow reports of two (≥ slowRatio, ≥ slowMinSamples): one penalty of `step`.
      await waitFor(() => live(ch)[0] < 50 || undefined, {
        description: 'the slow provider penalized',
        timeoutMs: 10_000,
      });
      expect(ch.sms.providerWeights()).toEqual([
        { id: 'primary', configured: 50, live: 0 },
        { id: 'backup', configured: 50, live: 100 },
      ]);
      // Nothing failed: slowness alone moved the weight.
      expect(ch.primary.received.map((r) => r.outcome)).toEqual(['accepted', 'accepted']);

      for (const text of ['Daarna 1.', 'Daarna 2.', 'Daarna 3.']) {
        await ch.send(text);
        expect(await takenBy(ch, text)).toBe('backup');
      }
      expect(ch.primary.received.filter((r) => r.text.startsWith('Daarna'))).toEqual([]);
    } finally {
      await ch.close();
    }
  });
});
