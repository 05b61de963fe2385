import 'reflect-metadata';
import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  createAvroCodec,
  statusTopic,
  type Channel,
  type DeliveryEvent,
  type DeliveryStatus,
} from '@smis/contracts';
import {
  createKafka,
  DEAD_LETTER_HEADERS,
  MessagingModule,
  silentLogger,
  TopicRecorder,
  type ConsumedRecord,
  type KafkaClient,
  type MessageProducer,
  type TopicAdmin,
} from '@smis/messaging';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldEvents } from './domain/status-precedence';
import { deliveryEventsHandler } from './kafka/delivery-events.handler';
import { STATUS_CODEC, STATUS_CONFIG, STATUS_DATA_SOURCE, STATUS_OUTBOX } from './tokens';
import { StatusModule } from './status.module';
import { StatusService } from './status.service';
import type { RecordDeliveryEventCommand } from './usecases/record-delivery-event/record-delivery-event.command';
import { RecordDeliveryEventUseCase } from './usecases/record-delivery-event/record-delivery-event.usecase';
import {
  DeliverWebhooksUseCase,
  WEBHOOK_DEAD_LETTER_HEADERS,
} from './usecases/deliver-webhooks/deliver-webhooks.usecase';
import { SecretBox } from './webhooks/secret-box';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from './webhooks/signature';
import { WebhookTransport } from './webhooks/webhook-transport';

/** Log lines of the application under test, to check that none carries what it must not. */
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

interface ReceivedRequest {
  key: string;
  attempt: number;
  body: string;
  signatureValid: boolean;
  answered: number;
}

/**
 * A webhook receiver on node:http: checks every signature with the exported verifier and answers
 * with `answer(request, attemptsOfThisKeySoFar)`.
 */
async function startReceiver(
  secret: () => string,
  answer: (body: { type: string }, seen: number) => number,
): Promise<{
  url: string;
  requests: ReceivedRequest[];
  accepted: Map<string, number>;
  onRequest(listener: () => void): void;
  close(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  const accepted = new Map<string, number>();
  const listeners: Array<() => void> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const key = String(req.headers[WEBHOOK_HEADERS.idempotencyKey.toLowerCase()]);
      const signatureValid = verifyWebhookSignature(secret(), req.headers, raw, {
        toleranceSeconds: 60,
      }).valid;
      const seen = requests.filter((r) => r.key === key).length;
      const code = signatureValid ? answer(JSON.parse(raw.toString('utf8')) as { type: string }, seen) : 401;
      requests.push({
        key,
        attempt: Number(req.headers[WEBHOOK_HEADERS.attempt.toLowerCase()]),
        body: raw.toString('utf8'),
        signatureValid,
        answered: code,
      });
      if (code >= 200 && code < 300) accepted.set(key, (accepted.get(key) ?? 0) + 1);
      res.writeHead(code, { 'content-type': 'text/plain' }).end(code === 200 ? 'ok' : 'try again');
      for (const listener of listeners) listener();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/smis/webhooks`,
    requests,
    accepted,
    onRequest: (listener) => void listeners.push(listener),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves when `ready()` holds after some request; rejects at the timeout saying what was awaited. */
function whenReceiver(
  receiver: { onRequest(listener: () => void): void },
  ready: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ready()) return resolve();
    const timer = setTimeout(
      () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
    receiver.onRequest(() => {
      if (!ready()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('status service (real broker and PostgreSQL)', () => {
  const codec = createAvroCodec();
  const schema = uniqueName('status_it').replace(/-/g, '_');
  const eventsTopic = uniqueName('smis.events.it');
  const deadLetterTopic = uniqueName('smis.status.webhooks.dlq.it');
  const logs = new CapturingLogger();
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let app: INestApplication;
  let status: StatusService;
  let dataSource: DataSource;
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);

  const newSender = (): string => `s-${randomBytes(5).toString('hex')}`;
  const header = (senderId: string) => ({ 'x-smis-sender-id': senderId });

  function event(
    senderId: string,
    messageId: string,
    status: DeliveryStatus,
    channel: Channel | null,
    minute: number,
    extra: Partial<DeliveryEvent> = {},
  ): DeliveryEvent {
    return {
      eventId: randomUUID(),
      messageId,
      senderId,
      status,
      channel,
      reason: null,
      fromChannel: null,
      toChannel: null,
      deviceId: null,
      planId: null,
      attempt: channel ? 1 : null,
      occurredAt: t0 + minute * 60_000,
      producer: channel ? `${channel.toLowerCase()}-channel` : 'router',
      ...extra,
    };
  }

  async function publish(events: readonly DeliveryEvent[]): Promise<void> {
    const records = await Promise.all(
      events.map(async (e) => ({ key: e.messageId, value: await codec.encode('DeliveryEvent', e) })),
    );
    await producer.send(eventsTopic, records);
  }

  /** The message's view once the event with `eventId` is in its history. */
  function recorded(senderId: string, messageId: string, eventId: string) {
    return waitFor(
      async () => {
        const view = await status.getMessageStatus(senderId, messageId).catch(() => undefined);
        return view?.history.some((h) => h.eventId === eventId) ? view : undefined;
      },
      { description: `event ${eventId} recorded`, intervalMs: 50 },
    );
  }

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('status-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics([{ topic: eventsTopic, numPartitions: 4 }]);
    producer = client.producer();
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('status-app'), logger: silentLogger },
        }),
        StatusModule.register({
          databaseUrl: testDatabaseUrl(),
          schema,
          webhookSecretKey: randomBytes(32),
          eventsTopic,
          consumerGroupId: uniqueName('status-it'),
          partitionsConsumedConcurrently: 4,
          webhooks: {
            allowInsecureUrls: true,
            pollIntervalMs: 100,
            timeoutMs: 2_000,
            deadLetterTopic,
            retry: { windowMs: 2_500, initialDelayMs: 50, maxDelayMs: 400, factor: 2, jitter: 0.2 },
          },
        }),
      ],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: logs });
    await app.init();
    status = app.get(StatusService);
    dataSource = app.get(STATUS_DATA_SOURCE);
  });

  afterAll(async () => {
    if (process.env.STATUS_TEST_LOGS) process.stderr.write(logs.lines.join('\n') + '\n');
    await app?.close();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('folds events in any order, duplicated, into the right status, channels and full history', async () => {
    const sender = newSender();
    const messageId = randomUUID();
    const canaryDevice = `device-canary-${randomBytes(6).toString('hex')}`;
    const inOrder = [
      event(sender, messageId, 'ACCEPTED', null, 0),
      event(sender, messageId, 'ROUTED', 'APP', 1),
      event(sender, messageId, 'DISPATCHED', 'APP', 2),
      event(sender, messageId, 'FAILED', 'APP', 9, { reason: 'app.not-delivered-in-window' }),
      event(sender, messageId, 'FALLBACK', null, 10, {
        fromChannel: 'APP',
        toChannel: 'SMS',
        reason: 'app.not-delivered-in-window',
      }),
      event(sender, messageId, 'ROUTED', 'SMS', 11),
      event(sender, messageId, 'DISPATCHED', 'SMS', 12),
      event(sender, messageId, 'DELIVERED', 'SMS', 13),
      // The app delivers late after all, and the citizen reads it there.
      event(sender, messageId, 'DELIVERED', 'APP', 14, { deviceId: canaryDevice }),
      event(sender, messageId, 'READ', 'APP', 20, { deviceId: canaryDevice }),
    ];
    const [accepted, , , failed, , , , , , read] = inOrder;
    // Newest first, with repeats; the ACCEPTED goes last, so once it is recorded every record
    // before it on the partition (same key) has been handled.
    const arrival = [read, ...[...inOrder].reverse().slice(1, -1), read, failed, inOrder[2], accepted];
    await publish(arrival);

    const view = await recorded(sender, messageId, accepted.eventId);
    expect(view.status).toBe('READ');
    expect(view.statusAt).toBe(new Date(read.occurredAt).toISOString());
    expect(view.channels).toEqual([
      expect.objectContaining({ channel: 'APP', status: 'READ', eventId: read.eventId }),
      expect.objectContaining({ channel: 'SMS', status: 'DELIVERED' }),
    ]);
    expect(view.fallbacks).toEqual([
      expect.objectContaining({ from: 'APP', to: 'SMS', reason: 'app.not-delivered-in-window' }),
    ]);
    expect(view.history.map((h) => h.eventId)).toEqual(inOrder.map((e) => e.eventId));
    expect(view.history.map((h) => h.status)).toEqual(inOrder.map((e) => e.status));

    // The sender's topic gets each distinct event once, as MessageStatus: no device, plan or producer.
    const recorder = await TopicRecorder.start(client, { topic: statusTopic(sender) });
    try {
      const records = await recorder.waitForCount(inOrder.length);
      const statuses = await Promise.all(
        records.map((r) => codec.decode('MessageStatus', r.value as Buffer)),
      );
      expect(new Set(statuses.map((s) => s.eventId))).toEqual(new Set(inOrder.map((e) => e.eventId)));
      expect(records.every((r) => r.key === messageId)).toBe(true);
      expect(records.some((r) => (r.value as Buffer).includes(canaryDevice))).toBe(false);
    } finally {
      await recorder.stop();
    }

    // Trust boundary: no stored row and no log line carries the device id.
    for (const table of ['message_status', 'channel_status', 'status_event', 'outbox', 'webhook_delivery']) {
      const rows = (await dataSource.query(`SELECT t::text AS row FROM "${schema}"."${table}" t`)) as {
        row: string;
      }[];
      expect(rows.filter((r) => r.row.includes(canaryDevice))).toEqual([]);
    }
    expect(logs.lines.filter((l) => l.includes(canaryDevice))).toEqual([]);

    // The same view over HTTP, for this sender only.
    const http = request(app.getHttpServer());
    const ok = await http.get(`/v1/status/messages/${messageId}`).set(header(sender)).expect(200);
    expect(ok.body).toEqual(view);
    const other = await http.get(`/v1/status/messages/${messageId}`).set(header(newSender())).expect(404);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ status: 404, title: 'Not found' });
    await http.get(`/v1/status/messages/${messageId}`).expect(401);
    const invalid = await http.get('/v1/status/messages/not-a-uuid').set(header(sender)).expect(400);
    expect(invalid.body.errors).toEqual([{ field: 'messageId', message: 'must be a UUID' }]);
  });

  it('refuses an event of a message that belongs to another sender, leaving the message alone', async () => {
    const owner = newSender();
    const messageId = randomUUID();
    const first = event(owner, messageId, 'ACCEPTED', null, 0);
    const hijack = event(newSender(), messageId, 'READ', 'APP', 5);
    const last = event(owner, messageId, 'ROUTED', 'APP', 1);
    const dlq = await TopicRecorder.start(client, { topic: `${eventsTopic}.dlq` });
    try {
      await publish([first, hijack, last]);
      const view = await recorded(owner, messageId, last.eventId);
      expect(view.status).toBe('ROUTED');
      expect(view.history.map((h) => h.eventId)).toEqual([first.eventId, last.eventId]);
      const dead = await dlq.waitFor((r) => r.key === messageId);
      expect(dead.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/belongs to another sender/);
    } finally {
      await dlq.stop();
    }
  });

  it('records a batch around poison events: only the undecodable and the refused one are dead-lettered', async () => {
    const owner = newSender();
    const messageId = randomUUID();
    const otherMessage = randomUUID();
    const good = [
      event(owner, messageId, 'ACCEPTED', null, 0),
      event(owner, messageId, 'ROUTED', 'SMS', 1),
      event(owner, otherMessage, 'ACCEPTED', null, 0),
      event(owner, messageId, 'DISPATCHED', 'SMS', 2),
      event(owner, otherMessage, 'ROUTED', 'APP', 1),
    ];
    const hijack = event(newSender(), messageId, 'READ', 'APP', 5);
    const encode = async (e: DeliveryEvent) => codec.encode('DeliveryEvent', e);
    const dlq = await TopicRecorder.start(client, { topic: `${eventsTopic}.dlq` });
    try {
      // One key, so one partition: fetched together, in this order.
      const values = [
        await encode(good[0]),
        Buffer.from('not an avro record'),
        await encode(good[1]),
        await encode(good[2]),
        await encode(hijack),
        await encode(good[3]),
        await encode(good[4]),
      ];
      await producer.send(
        eventsTopic,
        values.map((value) => ({ key: messageId, value })),
      );
      const view = await recorded(owner, messageId, good[3].eventId);
      expect(view.status).toBe('DISPATCHED');
      expect(view.history.map((h) => h.eventId)).toEqual([good[0], good[1], good[3]].map((e) => e.eventId));
      const other = await recorded(owner, otherMessage, good[4].eventId);
      expect(other.history.map((h) => h.eventId)).toEqual([good[2], good[4]].map((e) => e.eventId));

      const dead = await waitFor(
        () => {
          const mine = dlq.records.filter((r) => r.key === messageId);
          return mine.length >= 2 && mine;
        },
        { description: 'two dead letters' },
      );
      expect(dead).toHaveLength(2);
      expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.error]).sort()).toEqual([
        'DecodeError',
        'NonRetriableError',
      ]);
      const refused = dead.find((r) => r.headers[DEAD_LETTER_HEADERS.error] === 'NonRetriableError');
      expect(refused?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/belongs to another sender/);
      expect(refused?.value).toEqual(await encode(hijack));
      expect(dead.find((r) => r.headers[DEAD_LETTER_HEADERS.error] === 'DecodeError')?.value).toEqual(
        Buffer.from('not an avro record'),
      );
    } finally {
      await dlq.stop();
    }
  });

  it('records concurrent batches of the same messages, each in one transaction, to the status precedence gives', async () => {
    const sender = newSender();
    const useCase = app.get(RecordDeliveryEventUseCase);
    const calls = { batched: 0, oneByOne: 0 };
    const counting = {
      executeBatch: (commands: readonly RecordDeliveryEventCommand[]) => {
        calls.batched++;
        return useCase.executeBatch(commands);
      },
      execute: (command: RecordDeliveryEventCommand) => {
        calls.oneByOne++;
        return useCase.execute(command);
      },
    } as unknown as RecordDeliveryEventUseCase;
    const handler = deliveryEventsHandler(app.get(STATUS_CODEC), counting);
    const messages = Array.from({ length: 100 }, () => randomUUID());
    const eventsOf = new Map(
      messages.map((id) => [
        id,
        [
          event(sender, id, 'ACCEPTED', null, 0),
          event(sender, id, 'ROUTED', 'APP', 1),
          event(sender, id, 'DISPATCHED', 'APP', 2),
          event(sender, id, 'FAILED', 'APP', 9, { reason: 'app.not-delivered-in-window' }),
          event(sender, id, 'FALLBACK', null, 10, { fromChannel: 'APP', toChannel: 'SMS' }),
          event(sender, id, 'ROUTED', 'SMS', 11),
          event(sender, id, 'DISPATCHED', 'SMS', 12),
          event(sender, id, 'DELIVERED', 'SMS', 13),
        ],
      ]),
    );
    // Four partitions, each holding two events of every message, the messages in a different
    // order in each: four transactions want the same rows at the same time.
    const partitions = [0, 1, 2, 3].map((p) => {
      const order = p % 2 === 0 ? messages : [...messages].reverse();
      return order.flatMap((id) => (eventsOf.get(id) as DeliveryEvent[]).filter((_, i) => i % 4 === p));
    });
    const asRecords = (events: DeliveryEvent[], partition: number): Promise<ConsumedRecord[]> =>
      Promise.all(
        events.map(async (e, offset) => ({
          topic: eventsTopic,
          partition,
          offset: String(offset),
          key: e.messageId,
          value: await codec.encode('DeliveryEvent', e),
          headers: {},
          timestamp: new Date(),
          attempt: 1,
        })),
      );
    await Promise.all(
      partitions.map(async (events, partition) =>
        handler(await asRecords(events, partition), {
          groupId: 'status-concurrency-it',
          deliveredFrom: { topic: eventsTopic, partition },
          heartbeat: async () => undefined,
        }),
      ),
    );
    expect(calls).toEqual({ batched: 4, oneByOne: 0 });

    for (const id of messages) {
      const events = eventsOf.get(id) as DeliveryEvent[];
      const expected = foldEvents(events);
      const view = await status.getMessageStatus(sender, id);
      expect(view.status).toBe(expected.message?.status);
      expect(view.statusAt).toBe(new Date(expected.message?.occurredAt ?? 0).toISOString());
      expect(view.channels).toEqual([
        expect.objectContaining({
          channel: 'APP',
          status: 'FAILED',
          eventId: expected.channels.APP?.eventId,
        }),
        expect.objectContaining({
          channel: 'SMS',
          status: 'DELIVERED',
          eventId: expected.channels.SMS?.eventId,
        }),
      ]);
      expect(view.history.map((h) => h.eventId)).toEqual(events.map((e) => e.eventId));
    }
    // Every event goes to the sender's topic, once.
    const recorder = await TopicRecorder.start(client, { topic: statusTopic(sender) });
    try {
      const records = await recorder.waitForCount(messages.length * 8);
      const ids = await Promise.all(
        records.map(async (r) => (await codec.decode('MessageStatus', r.value as Buffer)).eventId),
      );
      expect(new Set(ids).size).toBe(messages.length * 8);
    } finally {
      await recorder.stop();
    }
  });

  it('gives the right status when the events of a message arrive on partitions consumed in parallel', async () => {
    const sender = newSender();
    const messages = Array.from({ length: 25 }, () => randomUUID());
    const all = messages.flatMap((id) => [
      event(sender, id, 'ACCEPTED', null, 0),
      event(sender, id, 'ROUTED', 'APP', 1),
      event(sender, id, 'DISPATCHED', 'APP', 2),
      event(sender, id, 'DELIVERED', 'APP', 3),
      event(sender, id, 'READ', 'APP', 4),
      event(sender, id, 'DISPATCHED', 'APP', 2), // a second attempt, reported late
    ]);
    // Each message's events on every partition (the consumer takes four at once).
    await producer.send(
      eventsTopic,
      await Promise.all(
        all.map(async (e, i) => ({
          key: e.messageId,
          partition: i % 4,
          value: await codec.encode('DeliveryEvent', e),
        })),
      ),
    );
    for (const id of messages) {
      const events = all.filter((e) => e.messageId === id);
      const view = await waitFor(
        async () => {
          const v = await status.getMessageStatus(sender, id).catch(() => undefined);
          return v && v.history.length === events.length ? v : undefined;
        },
        { description: `every event of ${id} recorded`, intervalMs: 50 },
      );
      const expected = foldEvents(events);
      expect(view.status).toBe('READ');
      expect(view.statusAt).toBe(new Date(expected.message?.occurredAt ?? 0).toISOString());
      expect(view.channels).toEqual([
        expect.objectContaining({ channel: 'APP', status: 'READ', eventId: expected.channels.APP?.eventId }),
      ]);
    }
  });

  it('manages subscriptions over HTTP, sender-scoped, with the secret shown once and sealed at rest', async () => {
    const sender = newSender();
    const http = request(app.getHttpServer());
    const invalid = await http
      .post('/v1/status/subscriptions')
      .set(header(sender))
      .send({ eventTypes: ['READ', 'OPENED'], delivery: 'webhook', colour: 'blue' })
      .expect(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'eventTypes',
      'webhookUrl',
      'colour',
    ]);
    await http
      .post('/v1/status/subscriptions')
      .set(header(sender))
      .send({ webhookUrl: 'ftp://example.org/hook' })
      .expect(400);

    const created = await http
      .post('/v1/status/subscriptions')
      .set(header(sender))
      .send({ webhookUrl: 'http://127.0.0.1:9/hook', eventTypes: ['READ', 'DELIVERED'] })
      .expect(201);
    expect(created.body).toMatchObject({
      senderId: sender,
      delivery: 'webhook',
      eventTypes: ['DELIVERED', 'READ'],
      enabled: true,
      secret: expect.stringMatching(/^whsec_/),
    });
    const id = created.body.id as string;
    const [{ secret_ciphertext: sealed }] = (await dataSource.query(
      `SELECT "secret_ciphertext" FROM "${schema}"."subscription" WHERE "id" = $1`,
      [id],
    )) as { secret_ciphertext: string }[];
    expect(sealed).not.toContain(created.body.secret.slice(6));
    expect(logs.lines.some((l) => l.includes(created.body.secret))).toBe(false);

    const listed = await http.get('/v1/status/subscriptions').set(header(sender)).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ id, webhookUrl: 'http://127.0.0.1:9/hook' })]);
    expect(listed.body[0]).not.toHaveProperty('secret');
    await http.get(`/v1/status/subscriptions/${id}`).set(header(newSender())).expect(404);

    const rotated = await http
      .patch(`/v1/status/subscriptions/${id}`)
      .set(header(sender))
      .send({ delivery: 'both', rotateSecret: true, enabled: false })
      .expect(200);
    expect(rotated.body).toMatchObject({
      delivery: 'both',
      enabled: false,
      disabledReason: 'paused by the sender',
    });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const topicOnly = await http
      .patch(`/v1/status/subscriptions/${id}`)
      .set(header(sender))
      .send({ delivery: 'topic', webhookUrl: null, enabled: true })
      .expect(200);
    expect(topicOnly.body).toMatchObject({
      delivery: 'topic',
      webhookUrl: null,
      enabled: true,
      disabledReason: null,
    });
    await http.post(`/v1/status/subscriptions/${id}/test`).set(header(sender)).expect(400);

    await http.delete(`/v1/status/subscriptions/${id}`).set(header(newSender())).expect(404);
    await http.delete(`/v1/status/subscriptions/${id}`).set(header(sender)).expect(204);
    await http.get(`/v1/status/subscriptions/${id}`).set(header(sender)).expect(404);
  });

  it('documents the API in OpenAPI', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('SMIS status').build());
    expect(Object.keys(document.paths).sort()).toEqual([
      '/v1/status/messages/{messageId}',
      '/v1/status/subscriptions',
      '/v1/status/subscriptions/{subscriptionId}',
      '/v1/status/subscriptions/{subscriptionId}/test',
    ]);
    expect(Object.keys(document.paths['/v1/status/subscriptions/{subscriptionId}']).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(document.components?.schemas).toHaveProperty('MessageStatusDto');
    expect(document.components?.schemas).toHaveProperty('ProblemDetailsDto');
  });

  it('delivers each subscribed event exactly once to a receiver that fails three times, with valid signatures', async () => {
    const sender = newSender();
    let secret = '';
    const receiver = await startReceiver(
      () => secret,
      (body, seen) => (body.type === 'webhook.test' || seen >= 3 ? 200 : 500),
    );
    try {
      const subscription = await status.createSubscription(sender, {
        webhookUrl: receiver.url,
        eventTypes: ['DELIVERED', 'READ'],
      });
      secret = subscription.secret as string;

      // The test endpoint: one signed test event, the receiver's answer reported.
      const tested = await request(app.getHttpServer())
        .post(`/v1/status/subscriptions/${subscription.id}/test`)
        .set(header(sender))
        .expect(200);
      expect(tested.body).toMatchObject({
        delivered: true,
        statusCode: 200,
        error: null,
        responseBody: 'ok',
      });
      expect(receiver.requests).toEqual([
        expect.objectContaining({ key: tested.body.eventId, signatureValid: true }),
      ]);

      const messageId = randomUUID();
      const events = [
        event(sender, messageId, 'ACCEPTED', null, 0),
        event(sender, messageId, 'DISPATCHED', 'APP', 1),
        event(sender, messageId, 'DELIVERED', 'APP', 2),
        event(sender, messageId, 'READ', 'APP', 3),
      ];
      const wanted = events
        .filter((e) => e.status === 'DELIVERED' || e.status === 'READ')
        .map((e) => e.eventId);
      await publish(events);
      await whenReceiver(
        receiver,
        () => wanted.every((key) => receiver.accepted.has(key)),
        'both events accepted',
      );
      await waitFor(
        async () => {
          const rows = (await dataSource.query(
            `SELECT "event_id", "state", "attempts" FROM "${schema}"."webhook_delivery" WHERE "subscription_id" = $1`,
            [subscription.id],
          )) as { event_id: string; state: string; attempts: number }[];
          return rows.length === wanted.length && rows.every((r) => r.state === 'delivered')
            ? rows
            : undefined;
        },
        { description: 'deliveries marked delivered' },
      );
      // The filter queued only DELIVERED and READ (queued in the event's transaction, so final now).
      await recorded(sender, messageId, events[3].eventId);
      const queued = (await dataSource.query(
        `SELECT "event_id" FROM "${schema}"."webhook_delivery" WHERE "subscription_id" = $1`,
        [subscription.id],
      )) as { event_id: string }[];
      expect(queued.map((q) => q.event_id).sort()).toEqual([...wanted].sort());

      for (const key of wanted) {
        const attempts = receiver.requests.filter((r) => r.key === key);
        expect(receiver.accepted.get(key)).toBe(1);
        expect(attempts.map((a) => a.answered)).toEqual([500, 500, 500, 200]);
        expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
        expect(attempts.every((a) => a.signatureValid)).toBe(true);
        expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
        expect(JSON.parse(attempts[0].body)).toMatchObject({
          type: 'message.status',
          eventId: key,
          messageId,
          senderId: sender,
        });
      }
      expect(receiver.requests.some((r) => !r.signatureValid)).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('dead-letters and disables the subscription when the receiver stays down past the retry window', async () => {
    const sender = newSender();
    const down = await startReceiver(
      () => '',
      () => 200,
    );
    const url = down.url;
    await down.close(); // nothing listens there any more: connections are refused
    const subscription = await status.createSubscription(sender, { webhookUrl: url, delivery: 'both' });
    const dlq = await TopicRecorder.start(client, { topic: deadLetterTopic });
    try {
      const messageId = randomUUID();
      const events = [
        event(sender, messageId, 'ACCEPTED', null, 0),
        event(sender, messageId, 'ROUTED', 'SMS', 1),
      ];
      await publish(events);
      const mine = (r: { headers: Record<string, string> }) =>
        r.headers[WEBHOOK_DEAD_LETTER_HEADERS.senderId] === sender;
      const dead = await waitFor(() => dlq.records.filter(mine).length >= 2 && dlq.records.filter(mine), {
        description: 'two dead letters of this sender',
      });
      expect(dead.map((r) => r.headers[WEBHOOK_DEAD_LETTER_HEADERS.eventId]).sort()).toEqual(
        events.map((e) => e.eventId).sort(),
      );
      for (const record of dead) {
        expect(record.key).toBe(messageId);
        expect(record.headers[WEBHOOK_DEAD_LETTER_HEADERS.subscriptionId]).toBe(subscription.id);
        expect(record.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(statusTopic(sender));
        expect(record.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/retry window/);
        const decoded = await codec.decode('MessageStatus', record.value as Buffer);
        expect(decoded.eventId).toBe(record.headers[WEBHOOK_DEAD_LETTER_HEADERS.eventId]);
      }
      expect(dead.some((r) => r.headers[DEAD_LETTER_HEADERS.error] === 'WebhookRetryWindowExhausted')).toBe(
        true,
      );

      const disabled = await status.getSubscription(sender, subscription.id);
      expect(disabled.enabled).toBe(false);
      expect(disabled.disabledReason).toMatch(/retry window .*ECONNREFUSED/);
      const states = (await dataSource.query(
        `SELECT DISTINCT "state" FROM "${schema}"."webhook_delivery" WHERE "subscription_id" = $1`,
        [subscription.id],
      )) as { state: string }[];
      expect(states).toEqual([{ state: 'dead' }]);
      // The topic half of a 'both' subscription is unaffected.
      const recorder = await TopicRecorder.start(client, { topic: statusTopic(sender) });
      await recorder.waitForCount(2).finally(() => recorder.stop());
    } finally {
      await dlq.stop();
    }
  });

  it('never hands one delivery to two pollers at once (several instances on one queue)', async () => {
    const sender = newSender();
    let secret = '';
    const receiver = await startReceiver(
      () => secret,
      () => 200,
    );
    try {
      const subscription = await status.createSubscription(sender, { webhookUrl: receiver.url });
      secret = subscription.secret as string;
      const count = 40;
      const keys = Array.from({ length: count }, () => randomUUID());
      const messageId = randomUUID();
      await dataSource.query(
        `INSERT INTO "${schema}"."webhook_delivery"
           ("subscription_id", "sender_id", "event_id", "message_id", "body", "record", "next_attempt_at", "deadline_at")
         SELECT $1, $2, key::uuid, $3, json_build_object('type', 'message.status', 'eventId', key)::text, '\\x00'::bytea,
                now(), now() + interval '1 hour'
           FROM unnest($4::text[]) AS key`,
        [subscription.id, sender, messageId, keys],
      );
      // Three more instances next to the application's own poller, each claiming small batches.
      const instances = [1, 2, 3].map(
        () =>
          new DeliverWebhooksUseCase(
            dataSource,
            app.get(STATUS_OUTBOX),
            app.get(STATUS_CONFIG),
            app.get(SecretBox),
            app.get(WebhookTransport),
          ),
      );
      const drain = async (instance: DeliverWebhooksUseCase) => {
        while ((await instance.execute(3)) > 0) {
          /* until nothing is due */
        }
      };
      await Promise.all(instances.map(drain));
      await whenReceiver(
        receiver,
        () => keys.every((k) => receiver.accepted.has(k)),
        'every delivery accepted',
      );
      expect(keys.map((k) => receiver.accepted.get(k))).toEqual(keys.map(() => 1));
      expect(receiver.requests).toHaveLength(count);
      expect(receiver.requests.every((r) => r.signatureValid && r.attempt === 1)).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
