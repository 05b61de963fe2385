import 'reflect-metadata';
import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createAvroCodec, type DeliveryEvent, type EmailChannelJob } from '@smis/contracts';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { generateKeyring } from '@smis/keyring';
import {
  createKafka,
  MessagingModule,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type MessageProducer,
  type TopicAdmin,
} from '@smis/messaging';
import { createPseudonymizer, createTranscryptor, type DomainKeyConfig } from '@smis/pseudonym';
import { createSenderRegistry } from '@smis/senders';
import { startSmtpCaptureServer, type SmtpCaptureServer } from '@smis/sms-simulators';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailChannelModule } from './email-channel.module';
import { registerAddress } from './testing/register-address';
import { EMAIL_DATA_SOURCE } from './tokens';

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

describe('e-mail channel (real broker, PostgreSQL and the SMTP capture server)', () => {
  const codec = createAvroCodec();
  const crypto = createSodiumEnvelopeCrypto();
  const keyring = sharedKeyring;
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const emailKey = keyring.channels.email;
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
  const schema = uniqueName('email_it').replace(/-/g, '_');
  const topics = {
    jobs: uniqueName('smis.channel.email.it'),
    registrations: uniqueName('smis.registrations.email.it'),
    events: uniqueName('smis.events.it'),
  };
  const address = 'jan.peeters@example.be';
  const logs = new CapturingLogger();
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let events: TopicRecorder;
  let smtp: SmtpCaptureServer;
  let app: INestApplication;
  let dataSource: DataSource;

  const recipient = () =>
    Buffer.from(
      transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym('niss:93051822361'), 'email'),
      'base64url',
    ).subarray(1);

  function job(text: string): EmailChannelJob {
    const messageId = randomUUID();
    return {
      messageId,
      senderId,
      planId: randomUUID(),
      attempt: 1,
      createdAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
      recipient: recipient(),
      priority: 'NORMAL',
      sealedEmail: Buffer.from(
        crypto.sealFallbackText(
          { senderId, messageId, text },
          Buffer.from(emailKey.publicKey, 'base64'),
          senderKey,
        ),
      ),
    };
  }

  async function publish(j: EmailChannelJob): Promise<void> {
    await producer.send(topics.jobs, [{ key: j.messageId, value: await codec.encode('EmailChannelJob', j) }]);
  }

  function eventOf(messageId: string, status: DeliveryEvent['status']): Promise<DeliveryEvent> {
    return waitFor(
      async () => {
        const decoded = await Promise.all(
          events.records
            .filter((r) => r.key === messageId)
            .map((r) => codec.decode('DeliveryEvent', r.value as Buffer)),
        );
        return decoded.find((e) => e.status === status);
      },
      { description: `${status} for ${messageId}`, timeoutMs: 30_000 },
    );
  }

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('email-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
    producer = client.producer();
    events = await TopicRecorder.start(client, { topic: topics.events });
    smtp = await startSmtpCaptureServer({ username: 'smis', password: 'capture-pass' });
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('email-app'), logger: silentLogger },
        }),
        EmailChannelModule.register(
          {
            databaseUrl: testDatabaseUrl(),
            schema,
            channelKey: emailKey,
            domainKey: domainKeyOf('email'),
            from: 'SMIS <no-reply@smis.example>',
            topics,
            consumerGroupPrefix: uniqueName('email-it'),
            maxTemporaryFailures: 2,
            smtp: {
              host: smtp.host,
              port: smtp.port,
              username: 'smis',
              password: 'capture-pass',
              rejectUnauthorized: false,
            },
          },
          { senders },
        ),
      ],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: logs });
    await app.init();
    dataSource = app.get(EMAIL_DATA_SOURCE);
    await registerAddress({
      producer,
      codec,
      topic: topics.registrations,
      dataSource,
      schema,
      channelPublicKey: emailKey.publicKey,
      address,
      recipient: recipient(),
      waitFor,
    });
  });

  afterAll(async () => {
    await app?.close();
    await events?.stop();
    await producer?.disconnect();
    await admin?.disconnect();
    await smtp?.close();
  });

  it('delivers a sealed e-mail to the registered address through SMTP with AUTH, and reports DISPATCHED', async () => {
    const j = job(
      JSON.stringify({
        subject: 'Uw aanslagbiljet – 2026',
        body: 'Beste,\nUw aanslagbiljet staat klaar. Één klik.',
      }),
    );
    await publish(j);
    const mail = await smtp.waitFor((m) => m.subject === 'Uw aanslagbiljet – 2026');
    expect(mail).toMatchObject({ to: [address], from: 'no-reply@smis.example', user: 'smis' });
    expect(mail.text).toBe('Beste,\nUw aanslagbiljet staat klaar. Één klik.');
    expect(mail.headers['message-id']).toMatch(/^<[0-9a-f-]{36}@smis\.example>$/);
    expect(await eventOf(j.messageId, 'DISPATCHED')).toMatchObject({
      channel: 'EMAIL',
      senderId,
      producer: 'email-channel',
    });
    // A redelivered job sends nothing again.
    await publish(j);
    const marker = job('Plain text after the duplicate.');
    await publish(marker);
    await smtp.waitFor((m) => m.text === 'Plain text after the duplicate.');
    expect(smtp.messages.filter((m) => m.subject === 'Uw aanslagbiljet – 2026')).toHaveLength(1);
    expect(smtp.messages.find((m) => m.text === 'Plain text after the duplicate.')?.subject).toBe(
      'Tax office',
    );
  });

  it('maps a permanent (5xx) refusal to FAILED and retries temporary (4xx) ones until the limit', async () => {
    smtp.configure({ reject: 'permanent' });
    const permanent = job('Permanent.');
    await publish(permanent);
    expect((await eventOf(permanent.messageId, 'FAILED')).reason).toBe('email.smtp-550');

    smtp.configure({ reject: 'temporary' });
    const temporary = job('Temporary.');
    await publish(temporary);
    const failed = await eventOf(temporary.messageId, 'FAILED');
    expect(failed.reason).toBe('email.smtp-temporary-451');
    expect(smtp.refused).toBe(3); // 1 permanent + 2 temporary tries
    smtp.configure({ reject: undefined });
  });

  it('keeps addresses and content out of logs and database rows', async () => {
    const joined = logs.lines.join('\n');
    expect(joined).not.toContain(address);
    expect(joined).not.toContain('aanslagbiljet');
    const rows = (await dataSource.query(`SELECT * FROM "${schema}"."email_address"`)) as Array<{
      address_box: Buffer;
    }>;
    expect(rows[0].address_box.includes(Buffer.from(address))).toBe(false);
  });
});
