import 'reflect-metadata';
import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  createAvroCodec,
  type AppChannelJob,
  type DeliveryEvent,
  type PreferenceUpdate,
} from '@smis/contracts';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { generateKeyring } from '@smis/keyring';
import {
  createKafka,
  DEAD_LETTER_HEADERS,
  deadLetterTopicName,
  MessagingModule,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type MessageProducer,
  type TopicAdmin,
} from '@smis/messaging';
import type { Outbox } from '@smis/persistence';
import { createDomainDecryptor, createTranscryptor } from '@smis/pseudonym';
import { startPushEmulators, type PushEmulators } from '@smis/push-emulators';
import { createSenderRegistry, DEFAULT_POLICY } from '@smis/senders';
import { testDatabaseUrl, testKafkaBrokers, uniqueName } from '@smis/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppChannelModule } from './app-channel.module';
import { emulatorPushConfig } from './emulator-config';
import { APP_CHANNEL_TABLES } from './entities';
import { KeyDirectoryService } from './key-directory';
import { fromWire, toWire } from './pseudonyms';
import {
  enrolCitizen,
  inProcessTranscryption,
  joseCredentialVerifier,
  newDevice,
  sealFor,
  type TestCitizen,
  type TestDevice,
} from './testing/fixtures';
import { APP_CHANNEL_DATA_SOURCE, APP_CHANNEL_OUTBOX } from './tokens';
import { SweepExpiredUseCase } from './usecases/sweep-expired/sweep-expired.usecase';
import {
  AcknowledgeMessageUseCase,
  type AckItem,
} from './usecases/acknowledge-message/acknowledge-message.usecase';
import { AppChannelStore } from './store';

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

describe('app channel (real broker, PostgreSQL and push emulators)', () => {
  const codec = createAvroCodec();
  const crypto = createSodiumEnvelopeCrypto();
  const keyring = generateKeyring();
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const appKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'app')!;
  const routerKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'router')!;
  const schema = uniqueName('app_channel_it').replace(/-/g, '_');
  const jobsTopic = uniqueName('smis.channel.app.it');
  const eventsTopic = uniqueName('smis.events.it');
  const preferencesTopic = uniqueName('smis.preferences.it');
  const senderId = 'tax-office';
  const sender = crypto.generateSenderKeyPair();
  const canary = `CANARY-${randomBytes(8).toString('hex')}`;
  const logs = new CapturingLogger();
  const citizensIdentifiers: string[] = [];
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let events: TopicRecorder;
  let app: INestApplication;
  let baseUrl: string;
  let emulators: PushEmulators;
  let dataSource: DataSource;

  const http = () => request(app.getHttpServer());
  const lookupSenderKey = (id: string, keyId: string) =>
    id === senderId && keyId === sender.keyId ? sender.publicKey : undefined;

  async function citizen(): Promise<TestCitizen> {
    const c = await enrolCitizen(keyring);
    citizensIdentifiers.push(c.identifier);
    return c;
  }

  function signed(
    device: TestDevice,
    method: 'get' | 'post' | 'put' | 'delete',
    path: string,
    body?: unknown,
  ) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = http()
      [method](path)
      .set(device.sign(method.toUpperCase(), path, text));
    return text === undefined ? req : req.set('content-type', 'application/json').send(text);
  }

  async function register(
    who: TestCitizen,
    device: TestDevice,
    push: { provider: string; token?: string; subscription?: unknown } | null,
  ): Promise<void> {
    await signed(device, 'post', '/v1/app/devices', {
      credential: who.credential,
      encryptionPublicKey: Buffer.from(device.keys.publicKey).toString('base64'),
      signingPublicKey: Buffer.from(device.signing.publicKey).toString('base64'),
      push,
      notificationsEnabled: push !== null,
      locale: 'nl-BE',
      appVersion: '1.0.0',
    }).expect(201);
  }

  /** A job for `who`, sealed to `devices`, as the router would publish it (`partition` pins it). */
  async function jobRecord(
    who: TestCitizen,
    devices: readonly TestDevice[],
    options: { content?: string; envelope?: Buffer; recipient?: Buffer; partition?: number } = {},
  ) {
    const messageId = randomUUID();
    const now = Date.now();
    const expiresAt = now + 3_600_000;
    const envelope =
      options.envelope ??
      sealFor(
        sender,
        senderId,
        messageId,
        options.content ?? `${canary} test result`,
        devices.map((d) => d.keys).length ? devices.map((d) => d.keys) : [crypto.generateDeviceKeyPair()],
        expiresAt,
      );
    const job: AppChannelJob = {
      messageId,
      senderId,
      planId: randomUUID(),
      attempt: 1,
      createdAt: now,
      expiresAt,
      recipient: options.recipient ?? toWire(transcryptor.transcrypt(who.pp, 'app'), 'app'),
      priority: 'NORMAL',
      envelope,
      fallbackAt: now + 900_000,
    };
    const value = await codec.encode('AppChannelJob', job);
    return { messageId, sentAt: now, record: { key: messageId, value, partition: options.partition } };
  }

  async function sendJob(
    who: TestCitizen,
    devices: readonly TestDevice[],
    content = `${canary} test result`,
  ) {
    const job = await jobRecord(who, devices, { content });
    await producer.send(jobsTopic, [job.record]);
    return { messageId: job.messageId, sentAt: job.sentAt };
  }

  /** The pushes FCM accepted for `messageId`. */
  function fcmPushesOf(messageId: string) {
    return emulators.fcm.received.filter(
      (p) =>
        p.status === 200 &&
        (JSON.parse(p.body.toString('utf8')) as { message: { data?: { mid?: string } } }).message.data
          ?.mid === messageId,
    );
  }

  /**
   * Records the statuses the app channel writes to its outbox, per messageId, while `during`
   * runs; `fail(statuses)` may make a write fail instead (as if the database went away).
   */
  async function watchOutbox<T>(
    during: (written: Map<string, string[]>) => Promise<T>,
    fail: (statuses: string[]) => boolean = () => false,
  ): Promise<T> {
    const outbox = app.get<Outbox>(APP_CHANNEL_OUTBOX);
    const add = outbox.add.bind(outbox);
    const written = new Map<string, string[]>();
    outbox.add = async (manager, entries) => {
      const decoded = await Promise.all(entries.map((e) => codec.decode('DeliveryEvent', e.value as Buffer)));
      if (fail(decoded.map((e) => e.status))) throw new Error('connection to the database lost');
      await add(manager, entries);
      for (const e of decoded) written.set(e.messageId, [...(written.get(e.messageId) ?? []), e.status]);
    };
    try {
      return await during(written);
    } finally {
      outbox.add = add;
    }
  }

  async function inboxRows(messageIds: readonly string[]): Promise<string[]> {
    const rows = (await dataSource.query(
      `SELECT "message_id" FROM "${schema}"."inbox_message" WHERE "message_id" = ANY($1::text[])`,
      [messageIds],
    )) as { message_id: string }[];
    return rows.map((r) => r.message_id).sort();
  }

  /** The event of `messageId` with `status` (and device), waiting for records as they arrive. */
  async function event(
    messageId: string,
    status: string,
    deviceId?: string,
  ): Promise<DeliveryEvent & { publishedAt: number }> {
    for (let seen = 0; ;) {
      const records = events.records;
      for (const r of records.slice(seen)) {
        if (r.key !== messageId) continue;
        const e = await codec.decode('DeliveryEvent', r.value as Buffer);
        if (e.status === status && (deviceId === undefined || e.deviceId === deviceId))
          return { ...e, publishedAt: r.timestamp.getTime() };
      }
      seen = records.length;
      await events.waitForCount(seen + 1);
    }
  }

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('app-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics([
      { topic: jobsTopic, numPartitions: 2 },
      { topic: eventsTopic, numPartitions: 2 },
      { topic: preferencesTopic, numPartitions: 1 },
    ]);
    producer = client.producer();
    emulators = await startPushEmulators();
    events = await TopicRecorder.start(client, { topic: eventsTopic });
    const senders = createSenderRegistry([
      {
        senderId,
        displayName: { en: 'Tax office', nl: 'FOD Financiën', fr: 'SPF Finances' },
        logo: 'https://example.org/logo.png',
        signingKeys: [{ keyId: sender.keyId, publicKey: Buffer.from(sender.publicKey).toString('base64') }],
        policy: DEFAULT_POLICY,
      },
    ]);
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('app-channel'), logger: silentLogger },
        }),
        AppChannelModule.register(
          {
            databaseUrl: testDatabaseUrl(),
            schema,
            domainKey: appKey,
            jobsTopic,
            eventsTopic,
            preferencesTopic,
            consumerGroupId: uniqueName('app-channel-it'),
            push: {
              ...emulatorPushConfig(emulators),
              maxAttempts: 3,
              initialBackoffMs: 20,
              maxBackoffMs: 200,
            },
          },
          {
            transcription: inProcessTranscryption(keyring),
            credentials: joseCredentialVerifier(keyring),
            senders,
          },
        ),
      ],
    })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { logger: logs, rawBody: true });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    dataSource = app.get(APP_CHANNEL_DATA_SOURCE);
  });

  afterAll(async () => {
    if (process.env.APP_CHANNEL_TEST_LOGS) process.stderr.write(`${logs.lines.join('\n')}\n`);
    await app?.close();
    await events?.stop();
    await emulators?.close();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('delivers one message to two devices of a citizen (FCM and Web Push); each opens it with its own key', async () => {
    const who = await citizen();
    const phone = newDevice();
    const browser = newDevice();
    const fcmToken = `fcm-${randomBytes(12).toString('hex')}`;
    const subscription = emulators.webPush.createSubscription();
    await register(who, phone, { provider: 'fcm', token: fcmToken });
    await register(who, browser, { provider: 'webpush', subscription: subscription.subscription });

    const { messageId } = await sendJob(who, [phone, browser]);

    const fcmPush = await emulators.fcm.waitFor(
      (p) => p.token === fcmToken && p.status === 200,
      'the FCM push',
    );
    const fcmBody = JSON.parse(fcmPush.body.toString('utf8')) as {
      message: { data: Record<string, string> };
    };
    expect(fcmBody.message.data).toEqual({ mid: messageId });
    const webPush = await emulators.webPush.waitFor(
      (p) => p.token === subscription.id && p.status === 201,
      'the Web Push',
    );
    expect(JSON.parse(emulators.webPush.decrypt(webPush).toString('utf8'))).toEqual({ mid: messageId });
    for (const push of [fcmPush.body.toString('utf8'), emulators.webPush.decrypt(webPush).toString('utf8')]) {
      expect(push).not.toContain(senderId);
      expect(push).not.toContain(canary);
    }
    await event(messageId, 'DISPATCHED', phone.deviceId);
    await event(messageId, 'DISPATCHED', browser.deviceId);

    for (const device of [phone, browser]) {
      const inbox = await signed(device, 'get', '/v1/app/inbox').expect(200);
      expect(inbox.body.items.map((i: { messageId: string }) => i.messageId)).toContain(messageId);
      const fetched = await signed(device, 'get', `/v1/app/messages/${messageId}`).expect(200);
      const opened = crypto.open(Buffer.from(fetched.body.envelope, 'base64'), device.keys, {
        lookupSenderKey,
      });
      expect(Buffer.from(opened.content).toString('utf8')).toBe(`${canary} test result`);
      expect(opened.messageId).toBe(messageId);
    }
    // A device of another citizen sees nothing of it.
    const stranger = newDevice();
    await register(await citizen(), stranger, null);
    await signed(stranger, 'get', `/v1/app/messages/${messageId}`).expect(404);
  });

  it('answers FAILED within a second for a citizen without any device', async () => {
    const nobody = await citizen();
    const { messageId, sentAt } = await sendJob(nobody, []);
    const failed = await event(messageId, 'FAILED');
    expect(failed.reason).toBe('app.no-device');
    expect(failed.channel).toBe('APP');
    expect(failed.occurredAt - sentAt).toBeLessThan(1_000);
    expect(failed.publishedAt - sentAt).toBeLessThan(1_000);
  });

  it('removes a gone token and skips it on the next message, while the other device still gets pushes', async () => {
    const who = await citizen();
    const iphone = newDevice();
    const android = newDevice();
    const apnsToken = randomBytes(32).toString('hex');
    const fcmToken = `fcm-${randomBytes(12).toString('hex')}`;
    await register(who, iphone, { provider: 'apns', token: apnsToken });
    await register(who, android, { provider: 'fcm', token: fcmToken });
    emulators.apns.markGone(apnsToken);
    emulators.fcm.throttle(fcmToken, 1, 0); // one 429 first: retried with backoff

    const first = await sendJob(who, [iphone, android]);
    await event(first.messageId, 'DISPATCHED', android.deviceId);
    const refused = emulators.apns.received.filter((p) => p.token === apnsToken);
    expect(refused.map((p) => [p.status, p.reason])).toEqual([[410, 'Unregistered']]);
    expect(emulators.fcm.received.filter((p) => p.token === fcmToken).map((p) => p.status)).toEqual([
      429, 200,
    ]);
    const [row] = (await dataSource.query(
      `SELECT "push_token" FROM "${schema}"."device" WHERE "device_id" = $1`,
      [iphone.deviceId],
    )) as { push_token: string | null }[];
    expect(row.push_token).toBeNull();

    const second = await sendJob(who, [iphone, android]);
    await event(second.messageId, 'DISPATCHED', android.deviceId);
    expect(emulators.apns.received.filter((p) => p.token === apnsToken)).toHaveLength(1);
    const devices = await signed(android, 'get', '/v1/app/devices').expect(200);
    expect(
      devices.body.find((d: { deviceId: string }) => d.deviceId === iphone.deviceId).pushProvider,
    ).toBeNull();
  });

  it('publishes FAILED app.push-failed when every push fails', async () => {
    const who = await citizen();
    const device = newDevice();
    const token = `fcm-${randomBytes(12).toString('hex')}`;
    await register(who, device, { provider: 'fcm', token });
    emulators.fcm.throttle(token, 10, 0);
    const { messageId } = await sendJob(who, [device]);
    const failed = await event(messageId, 'FAILED');
    expect(failed.reason).toBe('app.push-failed');
    expect(emulators.fcm.received.filter((p) => p.token === token).map((p) => p.status)).toEqual([
      429, 429, 429,
    ]);
  });

  it('publishes DELIVERED on acknowledgement and READ on the read receipt, once each', async () => {
    const who = await citizen();
    const device = newDevice();
    const token = `fcm-${randomBytes(12).toString('hex')}`;
    await register(who, device, { provider: 'fcm', token });
    const { messageId } = await sendJob(who, [device]);
    await event(messageId, 'DISPATCHED', device.deviceId);
    await signed(device, 'post', `/v1/app/messages/${messageId}/delivered`).expect(204);
    const delivered = await event(messageId, 'DELIVERED', device.deviceId);
    await signed(device, 'post', `/v1/app/messages/${messageId}/read`).expect(204);
    const read = await event(messageId, 'READ', device.deviceId);
    expect(read.occurredAt).toBeGreaterThanOrEqual(delivered.occurredAt);
    expect([delivered.senderId, read.senderId]).toEqual([senderId, senderId]);
    // Again: no second READ; then delete, after which the message is gone for the device.
    await signed(device, 'post', `/v1/app/messages/${messageId}/read`).expect(204);
    await signed(device, 'delete', `/v1/app/messages/${messageId}`).expect(204);
    await signed(device, 'get', `/v1/app/messages/${messageId}`).expect(404);
    const marker = await sendJob(who, [device]);
    await event(marker.messageId, 'DISPATCHED', device.deviceId);
    const all = await Promise.all(
      events.records
        .filter((r) => r.key === messageId)
        .map((r) => codec.decode('DeliveryEvent', r.value as Buffer)),
    );
    expect(all.filter((e) => e.status === 'READ')).toHaveLength(1);
    expect(all.filter((e) => e.status === 'DELIVERED')).toHaveLength(1);
  });

  it('offers a new message to the live connection of a foreground app at once, without a push', async () => {
    const who = await citizen();
    const device = newDevice();
    const token = `fcm-${randomBytes(12).toString('hex')}`;
    await register(who, device, { provider: 'fcm', token });
    const controller = new AbortController();
    const res = await fetch(`${baseUrl}/v1/app/events`, {
      headers: device.sign('GET', '/v1/app/events'),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let buffered = '';
    const nextEvent = async (): Promise<{ event: string; data: unknown }> => {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const field = (name: string) =>
            block
              .split('\n')
              .find((l) => l.startsWith(`${name}:`))
              ?.slice(name.length + 1)
              .trim();
          return { event: field('event') ?? 'message', data: JSON.parse(field('data') ?? 'null') };
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('live connection closed');
        buffered += Buffer.from(chunk.value).toString('utf8');
      }
    };
    try {
      expect(await nextEvent()).toEqual({ event: 'ready', data: { deviceId: device.deviceId } });
      const { messageId } = await sendJob(who, [device]);
      expect(await nextEvent()).toEqual({ event: 'message', data: { messageId } });
      await event(messageId, 'DISPATCHED', device.deviceId);
      expect(emulators.fcm.received.filter((p) => p.token === token)).toEqual([]);
    } finally {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
  });

  it('publishes preferences keyed by the app pseudonym, with a router-domain recipient of the same citizen', async () => {
    const who = await citizen();
    const device = newDevice();
    await register(who, device, null);
    const recorder = await TopicRecorder.start(client, { topic: preferencesTopic });
    try {
      const put = await signed(device, 'put', '/v1/app/preferences', {
        channelOrder: ['APP', 'EMAIL'],
        mutedCategories: ['tax'],
      }).expect(200);
      expect(put.body).toMatchObject({
        channelOrder: ['APP', 'EMAIL'],
        mutedCategories: ['tax'],
        mutedSenders: [],
      });
      const muted = await signed(device, 'put', `/v1/app/preferences/muted-senders/${senderId}`).expect(200);
      expect(muted.body.mutedSenders).toEqual([senderId]);
      const [, second] = await recorder.waitForCount(2);
      const update: PreferenceUpdate = await codec.decode('PreferenceUpdate', second.value as Buffer);
      expect(update).toMatchObject({
        channelOrder: ['APP', 'EMAIL'],
        mutedSenders: [senderId],
        mutedCategories: ['tax'],
      });
      const routerDecryptor = createDomainDecryptor(routerKey);
      const viaAppChannel = routerDecryptor.decrypt(fromWire(update.recipient as Buffer, 'router'));
      const direct = routerDecryptor.decrypt(transcryptor.transcrypt(who.pp, 'router'));
      expect(viaAppChannel).toBe(direct);
      const appLocal = createDomainDecryptor(appKey).decrypt(transcryptor.transcrypt(who.pp, 'app'));
      expect(second.key).toBe(appLocal);
      expect(second.key).not.toBe(direct);
      const got = await signed(device, 'get', '/v1/app/preferences').expect(200);
      expect(got.body).toMatchObject({ channelOrder: ['APP', 'EMAIL'], mutedSenders: [senderId] });
    } finally {
      await recorder.stop();
    }
  });

  it('answers key directory lookups by polymorphic pseudonym, and forgets revoked devices', async () => {
    const directory = app.get(KeyDirectoryService);
    const who = await citizen();
    const a = newDevice();
    const b = newDevice();
    await register(who, a, { provider: 'fcm', token: `fcm-${randomBytes(12).toString('hex')}` });
    await register(who, b, null);
    const reach = await directory.lookup(who.pp);
    expect(reach.appInstalled).toBe(true);
    expect(reach.notificationsEnabled).toBe(true);
    expect(new Set(reach.devices.map((d) => d.keyId))).toEqual(new Set([a.keys.keyId, b.keys.keyId]));
    expect(reach.devices.find((d) => d.keyId === b.keys.keyId)?.publicKey).toBe(
      Buffer.from(b.keys.publicKey).toString('base64'),
    );

    await signed(b, 'delete', `/v1/app/devices/${a.deviceId}`).expect(204);
    await signed(b, 'delete', `/v1/app/devices/${a.deviceId}`).expect(404);
    const strangers = newDevice();
    await register(await citizen(), strangers, null);
    await signed(strangers, 'delete', `/v1/app/devices/${b.deviceId}`).expect(404);
    const after = await directory.lookup(who.pp);
    expect(after.devices.map((d) => d.keyId)).toEqual([b.keys.keyId]);
    expect(after.notificationsEnabled).toBe(false);
    await signed(a, 'get', '/v1/app/inbox').expect(401);

    const unknown = await directory.lookup((await enrolCitizen(keyring)).pp);
    expect(unknown).toEqual({ appInstalled: false, notificationsEnabled: false, devices: [] });
  });

  it('stores a device update: the next push goes to the new address, and the key directory follows the permission', async () => {
    const directory = app.get(KeyDirectoryService);
    const who = await citizen();
    const device = newDevice();
    const oldToken = `fcm-${randomBytes(12).toString('hex')}`;
    await register(who, device, { provider: 'fcm', token: oldToken });
    expect(await directory.lookup(who.pp)).toMatchObject({ appInstalled: true, notificationsEnabled: true });
    const stored = async () =>
      (
        (await dataSource.query(
          `SELECT "push_provider", "push_token", "notifications_enabled", "locale", "app_version"
             FROM "${schema}"."device" WHERE "device_id" = $1`,
          [device.deviceId],
        )) as Record<string, unknown>[]
      )[0];

    // The app moved to another push address (here: from FCM to APNs) and another language.
    const apnsToken = randomBytes(32).toString('hex');
    await signed(device, 'put', '/v1/app/devices/current', {
      push: { provider: 'apns', token: apnsToken },
      locale: 'fr-BE',
    }).expect(204);
    expect(await stored()).toEqual({
      push_provider: 'apns',
      push_token: apnsToken,
      notifications_enabled: true,
      locale: 'fr-BE',
      app_version: '1.0.0',
    });
    const listed = await signed(device, 'get', '/v1/app/devices').expect(200);
    expect(listed.body).toEqual([
      expect.objectContaining({
        deviceId: device.deviceId,
        pushProvider: 'apns',
        notificationsEnabled: true,
        locale: 'fr-BE',
      }),
    ]);

    const { messageId } = await sendJob(who, [device]);
    await event(messageId, 'DISPATCHED', device.deviceId);
    const push = await emulators.apns.waitFor(
      (p) => p.token === apnsToken && p.status === 200,
      'the APNs push to the new token',
    );
    expect(JSON.parse(push.body.toString('utf8'))).toMatchObject({ mid: messageId });
    expect(emulators.fcm.received.filter((p) => p.token === oldToken)).toEqual([]);

    // Notifications switched off, then on again: only that changes, and the directory says so.
    await signed(device, 'put', '/v1/app/devices/current', { notificationsEnabled: false }).expect(204);
    expect(await stored()).toMatchObject({
      push_provider: 'apns',
      push_token: apnsToken,
      notifications_enabled: false,
      locale: 'fr-BE',
    });
    expect(await directory.lookup(who.pp)).toEqual({
      appInstalled: true,
      notificationsEnabled: false,
      devices: [
        { keyId: device.keys.keyId, publicKey: Buffer.from(device.keys.publicKey).toString('base64') },
      ],
    });
    await signed(device, 'put', '/v1/app/devices/current', { notificationsEnabled: true }).expect(204);
    expect((await directory.lookup(who.pp)).notificationsEnabled).toBe(true);

    // A wrong field changes nothing.
    const invalid = await signed(device, 'put', '/v1/app/devices/current', {
      notificationsEnabled: 'yes',
      locale: 'fr-BE',
    }).expect(400);
    expect(invalid.body.errors).toEqual([{ field: 'notificationsEnabled', message: 'must be a boolean' }]);
    expect(await stored()).toMatchObject({ notifications_enabled: true, push_token: apnsToken });
  });

  it('syncs the inbox page by page with a cursor: every message once, in order, and then only new ones', async () => {
    const who = await citizen();
    const device = newDevice();
    await register(who, device, null);
    // One at a time, so the inbox order is the sending order (no push address: FAILED, but filed).
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { messageId } = await sendJob(who, [device]);
      expect((await event(messageId, 'FAILED')).reason).toBe('app.no-push-target');
      sent.push(messageId);
    }
    const page = async (after?: string) => {
      const path = `/v1/app/inbox?limit=2${after === undefined ? '' : `&after=${after}`}`;
      const res = await signed(device, 'get', path).expect(200);
      return res.body as { items: { messageId: string }[]; cursor: string; hasMore: boolean };
    };

    const pages: { items: { messageId: string }[]; cursor: string; hasMore: boolean }[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const p = await page(cursor);
      pages.push(p);
      cursor = p.cursor;
      if (!p.hasMore) break;
    }
    expect(pages.map((p) => [p.items.length, p.hasMore])).toEqual([
      [2, true],
      [2, true],
      [1, false],
    ]);
    expect(pages.flatMap((p) => p.items.map((i) => i.messageId))).toEqual(sent);

    // The last cursor answers nothing new, with the same cursor, until a message arrives.
    const idle = await page(cursor);
    expect(idle).toEqual({ items: [], cursor, hasMore: false });
    const late = await sendJob(who, [device]);
    await event(late.messageId, 'FAILED');
    const next = await page(cursor);
    expect(next.items.map((i) => i.messageId)).toEqual([late.messageId]);
    expect(next.hasMore).toBe(false);
    expect(await page(next.cursor)).toEqual({ items: [], cursor: next.cursor, hasMore: false });
    const invalid = await signed(device, 'get', '/v1/app/inbox?after=not-a-cursor').expect(400);
    expect(invalid.body.errors).toEqual([
      { field: 'after', message: 'must be a cursor from a previous page' },
    ]);
  });

  it('refuses unsigned, stale, replayed, forged and mismatched device requests', async () => {
    const who = await citizen();
    const device = newDevice();
    await register(who, device, null);
    await http().get('/v1/app/inbox').expect(401);
    await http()
      .get('/v1/app/inbox')
      .set(device.sign('GET', '/v1/app/inbox', undefined, Date.now() - 10 * 60_000))
      .expect(401);
    const headers = device.sign('GET', '/v1/app/inbox');
    await http().get('/v1/app/inbox').set(headers).expect(200);
    const replay = await http().get('/v1/app/inbox').set(headers).expect(401);
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replay.body.detail).toMatch(/replayed/);
    await http().get('/v1/app/devices').set(device.sign('GET', '/v1/app/inbox')).expect(401);
    const other = newDevice();
    await http()
      .get('/v1/app/inbox')
      .set({ ...other.sign('GET', '/v1/app/inbox'), 'smis-device': device.deviceId })
      .expect(401);
    // A body changed after signing.
    await http()
      .put('/v1/app/preferences')
      .set(device.sign('PUT', '/v1/app/preferences', JSON.stringify({ mutedSenders: [] })))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ mutedSenders: ['someone'] }))
      .expect(401);
    // Registration needs a valid credential, and a device id of another citizen is refused.
    const fresh = newDevice();
    const body = {
      credential: who.credential.replace(
        /\.([^.])([^.]*)$/,
        (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`,
      ),
      encryptionPublicKey: Buffer.from(fresh.keys.publicKey).toString('base64'),
      signingPublicKey: Buffer.from(fresh.signing.publicKey).toString('base64'),
    };
    await signed(fresh, 'post', '/v1/app/devices', body).expect(401);
    const hijack = { ...body, credential: (await citizen()).credential };
    const taken = {
      ...fresh,
      deviceId: device.deviceId,
      sign: (m: string, p: string, b?: string) => newDeviceSign(fresh, device.deviceId, m, p, b),
    };
    await signed(taken, 'post', '/v1/app/devices', hijack).expect(409);
    const invalid = await signed(fresh, 'post', '/v1/app/devices', {
      ...body,
      credential: who.credential,
      encryptionPublicKey: 'short',
    }).expect(400);
    expect(invalid.body.errors).toEqual([
      { field: 'encryptionPublicKey', message: 'must be a 32-byte key in base64' },
    ]);
  });

  it('dead-letters the poison jobs of a batch alone and delivers the others once each', async () => {
    const who = await citizen();
    const device = newDevice();
    await register(who, device, { provider: 'fcm', token: `fcm-${randomBytes(12).toString('hex')}` });
    const dlq = await TopicRecorder.start(client, { topic: deadLetterTopicName(jobsTopic) });
    try {
      await watchOutbox(async (written) => {
        const good = await Promise.all([1, 2, 3, 4].map(() => jobRecord(who, [device], { partition: 0 })));
        const badEnvelope = await jobRecord(who, [device], { envelope: randomBytes(200), partition: 0 });
        const badRecipient = await jobRecord(who, [device], {
          recipient: Buffer.alloc(64, 0xff),
          partition: 0,
        });
        const undecodable = { key: randomUUID(), value: randomBytes(40), partition: 0 };
        const marker = await jobRecord(who, [device], { partition: 0 });
        // One send: one record batch on partition 0, fetched and handled as one batch.
        await producer.send(jobsTopic, [
          good[0].record,
          badEnvelope.record,
          good[1].record,
          undecodable,
          good[2].record,
          badRecipient.record,
          good[3].record,
          marker.record,
        ]);
        // The marker is last in its partition: once it is dispatched, the batch is done.
        await event(marker.messageId, 'DISPATCHED', device.deviceId);
        const dead = await dlq.waitForCount(3);
        expect(new Set(dead.map((r) => r.key))).toEqual(
          new Set([badEnvelope.messageId, undecodable.key, badRecipient.messageId]),
        );
        expect(dead.find((r) => r.key === undecodable.key)?.headers[DEAD_LETTER_HEADERS.error]).toBe(
          'DecodeError',
        );
        expect((await event(badEnvelope.messageId, 'FAILED')).reason).toBe('app.malformed-envelope');
        expect((await event(badRecipient.messageId, 'FAILED')).reason).toBe('app.invalid-recipient');
        expect(written.get(badEnvelope.messageId)).toEqual(['FAILED']);
        expect(written.get(badRecipient.messageId)).toEqual(['FAILED']);
        for (const job of [...good, marker]) {
          await event(job.messageId, 'DISPATCHED', device.deviceId);
          expect(written.get(job.messageId)).toEqual(['DISPATCHED']);
          expect(fcmPushesOf(job.messageId)).toHaveLength(1);
        }
        expect(await inboxRows([...good, marker, badEnvelope, badRecipient].map((j) => j.messageId))).toEqual(
          [...good, marker].map((j) => j.messageId).sort(),
        );
        expect(dlq.records).toHaveLength(3);
      });
    } finally {
      await dlq.stop();
    }
  });

  it('delivers a batch whose events transaction failed midway, and once only when it comes again', async () => {
    const who = await citizen();
    const device = newDevice();
    await register(who, device, { provider: 'fcm', token: `fcm-${randomBytes(12).toString('hex')}` });
    let failures = 0;
    // The first write of DISPATCHED events fails, after the batch's pushes went out.
    const failOnce = (statuses: string[]) =>
      failures === 0 && statuses.includes('DISPATCHED') && ++failures > 0;
    await watchOutbox(async (written) => {
      const jobs = await Promise.all([1, 2, 3, 4].map(() => jobRecord(who, [device], { partition: 0 })));
      const marker = await jobRecord(who, [device], { partition: 0 });
      await producer.send(
        jobsTopic,
        [...jobs, marker].map((j) => j.record),
      );
      await event(marker.messageId, 'DISPATCHED', device.deviceId);
      expect(failures).toBe(1);
      expect(logs.lines.some((l) => l.includes('delivering them one by one'))).toBe(true);
      const ids = [...jobs, marker].map((j) => j.messageId);
      for (const id of ids) {
        await event(id, 'DISPATCHED', device.deviceId);
        expect(written.get(id)).toEqual(['DISPATCHED']);
        // Pushed by the failed attempt and again when delivered one by one: at least once.
        expect(fcmPushesOf(id).length).toBeGreaterThanOrEqual(1);
        expect(fcmPushesOf(id).length).toBeLessThanOrEqual(2);
      }
      expect(await inboxRows(ids)).toEqual([...ids].sort());
      const pushed = ids.map((id) => fcmPushesOf(id).length);

      // The same records again (a consumer that crashed before committing): duplicates, no effect.
      const again = await jobRecord(who, [device], { partition: 0 });
      await producer.send(jobsTopic, [...jobs.map((j) => j.record), again.record]);
      await event(again.messageId, 'DISPATCHED', device.deviceId);
      for (const [i, id] of ids.entries()) {
        expect(written.get(id)).toEqual(['DISPATCHED']);
        expect(fcmPushesOf(id)).toHaveLength(pushed[i]);
      }
      expect(await inboxRows(ids)).toEqual([...ids].sort());
    }, failOnce);
  });

  it('publishes one DELIVERED and one READ when two devices acknowledge a message at the same time', async () => {
    const who = await citizen();
    const phone = newDevice();
    const tablet = newDevice();
    await register(who, phone, null);
    await register(who, tablet, null);
    const { messageId } = await sendJob(who, [phone, tablet]);
    // No push address: FAILED app.no-push-target, but the message is in the inbox.
    expect((await event(messageId, 'FAILED')).reason).toBe('app.no-push-target');
    const written = await watchOutbox(async (statuses) => {
      await Promise.all(
        [phone, tablet, phone, tablet].map((d, i) =>
          signed(d, 'post', `/v1/app/messages/${messageId}/${i < 2 ? 'delivered' : 'read'}`).expect(204),
        ),
      );
      return statuses;
    });
    // Every acknowledgement committed before its answer: these are all the events there will be.
    expect([...(written.get(messageId) ?? [])].sort()).toEqual(['DELIVERED', 'READ']);
    await event(messageId, 'READ');
  });

  it('marks a batch of acknowledgements together; strangers, unknown ids and repeats are answered alone', async () => {
    const who = await citizen();
    const phone = newDevice();
    const other = await citizen();
    const stranger = newDevice();
    await register(who, phone, null);
    await register(other, stranger, null);
    const [m1, m2, m3] = [
      await sendJob(who, [phone]),
      await sendJob(who, [phone]),
      await sendJob(who, [phone]),
    ];
    const m4 = await sendJob(other, [stranger]);
    for (const { messageId } of [m1, m2, m3, m4])
      expect((await event(messageId, 'FAILED')).reason).toBe('app.no-push-target');
    const store = app.get(AppChannelStore);
    const phoneRow = (await store.findDevice(phone.deviceId))!;
    const strangerRow = (await store.findDevice(stranger.deviceId))!;
    const acknowledge = app.get(AcknowledgeMessageUseCase);
    const unknown = randomUUID();
    const items: AckItem[] = [
      { device: phoneRow, messageId: m1.messageId, what: 'delivered' },
      { device: phoneRow, messageId: m2.messageId, what: 'read' },
      { device: strangerRow, messageId: m3.messageId, what: 'delivered' },
      { device: phoneRow, messageId: unknown, what: 'delivered' },
      { device: phoneRow, messageId: m1.messageId, what: 'read' },
      { device: strangerRow, messageId: m4.messageId, what: 'delivered' },
    ];
    const { outcomes, written } = await watchOutbox(async (written) => ({
      outcomes: await acknowledge.executeMany(items),
      written,
    }));
    expect(outcomes.map((o) => (o instanceof Error ? o.name : 'ok'))).toEqual([
      'ok',
      'ok',
      'NotFoundError',
      'NotFoundError',
      'ok',
      'ok',
    ]);
    expect(Object.fromEntries([...written].map(([id, statuses]) => [id, [...statuses].sort()]))).toEqual({
      [m1.messageId]: ['DELIVERED', 'READ'],
      [m2.messageId]: ['DELIVERED', 'READ'],
      [m4.messageId]: ['DELIVERED'],
    });
    // The stranger's acknowledgement left m3 alone; the phone's own now marks it, and a batch
    // of repeats publishes nothing more.
    const again = await watchOutbox(async (written) => {
      const outcomes = await acknowledge.executeMany([
        { device: phoneRow, messageId: m3.messageId, what: 'delivered' },
        { device: phoneRow, messageId: m1.messageId, what: 'read' },
        { device: phoneRow, messageId: m2.messageId, what: 'delivered' },
      ]);
      return { outcomes, written };
    });
    expect(again.outcomes).toEqual([undefined, undefined, undefined]);
    expect(Object.fromEntries(again.written)).toEqual({ [m3.messageId]: ['DELIVERED'] });
    // A batch whose transaction fails (its outbox write, here) is rolled back and taken one by
    // one: every acknowledgement still lands, once.
    const [m5, m6] = [await sendJob(who, [phone]), await sendJob(who, [phone])];
    for (const { messageId } of [m5, m6]) await event(messageId, 'FAILED');
    let failures = 0;
    const retried = await watchOutbox(
      async (written) => {
        const outcomes = await acknowledge.executeMany([
          { device: phoneRow, messageId: m5.messageId, what: 'read' },
          { device: phoneRow, messageId: m6.messageId, what: 'delivered' },
        ]);
        return { outcomes, written };
      },
      (statuses) => failures === 0 && statuses.length === 3 && ++failures > 0,
    );
    expect(failures).toBe(1);
    expect(retried.outcomes).toEqual([undefined, undefined]);
    expect(
      Object.fromEntries([...retried.written].map(([id, statuses]) => [id, [...statuses].sort()])),
    ).toEqual({
      [m5.messageId]: ['DELIVERED', 'READ'],
      [m6.messageId]: ['DELIVERED'],
    });
    const marks = (await dataSource.query(
      `SELECT "message_id", "delivered_at" IS NOT NULL AS "delivered", "read_at" IS NOT NULL AS "read"
         FROM "${schema}"."inbox_message" WHERE "message_id" = ANY($1::text[]) ORDER BY "message_id"`,
      [[m1, m2, m3, m4].map((m) => m.messageId)],
    )) as { message_id: string; delivered: boolean; read: boolean }[];
    expect(Object.fromEntries(marks.map((m) => [m.message_id, [m.delivered, m.read]]))).toEqual({
      [m1.messageId]: [true, true],
      [m2.messageId]: [true, true],
      [m3.messageId]: [true, false],
      [m4.messageId]: [true, false],
    });
  });

  it('answers concurrent signed acknowledgements each, coalesced, with one DELIVERED per message', async () => {
    const who = await citizen();
    const phone = newDevice();
    await register(who, phone, null);
    const jobs = await Promise.all(Array.from({ length: 12 }, () => jobRecord(who, [phone])));
    await producer.send(
      jobsTopic,
      jobs.map((j) => j.record),
    );
    for (const { messageId } of jobs) await event(messageId, 'FAILED');
    const acknowledge = app.get(AcknowledgeMessageUseCase);
    const before = { ...acknowledge.coalesced };
    // The read receipt (another path, so no other request of the burst has this signature).
    const replayed = phone.sign('POST', `/v1/app/messages/${jobs[0].messageId}/read`);
    const written = await watchOutbox(async (written) => {
      const answers = await Promise.all([
        ...jobs.map((j) => signed(phone, 'post', `/v1/app/messages/${j.messageId}/delivered`)),
        http().post(`/v1/app/messages/${jobs[0].messageId}/read`).set(replayed),
        http().post(`/v1/app/messages/${jobs[0].messageId}/read`).set(replayed),
      ]);
      expect(answers.slice(0, 12).map((a) => a.status)).toEqual(jobs.map(() => 204));
      // The same signed request twice: one of the two is a replay, whichever batch it went in.
      expect(
        answers
          .slice(12)
          .map((a) => a.status)
          .sort(),
      ).toEqual([204, 401]);
      return written;
    });
    expect(Object.fromEntries([...written].map(([id, statuses]) => [id, [...statuses].sort()]))).toEqual(
      Object.fromEntries(jobs.map((j, i) => [j.messageId, i === 0 ? ['DELIVERED', 'READ'] : ['DELIVERED']])),
    );
    const after = acknowledge.coalesced;
    expect(after.items - before.items).toBe(13);
    expect(after.runs - before.runs).toBeGreaterThanOrEqual(1);
  });

  it('serves the sender directory, sweeps expired messages, and never stores or logs the plaintext', async () => {
    const directory = await http().get('/v1/app/senders').expect(200);
    expect(directory.body).toEqual([
      {
        senderId,
        displayName: { en: 'Tax office', nl: 'FOD Financiën', fr: 'SPF Finances' },
        logo: 'https://example.org/logo.png',
        signingKeys: [
          {
            keyId: sender.keyId,
            publicKey: Buffer.from(sender.publicKey).toString('base64'),
            notAfter: null,
          },
        ],
      },
    ]);

    const [victim] = (await dataSource.query(
      `SELECT "message_id" FROM "${schema}"."inbox_message" LIMIT 1`,
    )) as { message_id: string }[];
    await dataSource.query(
      `UPDATE "${schema}"."inbox_message" SET "expires_at" = now() - interval '1 second' WHERE "message_id" = $1`,
      [victim.message_id],
    );
    const swept = await app.get(SweepExpiredUseCase).execute();
    expect(swept.messages).toBeGreaterThanOrEqual(1);
    expect(
      await dataSource.query(`SELECT 1 FROM "${schema}"."inbox_message" WHERE "message_id" = $1`, [
        victim.message_id,
      ]),
    ).toEqual([]);

    const secrets = [
      canary,
      ...citizensIdentifiers,
      ...citizensIdentifiers.map((i) => i.replace(/^tel:/, '')),
    ];
    for (const table of APP_CHANNEL_TABLES) {
      const rows = (await dataSource.query(`SELECT t::text AS row FROM "${schema}"."${table}" t`)) as {
        row: string;
      }[];
      for (const secret of secrets) expect(rows.filter((r) => r.row.includes(secret))).toEqual([]);
    }
    const envelopes = (await dataSource.query(
      `SELECT "envelope" FROM "${schema}"."inbox_message" WHERE "envelope" IS NOT NULL`,
    )) as {
      envelope: Buffer;
    }[];
    expect(envelopes.length).toBeGreaterThan(0);
    expect(envelopes.filter((e) => e.envelope.includes(canary))).toEqual([]);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(logs.lines.filter((l) => l.includes(secret))).toEqual([]);
  });
});

import { signDeviceRequest } from './http/device-signature';
function newDeviceSign(
  device: TestDevice,
  deviceId: string,
  method: string,
  path: string,
  body?: string,
): Record<string, string> {
  return signDeviceRequest(device.signing, { method, path, deviceId, body });
}
