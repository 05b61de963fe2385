import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createAvroCodec, type DeliveryEvent } from '@smis/contracts';
import { createKafka, MessagingModule, silentLogger, type MessageProducer } from '@smis/messaging';
import { testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { mkdtempSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusModule } from './status.module';
import { StatusService } from './status.service';
import { verifyWebhookSignature } from './webhooks/signature';

// `npm start` runs on embedded PGlite (one connection, same SQL): the same path, end to end.
describe('status service on embedded PGlite', () => {
  const eventsTopic = uniqueName('smis.events.pglite');
  const codec = createAvroCodec();
  let app: INestApplication;
  let producer: MessageProducer;
  let server: Server;
  let secret = '';
  const received: { body: string; valid: boolean }[] = [];

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    const client = createKafka({ brokers, clientId: uniqueName('status-pglite'), logger: silentLogger });
    const admin = client.admin();
    await admin.ensureTopics([{ topic: eventsTopic, numPartitions: 1 }]);
    await admin.disconnect();
    producer = client.producer();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ body, valid: verifyWebhookSignature(secret, req.headers, body).valid });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('status-pglite'), logger: silentLogger },
        }),
        StatusModule.register({
          dataDir: mkdtempSync(path.join(os.tmpdir(), 'smis-status-pglite-')),
          webhookSecretKey: randomBytes(32),
          eventsTopic,
          consumerGroupId: uniqueName('status-pglite'),
          webhooks: {
            allowInsecureUrls: true,
            pollIntervalMs: 100,
            deadLetterTopic: uniqueName('smis.status.dlq.pglite'),
          },
        }),
      ],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('records events, answers the status and delivers a signed webhook', async () => {
    const status = app.get(StatusService);
    const senderId = `s-${randomBytes(4).toString('hex')}`;
    const { port } = server.address() as AddressInfo;
    const subscription = await status.createSubscription(senderId, {
      webhookUrl: `http://127.0.0.1:${port}/hook`,
      eventTypes: ['DELIVERED'],
      delivery: 'both',
    });
    secret = subscription.secret as string;
    const messageId = randomUUID();
    const base = {
      messageId,
      senderId,
      reason: null,
      fromChannel: null,
      toChannel: null,
      deviceId: null,
      planId: null,
    };
    const events: DeliveryEvent[] = [
      {
        ...base,
        eventId: randomUUID(),
        status: 'DELIVERED',
        channel: 'APP',
        attempt: 1,
        occurredAt: 2_000,
        producer: 'app-channel',
      },
      {
        ...base,
        eventId: randomUUID(),
        status: 'ACCEPTED',
        channel: null,
        attempt: null,
        occurredAt: 1_000,
        producer: 'router',
      },
    ];
    await producer.send(
      eventsTopic,
      await Promise.all(
        events.map(async (e) => ({ key: messageId, value: await codec.encode('DeliveryEvent', e) })),
      ),
    );
    const view = await waitFor(
      async () => {
        const v = await status.getMessageStatus(senderId, messageId).catch(() => undefined);
        return v && v.history.length === 2 ? v : undefined;
      },
      { description: 'both events recorded' },
    );
    expect(view.status).toBe('DELIVERED');
    expect(view.history.map((h) => h.status)).toEqual(['ACCEPTED', 'DELIVERED']);
    await waitFor(() => received.length >= 1, { description: 'the webhook' });
    expect(received).toEqual([{ body: expect.stringContaining(events[0].eventId), valid: true }]);
  });
});
