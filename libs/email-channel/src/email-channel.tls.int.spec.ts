import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
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
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEmailChannelConfig } from './config';
import { EmailChannelModule } from './email-channel.module';
import { SmtpSender } from './smtp/smtp-sender';
import { selfSignedCertificate, verifyDkim } from './testing/tls-and-dkim';
import { registerAddress } from './testing/register-address';
import { EMAIL_DATA_SOURCE } from './tokens';

/**
 * SMTP as it runs in production: the server offers STARTTLS with a certificate the channel is
 * configured to trust (a self-signed one, made here), accepts AUTH only over TLS, and every
 * message carries a DKIM signature that verifies with the selector's public key.
 */
describe('e-mail channel over STARTTLS with a trusted self-signed certificate, DKIM-signed', () => {
  const codec = createAvroCodec();
  const crypto = createSodiumEnvelopeCrypto();
  const keyring = generateKeyring();
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const emailKey = keyring.channels.email;
  const domainKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'email') as DomainKeyConfig;
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
  const schema = uniqueName('email_tls_it').replace(/-/g, '_');
  const topics = {
    jobs: uniqueName('smis.channel.email.tls-it'),
    registrations: uniqueName('smis.registrations.email.tls-it'),
    events: uniqueName('smis.events.tls-it'),
  };
  const address = 'an.janssens@example.be';
  const tls = selfSignedCertificate(['127.0.0.1', 'localhost']);
  const dkimKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dkim = {
    domainName: 'smis.example',
    keySelector: 'smis2026',
    privateKey: dkimKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
  const smtpUser = { username: 'smis', password: 'capture-tls-pass' };
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let events: TopicRecorder;
  let smtp: SmtpCaptureServer;
  let app: INestApplication;
  let dataSource: DataSource;

  const recipient = () =>
    Buffer.from(
      transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym('niss:85073003328'), 'email'),
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
    client = createKafka({ brokers, clientId: uniqueName('email-tls-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
    producer = client.producer();
    events = await TopicRecorder.start(client, { topic: topics.events });
    // With a certificate, the capture server offers STARTTLS and refuses AUTH (so mail) without it.
    smtp = await startSmtpCaptureServer({ ...smtpUser, tls });
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('email-tls-app'), logger: silentLogger },
        }),
        EmailChannelModule.register(
          {
            databaseUrl: testDatabaseUrl(),
            schema,
            channelKey: emailKey,
            domainKey,
            from: 'SMIS <no-reply@smis.example>',
            topics,
            consumerGroupPrefix: uniqueName('email-tls-it'),
            maxTemporaryFailures: 1,
            smtp: {
              host: smtp.host,
              port: smtp.port,
              ...smtpUser,
              requireTls: true,
              rejectUnauthorized: true,
              ca: tls.cert,
              dkim,
            },
          },
          { senders },
        ),
      ],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
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

  it('delivers over STARTTLS, authenticated, with a DKIM-Signature that verifies', async () => {
    const subject = 'Uw aanslagbiljet 2026 – beveiligd verstuurd';
    const j = job(JSON.stringify({ subject, body: 'Beste,\nUw aanslagbiljet staat klaar.\nÉén klik.' }));
    await producer.send(topics.jobs, [{ key: j.messageId, value: await codec.encode('EmailChannelJob', j) }]);
    const mail = await smtp.waitFor((m) => m.subject === subject);
    expect(mail).toMatchObject({ to: [address], from: 'no-reply@smis.example', user: 'smis', secure: true });
    expect(mail.text).toBe('Beste,\nUw aanslagbiljet staat klaar.\nÉén klik.');
    expect(await eventOf(j.messageId, 'DISPATCHED')).toMatchObject({ channel: 'EMAIL', senderId });

    // What a receiving server does with the public key it finds at smis2026._domainkey.smis.example.
    expect(mail.headers['dkim-signature']).toBeDefined();
    const check = verifyDkim(mail.raw, dkimKeys.publicKey);
    expect(check).toMatchObject({ domain: 'smis.example', selector: 'smis2026' });
    expect(check.signedHeaders).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'message-id']));
    // The verifier is no rubber stamp: a changed body, a changed header or another key fail.
    expect(() => verifyDkim(mail.raw.replace('staat klaar', 'staat KLAAR'), dkimKeys.publicKey)).toThrow(
      /body hash/,
    );
    expect(() =>
      verifyDkim(mail.raw.replace(/^To: .*$/m, 'To: someone.else@example.be'), dkimKeys.publicKey),
    ).toThrow(/does not verify/);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(() => verifyDkim(mail.raw, otherKey)).toThrow(/does not verify/);
  });

  it('refuses a server whose certificate it was not told to trust, and sends nothing to it', async () => {
    const before = smtp.messages.length;
    const mail = {
      from: 'SMIS <no-reply@smis.example>',
      to: address,
      subject: 'Only to a trusted server',
      text: 'Only to a trusted server.',
      messageId: `<${randomUUID()}@smis.example>`,
    };
    const base = { host: smtp.host, port: smtp.port, ...smtpUser, requireTls: true, timeoutMs: 5_000 };
    const config = (smtpConfig: Parameters<typeof validateEmailChannelConfig>[0]['smtp']) =>
      validateEmailChannelConfig({ channelKey: emailKey, domainKey, smtp: smtpConfig }).smtp;

    const attempt = async (smtpConfig: Parameters<typeof config>[0]) => {
      const sender = new SmtpSender(config(smtpConfig));
      try {
        return await sender.send(mail);
      } finally {
        sender.close();
      }
    };

    // The system's CAs only: the self-signed certificate is refused (a temporary failure: ours).
    expect(await attempt(base)).toMatchObject({ kind: 'temporary', detail: 'ESOCKET' });
    // Another certificate trusted in its place: refused too.
    expect(await attempt({ ...base, ca: selfSignedCertificate(['127.0.0.1']).cert })).toMatchObject({
      kind: 'temporary',
    });
    expect(smtp.messages.length).toBe(before);
    // The same settings trusting the server's certificate: sent, over TLS.
    expect(await attempt({ ...base, ca: tls.cert })).toMatchObject({ kind: 'accepted' });
    expect(smtp.messages.slice(before)).toEqual([
      expect.objectContaining({ subject: 'Only to a trusted server', secure: true }),
    ]);
    expect(() => config({ ...base, ca: 'not a certificate' })).toThrow(/smtp\.ca must be PEM/);
  });
});
