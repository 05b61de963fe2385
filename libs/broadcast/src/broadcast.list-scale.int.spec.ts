import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppChannelModule, BROADCAST_DELIVERY, type PushProvider } from '@smis/app-channel';
import { inProcessTranscryption, joseCredentialVerifier } from '@smis/app-channel/testing';
import { broadcastSigningInput, type Broadcast } from '@smis/contracts';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { generateKeyring } from '@smis/keyring';
import { createKafka, MessagingModule, silentLogger } from '@smis/messaging';
import { createSenderRegistry, DEFAULT_POLICY } from '@smis/senders';
import { testDatabaseUrl, testKafkaBrokers, uniqueName } from '@smis/testing';
import { createPrivateKey, randomBytes, randomUUID, sign as edSign } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BroadcastModule } from './broadcast.module';
import { BroadcastService } from './broadcast.service';
import type { BroadcastDeliveryPort } from './ports';
import { BROADCAST_DATA_SOURCE } from './tokens';
import { chainListDigest, EMPTY_LIST_DIGEST } from './usecases/receive-list-chunk/receive-list-chunk.usecase';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const RECIPIENTS = 1_000_000;
const CHUNK = 10_000;
/** Every DEVICE_EVERY-th listed recipient has a registered device. */
const DEVICE_EVERY = 500;
const MB = 1024 * 1024;

/**
 * A 1,000,000-recipient list broadcast in bounded memory: synthetic polymorphic pseudonyms are
 * generated chunk by chunk (never all at once) and go through the real list intake, the app
 * channel's PostgreSQL tables and the real fan-out. The list path's transcryption is replaced by a
 * cheap deterministic mapping (ports.listRecipientResolver): the ristretto255 work is measured by
 * the crypto bench, and the real path is covered by broadcast.int.spec.ts.
 */
describe('broadcast to a 1,000,000-recipient list (PostgreSQL, bounded memory)', () => {
  const crypto = createSodiumEnvelopeCrypto();
  const keyring = generateKeyring();
  const salt = randomBytes(56);
  const appSchema = uniqueName('app_channel_scale').replace(/-/g, '_');
  const schema = uniqueName('broadcast_scale').replace(/-/g, '_');
  const senderKey = crypto.generateSenderKeyPair();
  const pushed = new Set<string>();
  let app: INestApplication;
  let service: BroadcastService;

  const recipient = (i: number): Buffer => {
    const b = Buffer.alloc(64);
    b.writeUInt32BE(i, 0);
    salt.copy(b, 8);
    return b;
  };
  /** The fake transcryption: the app-local pseudonym of a synthetic recipient. */
  const localOf = (pp: string): string => `L${pp.slice(0, 12)}`;

  function* chunks(): Generator<Buffer[]> {
    for (let start = 0; start < RECIPIENTS; start += CHUNK)
      yield Array.from({ length: Math.min(CHUNK, RECIPIENTS - start) }, (_, j) => recipient(start + j));
  }

  const fakeApns: PushProvider = {
    kind: 'apns',
    async send(token) {
      pushed.add(token);
      return { kind: 'sent' };
    },
  };

  const topics = {
    jobs: uniqueName('smis.channel.app.scale'),
    broadcasts: uniqueName('smis.broadcasts.scale'),
    lists: uniqueName('smis.broadcasts.lists.scale'),
  };

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    const admin = createKafka({ brokers, clientId: uniqueName('scale-admin'), logger: silentLogger }).admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
    await admin.disconnect();
    const senders = createSenderRegistry([
      {
        senderId: 'health-ministry',
        displayName: { en: 'Health' },
        signingKeys: [
          { keyId: senderKey.keyId, publicKey: Buffer.from(senderKey.publicKey).toString('base64') },
        ],
        policy: { ...DEFAULT_POLICY, broadcastCategories: ['health.campaign'] },
      },
    ]);
    const appChannel = AppChannelModule.register(
      {
        databaseUrl: testDatabaseUrl(),
        schema: appSchema,
        domainKey: keyring.pseudonym.domainKeys.find(
          (k) => k.domain === 'app',
        ) as (typeof keyring.pseudonym.domainKeys)[number],
        consumerGroupId: uniqueName('app-scale'),
        jobsTopic: topics.jobs,
      },
      {
        transcription: inProcessTranscryption(keyring),
        credentials: joseCredentialVerifier(keyring),
        senders,
        pushProviders: { apns: fakeApns },
        listRecipientResolver: async (pps) => pps.map(localOf),
      },
    );
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('scale'), logger: silentLogger },
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
              consumerGroupId: uniqueName('broadcast-scale'),
              // The test drives the schedule itself.
              pollIntervalMs: 3_600_000,
              fanOut: { pageSize: 500, concurrency: 32, ratesPerSecond: { apns: 100_000 } },
            },
            ports: { senders, delivery },
          }),
        }),
      ],
    })
    class ScaleModule {}
    app = await NestFactory.create(ScaleModule, { logger: false });
    await app.init();
    service = app.get(BroadcastService);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('files the list chunk by chunk and pushes the listed devices, retaining no list in memory', async () => {
    // Devices for every 500th listed citizen, filed straight in the app channel's tables (same database).
    const appDb = (app.get(BROADCAST_DATA_SOURCE) as DataSource).manager;
    const ids: string[] = [];
    const locals: string[] = [];
    for (let i = 0; i < RECIPIENTS; i += DEVICE_EVERY) {
      ids.push(`scale-device-${String(i).padStart(8, '0')}`);
      locals.push(localOf(recipient(i).toString('base64url')));
    }
    await appDb.query(
      `INSERT INTO "${appSchema}"."device" ("device_id", "key_id", "encryption_public_key", "signing_public_key",
         "push_provider", "push_token", "notifications_enabled")
       SELECT id, 'k', 'e', 's', 'apns', 'tok-' || id, true FROM unnest($1::text[]) AS id`,
      [ids],
    );
    await appDb.query(
      `INSERT INTO "${appSchema}"."device_pseudonym" ("device_id", "pseudonym") SELECT * FROM unnest($1::text[], $2::text[])`,
      [ids, locals],
    );

    let digest: Buffer = EMPTY_LIST_DIGEST;
    for (const chunk of chunks()) digest = chainListDigest(digest, chunk);
    const listId = randomUUID();
    const now = Date.now();
    const unsigned: Omit<Broadcast, 'signature'> = {
      broadcastId: randomUUID(),
      senderId: 'health-ministry',
      senderKeyId: senderKey.keyId,
      createdAt: now,
      expiresAt: now + 86_400_000,
      audience: {
        kind: 'LIST',
        regions: [],
        list: { listId, recipientCount: RECIPIENTS, listDigest: digest },
      },
      category: 'health.campaign',
      priority: 'URGENT',
      content: { languages: ['nl'], parts: [{ kind: 'TEXT', sizeBytes: 40 }], totalSizeBytes: 40 },
      envelope: Buffer.from('{"v":1,"lang":"nl","texts":{"nl":{"title":"Vaccin"}}}'),
    };
    const secret = createPrivateKey({
      key: Buffer.concat([
        Buffer.from('302e020100300506032b657004220420', 'hex'),
        Buffer.from(senderKey.secretKey.slice(0, 32)),
      ]),
      format: 'der',
      type: 'pkcs8',
    });
    const b: Broadcast = { ...unsigned, signature: edSign(null, broadcastSigningInput(unsigned), secret) };
    expect(await service.accept(b)).toMatchObject({ kind: 'accepted', state: 'RECEIVING_LIST' });

    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let index = 0;
    let last = '';
    for (const recipients of chunks()) {
      last = await service.receiveListChunk({
        broadcastId: b.broadcastId,
        listId,
        chunkIndex: index,
        recipients,
        last: (index + 1) * CHUNK >= RECIPIENTS,
      });
      index += 1;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(last).toBe('completed');
    const [summary] = await service.runDue();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    gc();
    const after = process.memoryUsage().heapUsed;
    const retainedMb = (after - before) / MB;
    const peakMb = (peak - before) / MB;
    // 1,000,000 pseudonyms held at once would be > 150 MB (64-byte buffers and 86-character strings).
    expect(retainedMb).toBeLessThan(16);
    expect(peakMb).toBeLessThan(128);

    expect(summary).toMatchObject({
      broadcastId: b.broadcastId,
      state: 'DONE',
      pushesSent: ids.length,
      pushesFailed: 0,
    });
    expect(pushed.size).toBe(ids.length);
    const [{ n }] = await appDb.query(
      `SELECT count(*)::int AS "n" FROM "${appSchema}"."broadcast_recipient" WHERE "broadcast_id" = $1`,
      [b.broadcastId],
    );
    expect(n).toBe(RECIPIENTS);
    const view = await service.get('health-ministry', b.broadcastId);
    expect(view).toMatchObject({
      listRecipients: RECIPIENTS,
      devicesTargeted: ids.length,
      pushesSent: ids.length,
    });
    process.stderr.write(
      `[list-scale] ${RECIPIENTS} recipients: heap retained ${retainedMb.toFixed(1)} MB, peak +${peakMb.toFixed(1)} MB\n`,
    );
  });
});
