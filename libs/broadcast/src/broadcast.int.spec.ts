import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AppChannelModule,
  BROADCAST_DELIVERY,
  BroadcastDeliveryService,
  emulatorPushConfig,
} from '@smis/app-channel';
import {
  enrolCitizen,
  inProcessTranscryption,
  joseCredentialVerifier,
  newDevice,
  type TestCitizen,
  type TestDevice,
} from '@smis/app-channel/testing';
import {
  broadcastSigningInput,
  createAvroCodec,
  type Broadcast,
  type DeliveryEvent,
  type Priority,
} from '@smis/contracts';
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
import { createPseudonymizer } from '@smis/pseudonym';
import { startPushEmulators, type PushEmulators } from '@smis/push-emulators';
import { createSenderRegistry, DEFAULT_POLICY } from '@smis/senders';
import { testDatabaseUrl, testKafkaBrokers, uniqueName } from '@smis/testing';
import { randomBytes, randomUUID, sign as edSign, createPrivateKey } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BroadcastModule } from './broadcast.module';
import { BroadcastService } from './broadcast.service';
import { BROADCAST_TABLES } from './entities';
import { BROADCAST_DATA_SOURCE } from './tokens';
import { createBroadcastRecordCodec, type BroadcastProgress } from './contracts/records';
import { verifyEd25519 } from './policy';
import type { BroadcastDeliveryPort } from './ports';
import { chainListDigest, EMPTY_LIST_DIGEST } from './usecases/receive-list-chunk/receive-list-chunk.usecase';

/** Brussels wall-clock HH:MM, `offsetMin` from now. */
function brusselsTime(offsetMin: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Brussels',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(Date.now() + offsetMin * 60_000));
}

describe('broadcast (real broker, PostgreSQL, app channel and push emulators)', () => {
  const codec = createAvroCodec();
  const records = createBroadcastRecordCodec();
  const crypto = createSodiumEnvelopeCrypto();
  const keyring = generateKeyring();
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const appKey = keyring.pseudonym.domainKeys.find(
    (k) => k.domain === 'app',
  ) as (typeof keyring.pseudonym.domainKeys)[number];
  const appSchema = uniqueName('app_channel_bc').replace(/-/g, '_');
  const schema = uniqueName('broadcast_it').replace(/-/g, '_');
  const topics = {
    jobs: uniqueName('smis.channel.app.bc'),
    events: uniqueName('smis.events.bc'),
    preferences: uniqueName('smis.preferences.bc'),
    broadcasts: uniqueName('smis.broadcasts.it'),
    lists: uniqueName('smis.broadcasts.lists.it'),
    progress: uniqueName('smis.broadcasts.progress.it'),
  };
  const topicPrefix = uniqueName('smis').replace(/[^a-zA-Z0-9-]/g, '-');
  const alerts = 'civil-protection';
  const night = 'city-newsletter';
  const alertsKey = crypto.generateSenderKeyPair();
  const nightKey = crypto.generateSenderKeyPair();
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let events: TopicRecorder;
  let progress: TopicRecorder;
  let emulators: PushEmulators;
  let app: INestApplication;
  let service: BroadcastService;

  interface Member {
    who: TestCitizen;
    device: TestDevice;
    provider: 'fcm' | 'apns' | 'webpush';
    token: string;
  }
  const members: Record<'a' | 'b' | 'c' | 'd', Member> = {} as never;

  const http = () => request(app.getHttpServer());

  function signed(device: TestDevice, method: 'get' | 'post' | 'put', path: string, body?: unknown) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = http()
      [method](path)
      .set(device.sign(method.toUpperCase(), path, text));
    return text === undefined ? req : req.set('content-type', 'application/json').send(text);
  }

  async function member(provider: Member['provider'], regions: string[]): Promise<Member> {
    const who = await enrolCitizen(keyring);
    const device = newDevice();
    let token: string;
    let push: unknown;
    if (provider === 'webpush') {
      const sub = emulators.webPush.createSubscription();
      push = { provider, subscription: sub.subscription };
      token = sub.subscription.endpoint.split('/').pop() as string;
    } else {
      token =
        provider === 'apns' ? randomBytes(32).toString('hex') : `fcm-${randomBytes(12).toString('hex')}`;
      push = { provider, token };
    }
    await signed(device, 'post', '/v1/app/devices', {
      credential: who.credential,
      encryptionPublicKey: Buffer.from(device.keys.publicKey).toString('base64'),
      signingPublicKey: Buffer.from(device.signing.publicKey).toString('base64'),
      push,
      notificationsEnabled: true,
    }).expect(201);
    if (regions.length > 0)
      await signed(device, 'put', '/v1/app/preferences', { alertRegions: regions }).expect(200);
    return { who, device, provider, token };
  }

  function signBroadcast(unsigned: Omit<Broadcast, 'signature'>, secretKey: Uint8Array): Broadcast {
    const key = createPrivateKey({
      key: Buffer.concat([
        Buffer.from('302e020100300506032b657004220420', 'hex'),
        Buffer.from(secretKey.slice(0, 32)),
      ]),
      format: 'der',
      type: 'pkcs8',
    });
    return { ...unsigned, signature: edSign(null, broadcastSigningInput(unsigned), key) };
  }

  function broadcast(
    audience: Broadcast['audience'],
    options: { priority?: Priority; category?: string; senderId?: string } = {},
  ): Broadcast {
    const senderId = options.senderId ?? alerts;
    const keys = senderId === alerts ? alertsKey : nightKey;
    const now = Date.now();
    const content = Buffer.from(
      JSON.stringify({ v: 1, lang: 'nl', texts: { nl: { title: 'Alarm', body: 'Overstroming' } } }),
    );
    return signBroadcast(
      {
        broadcastId: randomUUID(),
        senderId,
        senderKeyId: keys.keyId,
        createdAt: now,
        expiresAt: now + 3_600_000,
        audience,
        category: options.category ?? 'alert.flood',
        priority: options.priority ?? 'URGENT',
        content: {
          languages: ['nl'],
          parts: [{ kind: 'TEXT', sizeBytes: content.length }],
          totalSizeBytes: content.length,
        },
        envelope: content,
      },
      keys.secretKey,
    );
  }

  async function publish(b: Broadcast): Promise<void> {
    await producer.send(topics.broadcasts, [
      { key: b.broadcastId, value: await codec.encode('Broadcast', b) },
    ]);
  }

  async function eventOf(broadcastId: string, status: string): Promise<DeliveryEvent> {
    for (let seen = 0; ;) {
      const all = events.records;
      for (const r of all.slice(seen)) {
        if (r.key !== broadcastId) continue;
        const e = await codec.decode('DeliveryEvent', r.value as Buffer);
        if (e.status === status) return e;
      }
      seen = all.length;
      await events.waitForCount(seen + 1);
    }
  }

  async function finalProgress(broadcastId: string): Promise<BroadcastProgress> {
    for (let seen = 0; ;) {
      const all = progress.records;
      for (const r of all.slice(seen)) {
        if (r.key !== broadcastId) continue;
        const p = await records.decode('BroadcastProgress', r.value as Buffer);
        if (p.state === 'DONE' || p.state === 'CANCELLED') return p;
      }
      seen = all.length;
      await progress.waitForCount(seen + 1);
    }
  }

  async function inboxIds(m: Member): Promise<string[]> {
    const res = await signed(m.device, 'get', '/v1/app/inbox').expect(200);
    return (res.body.items as { messageId: string; kind: string }[])
      .filter((i) => i.kind === 'broadcast')
      .map((i) => i.messageId);
  }

  /** Tokens that received a push for `broadcastId` (direct, or as subscribers of a topic message). */
  function reached(broadcastId: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const add = (token: string, how: string) => out.set(token, [...(out.get(token) ?? []), how]);
    for (const p of emulators.fcm.accepted)
      if (p.token && p.body.toString('utf8').includes(broadcastId))
        add(p.token, p.topic ? `fcm-topic:${p.topic}` : 'fcm');
    for (const p of emulators.apns.accepted)
      if (p.body.toString('utf8').includes(broadcastId)) add(p.token, 'apns');
    for (const p of emulators.webPush.accepted)
      if (JSON.parse(emulators.webPush.decrypt(p).toString('utf8')).mid === broadcastId)
        add(p.token, 'webpush');
    return out;
  }

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('broadcast-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 2 })));
    producer = client.producer();
    emulators = await startPushEmulators();
    events = await TopicRecorder.start(client, { topic: topics.events });
    progress = await TopicRecorder.start(client, { topic: topics.progress });
    const senders = createSenderRegistry([
      {
        senderId: alerts,
        displayName: { en: 'Civil protection' },
        signingKeys: [
          { keyId: alertsKey.keyId, publicKey: Buffer.from(alertsKey.publicKey).toString('base64') },
        ],
        policy: { ...DEFAULT_POLICY, broadcastCategories: ['alert.flood'] },
      },
      {
        senderId: night,
        displayName: { en: 'City newsletter' },
        signingKeys: [
          { keyId: nightKey.keyId, publicKey: Buffer.from(nightKey.publicKey).toString('base64') },
        ],
        // Quiet hours around now: non-urgent broadcasts wait until they end.
        policy: {
          ...DEFAULT_POLICY,
          broadcastCategories: ['info.city'],
          quietHours: { start: brusselsTime(-60), end: brusselsTime(120) },
        },
      },
    ]);
    const appChannel = AppChannelModule.register(
      {
        databaseUrl: testDatabaseUrl(),
        schema: appSchema,
        domainKey: appKey,
        jobsTopic: topics.jobs,
        eventsTopic: topics.events,
        preferencesTopic: topics.preferences,
        consumerGroupId: uniqueName('app-channel-bc'),
        broadcastTopicPrefix: topicPrefix,
        push: { ...emulatorPushConfig(emulators), maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 200 },
      },
      {
        transcription: inProcessTranscryption(keyring),
        credentials: joseCredentialVerifier(keyring),
        senders,
      },
    );
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('broadcast'), logger: silentLogger },
        }),
        appChannel,
        BroadcastModule.registerAsync({
          imports: [appChannel],
          inject: [BROADCAST_DELIVERY],
          useFactory: (delivery: BroadcastDeliveryPort) => ({
            config: {
              databaseUrl: testDatabaseUrl(),
              schema,
              broadcastsTopic: topics.broadcasts,
              listsTopic: topics.lists,
              progressTopic: topics.progress,
              eventsTopic: topics.events,
              consumerGroupId: uniqueName('broadcast-it'),
              pollIntervalMs: 200,
              fanOut: { pageSize: 2, concurrency: 4, ratesPerSecond: { apns: 50, webpush: 50 } },
            },
            ports: { senders, delivery },
          }),
        }),
      ],
    })
    class TestModule {}
    app = await NestFactory.create(TestModule, { logger: false, rawBody: true });
    await app.init();
    service = app.get(BroadcastService);
    expect(app.get(BROADCAST_DELIVERY)).toBeInstanceOf(BroadcastDeliveryService);
    members.a = await member('fcm', ['21004']);
    members.b = await member('apns', ['21004', '44021']);
    members.c = await member('webpush', ['44021']);
    members.d = await member('fcm', []);
  });

  afterAll(async () => {
    await app?.close();
    await events?.stop();
    await progress?.stop();
    await emulators?.close();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('subscribes FCM devices to the country topic and their alert regions', () => {
    expect(emulators.fcm.topicsOf(members.a.token)).toEqual([
      `${topicPrefix}-all`,
      `${topicPrefix}-region-21004`,
    ]);
    expect(emulators.fcm.topicsOf(members.d.token)).toEqual([`${topicPrefix}-all`]);
  });

  it('delivers a region broadcast to exactly the subscribed devices: FCM by topic, APNs per device', async () => {
    const b = broadcast({ kind: 'REGIONS', regions: ['21004'], list: null });
    await publish(b);
    await eventOf(b.broadcastId, 'ACCEPTED');
    await eventOf(b.broadcastId, 'DISPATCHED');
    const done = await finalProgress(b.broadcastId);
    expect(done).toMatchObject({
      state: 'DONE',
      topicMessages: 1,
      pushesSent: 1,
      pushesFailed: 0,
      devicesTargeted: 2,
    });

    const got = reached(b.broadcastId);
    expect(Object.fromEntries(got)).toEqual({
      [members.a.token]: [`fcm-topic:${topicPrefix}-region-21004`],
      [members.b.token]: ['apns'],
    });
    expect(await inboxIds(members.a)).toContain(b.broadcastId);
    expect(await inboxIds(members.b)).toContain(b.broadcastId);
    expect(await inboxIds(members.c)).not.toContain(b.broadcastId);
    expect(await inboxIds(members.d)).not.toContain(b.broadcastId);

    // The app fetches it, checks the sender's signature itself, and reports it read.
    const fetched = await signed(members.a.device, 'get', `/v1/app/messages/${b.broadcastId}`).expect(200);
    expect(fetched.body.kind).toBe('broadcast');
    expect(fetched.body.broadcast.verified).toBe(true);
    const input = Buffer.from(fetched.body.broadcast.signingInput, 'base64');
    expect(
      verifyEd25519(input, Buffer.from(fetched.body.broadcast.signature, 'base64'), alertsKey.publicKey),
    ).toBe(true);
    expect(input.includes(Buffer.from(fetched.body.envelope, 'base64'))).toBe(true);
    await signed(members.a.device, 'post', `/v1/app/messages/${b.broadcastId}/read`).expect(204);
    await signed(members.c.device, 'get', `/v1/app/messages/${b.broadcastId}`).expect(404);
    const view = await service.get(alerts, b.broadcastId);
    expect(view).toMatchObject({ state: 'DONE', delivered: 1, read: 1, audience: 'REGIONS' });
    const httpView = await http()
      .get(`/v1/broadcast/broadcasts/${b.broadcastId}`)
      .set('x-smis-sender-id', alerts)
      .expect(200);
    expect(httpView.body).toMatchObject({ state: 'DONE', read: 1 });
    await http().get(`/v1/broadcast/broadcasts/${b.broadcastId}`).set('x-smis-sender-id', night).expect(404);
    // Only a well-formed sender id names a sender.
    await http()
      .get(`/v1/broadcast/broadcasts/${b.broadcastId}`)
      .set('x-smis-sender-id', `${alerts} OR 1=1`)
      .expect(401);
  });

  it('delivers a country broadcast to every device: one FCM topic message, APNs and Web Push per device', async () => {
    const b = broadcast({ kind: 'EVERYONE', regions: [], list: null });
    await publish(b);
    await eventOf(b.broadcastId, 'DISPATCHED');
    const done = await finalProgress(b.broadcastId);
    expect(done).toMatchObject({ state: 'DONE', topicMessages: 1, pushesSent: 2, devicesTargeted: 4 });
    const got = reached(b.broadcastId);
    expect(Object.fromEntries(got)).toEqual({
      [members.a.token]: [`fcm-topic:${topicPrefix}-all`],
      [members.d.token]: [`fcm-topic:${topicPrefix}-all`],
      [members.b.token]: ['apns'],
      [members.c.token]: ['webpush'],
    });
    for (const m of Object.values(members)) expect(await inboxIds(m)).toContain(b.broadcastId);
  });

  it('streams an explicit list on the companion topic, checks count and digest, and pushes each listed device', async () => {
    const listed = [members.a.who.pp, members.c.who.pp].map((pp) => pseudonymizer.rerandomize(pp));
    const strangers = Array.from({ length: 3 }, (_, i) =>
      pseudonymizer.polymorphicPseudonym(`tel:+3247099900${i}`),
    );
    const chunks = [
      [listed[0], strangers[0]],
      [strangers[1], listed[1], strangers[2]],
    ].map((c) => c.map((pp) => Buffer.from(pp, 'base64url')));
    const digest = chunks.reduce<Buffer>((d, c) => chainListDigest(d, c), EMPTY_LIST_DIGEST);
    const listId = randomUUID();
    const b = broadcast({
      kind: 'LIST',
      regions: [],
      list: { listId, recipientCount: 5, listDigest: digest },
    });
    await publish(b);
    await eventOf(b.broadcastId, 'ACCEPTED');
    for (const [i, recipients] of chunks.entries())
      await producer.send(topics.lists, [
        {
          key: b.broadcastId,
          value: await records.encode('BroadcastListChunk', {
            broadcastId: b.broadcastId,
            listId,
            chunkIndex: i,
            recipients,
            last: i === chunks.length - 1,
          }),
        },
      ]);
    await eventOf(b.broadcastId, 'DISPATCHED');
    const done = await finalProgress(b.broadcastId);
    expect(done).toMatchObject({
      state: 'DONE',
      listRecipients: 5,
      topicMessages: 0,
      pushesSent: 2,
      devicesTargeted: 2,
    });
    expect(Object.fromEntries(reached(b.broadcastId))).toEqual({
      [members.a.token]: ['fcm'],
      [members.c.token]: ['webpush'],
    });
    expect(await inboxIds(members.a)).toContain(b.broadcastId);
    expect(await inboxIds(members.c)).toContain(b.broadcastId);
    expect(await inboxIds(members.b)).not.toContain(b.broadcastId);
  });

  it('refuses a list whose digest does not match', async () => {
    const recipients = [Buffer.from(pseudonymizer.polymorphicPseudonym('tel:+32470999111'), 'base64url')];
    const listId = randomUUID();
    const b = broadcast({
      kind: 'LIST',
      regions: [],
      list: { listId, recipientCount: 1, listDigest: Buffer.alloc(32, 7) },
    });
    expect(await service.accept(b)).toMatchObject({ kind: 'accepted', state: 'RECEIVING_LIST' });
    expect(
      await service.receiveListChunk({
        broadcastId: b.broadcastId,
        listId,
        chunkIndex: 0,
        recipients,
        last: true,
      }),
    ).toBe('rejected');
    expect((await eventOf(b.broadcastId, 'REJECTED')).reason).toBe('broadcast.list-digest-mismatch');
  });

  it('refuses senders and categories not allowed to broadcast, and bad signatures', async () => {
    const wrongCategory = broadcast({ kind: 'EVERYONE', regions: [], list: null }, { category: 'info.city' });
    await publish(wrongCategory);
    expect((await eventOf(wrongCategory.broadcastId, 'REJECTED')).reason).toBe(
      'broadcast.category-not-allowed',
    );
    const forged = { ...broadcast({ kind: 'EVERYONE', regions: [], list: null }), category: 'alert.flood' };
    const tampered = { ...forged, envelope: Buffer.from('something else') };
    expect(await service.accept(tampered)).toEqual({ kind: 'rejected', reason: 'broadcast.bad-signature' });
    const unknown = { ...forged, broadcastId: randomUUID(), senderId: 'nobody' };
    expect(await service.accept(unknown)).toEqual({ kind: 'rejected', reason: 'broadcast.unknown-sender' });
    for (const m of Object.values(members))
      expect(await inboxIds(m)).not.toContain(wrongCategory.broadcastId);
  });

  it('defers a non-urgent broadcast to the end of quiet hours, lets an urgent one through, and cancels', async () => {
    const later = broadcast(
      { kind: 'EVERYONE', regions: [], list: null },
      { senderId: night, category: 'info.city', priority: 'NORMAL' },
    );
    const outcome = await service.accept(later);
    expect(outcome.kind).toBe('accepted');
    expect(outcome.kind === 'accepted' && outcome.notBefore).toBeGreaterThan(Date.now() + 60 * 60_000);
    expect((await eventOf(later.broadcastId, 'DEFERRED')).reason).toBe('policy.quiet-hours');
    expect(await service.runDue()).not.toContainEqual(
      expect.objectContaining({ broadcastId: later.broadcastId }),
    );
    for (const m of Object.values(members)) expect(await inboxIds(m)).not.toContain(later.broadcastId);

    const urgent = broadcast(
      { kind: 'EVERYONE', regions: [], list: null },
      { senderId: night, category: 'info.city' },
    );
    expect(await service.accept(urgent)).toMatchObject({ kind: 'accepted', state: 'SCHEDULED' });
    await eventOf(urgent.broadcastId, 'DISPATCHED');

    await http()
      .post(`/v1/broadcast/broadcasts/${later.broadcastId}/cancel`)
      .set('x-smis-sender-id', night)
      .expect(204);
    expect((await eventOf(later.broadcastId, 'FAILED')).reason).toBe('broadcast.cancelled');
    expect(await service.get(night, later.broadcastId)).toMatchObject({ state: 'CANCELLED' });
    await http()
      .post(`/v1/broadcast/broadcasts/${urgent.broadcastId}/cancel`)
      .set('x-smis-sender-id', night)
      .expect(409);
  });

  it('hides a cancelled broadcast from inboxes it already reached', async () => {
    const b = broadcast({ kind: 'REGIONS', regions: ['44021'], list: null });
    await publish(b);
    await eventOf(b.broadcastId, 'DISPATCHED');
    expect(await inboxIds(members.c)).toContain(b.broadcastId);
    await expect(service.cancel(alerts, b.broadcastId)).rejects.toThrow(/DONE/);
    // A finished broadcast stays; the delivery port's cancel hides one still visible.
    await app.get(BroadcastDeliveryService).cancel(b.broadcastId);
    expect(await inboxIds(members.c)).not.toContain(b.broadcastId);
  });

  it('keeps neither content nor recipients in its own schema', async () => {
    const ds = app.get<DataSource>(BROADCAST_DATA_SOURCE);
    const secrets = [
      'Overstroming',
      ...Object.values(members).flatMap((m) => [m.who.identifier, m.who.pp, m.token]),
    ];
    let rows = 0;
    for (const table of BROADCAST_TABLES) {
      const dump = (await ds.query(`SELECT t::text AS "row" FROM "${schema}"."${table}" t`)) as {
        row: string;
      }[];
      rows += dump.length;
      for (const secret of secrets) expect(dump.filter((r) => r.row.includes(secret))).toEqual([]);
    }
    expect(rows).toBeGreaterThan(0);
  });
});
