/**
 * Bad input published raw (a plain @smis/messaging producer) to smis.requests.v1, between good
 * messages, against the whole platform in this process: each bad request ends as REJECTED with
 * its reason (on smis.events.v1; on the sender's status topic when the sender is known), the
 * ones the router dead-letters are on smis.requests.v1.dlq, the router's consumer lag returns to
 * zero, and the good messages are delivered to the device's inbox once.
 */
import { createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import {
  createAvroCodec,
  messageRequestSigningInput,
  statusTopic,
  TOPICS,
  type DeliveryEvent,
  type MessageRequest,
  type MessageStatus,
} from '@smis/contracts';
import { createSodiumEnvelopeCrypto, encodeEnvelope } from '@smis/crypto';
import { encodeContent, measureContent } from '@smis/message-content';
import { createKafka, silentLogger, type KafkaClient, type MessageConsumer } from '@smis/messaging';
import { createPseudonymizer } from '@smis/pseudonym';
import { REASONS } from '@smis/router';
import { buildMessageRequest, type SenderKeys } from '@smis/sender-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { bootstrap, type RunningPlatform } from '../../../apps/platform/src/bootstrap';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { registerDevices, type SyntheticDevice } from '../../bench/src/support/devices';
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  BENCH_SENDER_ID,
  messageContent,
  platformEnv,
  startInfrastructure,
  startPushEmulators,
  writePlatformFiles,
  type Infrastructure,
  type PlatformFiles,
  type PushEmulators,
} from '../../bench/src/support/platform';

const DLQ = `${TOPICS.requests}.dlq`;
const MAX_ENVELOPE = 4096;

/** Every record of a topic from the beginning, decoded, as it arrives; `until` waits on a condition. */
class Recorder<T> {
  readonly items: T[] = [];
  private waiters: { ready: () => boolean; resolve: () => void }[] = [];
  add(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => (w.ready() ? (w.resolve(), false) : true));
  }
  until(ready: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ ready, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

describe('bad input on smis.requests.v1', () => {
  const codec = createAvroCodec();
  const crypto = createSodiumEnvelopeCrypto();
  let infra: Infrastructure;
  let files: PlatformFiles;
  let push: PushEmulators;
  let platform: RunningPlatform;
  let client: KafkaClient;
  let device: SyntheticDevice;
  let keys: SenderKeys;
  const consumers: MessageConsumer[] = [];
  const events = new Recorder<DeliveryEvent>();
  const statuses = new Recorder<MessageStatus>();
  const deadLetters = new Recorder<{ key: string | null; reason: string }>();

  beforeAll(async () => {
    infra = await startInfrastructure(() => undefined);
    files = writePlatformFiles({ maxEnvelopeBytes: MAX_ENVELOPE });
    push = await startPushEmulators();
    platform = await bootstrap(platformEnv(infra, files, push));
    [device] = await registerDevices(platform.url, files.keyring, 1);
    client = createKafka({ brokers: infra.brokers, clientId: 'reliability-bad-input', logger: silentLogger });
    keys = {
      senderId: BENCH_SENDER_ID,
      signingKey: files.senderKey,
      privateKey: createPrivateKey({
        key: {
          kty: 'OKP',
          crv: 'Ed25519',
          d: Buffer.from(files.senderKey.secretKey.subarray(0, 32)).toString('base64url'),
          x: Buffer.from(files.senderKey.publicKey).toString('base64url'),
        },
        format: 'jwk',
      }),
      digestKey: randomBytes(32),
      channelKeys: {
        sms: Buffer.from(files.keyring.channels.sms.publicKey, 'base64'),
        email: Buffer.from(files.keyring.channels.email.publicKey, 'base64'),
      },
    };
    const follow = (
      topic: string,
      handle: (value: Buffer, key: string | null, headers: Record<string, string>) => Promise<void>,
    ) => {
      const consumer = client.consumer({
        groupId: `reliability-${randomBytes(4).toString('hex')}`,
        topics: [topic],
        fromBeginning: true,
        provisionTopics: false,
        retryDelaysMs: [],
        eachMessage: async (record) => {
          if (record.value) await handle(record.value, record.key, record.headers);
        },
      });
      consumers.push(consumer);
      return consumer.start();
    };
    await Promise.all([
      follow(TOPICS.events, async (v) => events.add(await codec.decode('DeliveryEvent', v))),
      follow(statusTopic(BENCH_SENDER_ID), async (v) => statuses.add(await codec.decode('MessageStatus', v))),
      follow(DLQ, async (_v, key, headers) =>
        deadLetters.add({ key, reason: headers['smis-dlq-reason'] ?? headers['smis-dlq-error'] ?? '' }),
      ),
    ]);
  }, 240_000);

  afterAll(async () => {
    for (const consumer of consumers) await consumer.stop().catch(() => undefined);
    await platform?.close();
    await push?.close();
    await infra?.close();
    files?.remove();
  });

  /** A good request to the registered device, optionally changed before signing. */
  async function request(
    change: Partial<MessageRequest> = {},
    content = messageContent(512),
  ): Promise<MessageRequest> {
    const pseudonymizer = createPseudonymizer(files.keyring.pseudonym.public);
    const encoded = encodeContent(content);
    const now = Date.now();
    const messageId = change.messageId ?? randomUUID();
    const base = buildMessageRequest(
      {
        messageId,
        idempotencyKey: change.idempotencyKey ?? messageId,
        createdAt: change.createdAt ?? now,
        expiresAt: change.expiresAt ?? now + 3600_000,
        recipient: Buffer.from(pseudonymizer.polymorphicPseudonym(device.identifier), 'base64url'),
        category: 'administration',
        priority: 'NORMAL',
        fallbackWindowSeconds: 600,
        allowedChannels: ['APP'],
        content: encoded,
        contentSize: measureContent(content),
        devices: [{ keyId: device.encryption.keyId, publicKey: device.encryption.publicKey }],
      },
      keys,
      crypto,
    );
    const unsigned = { ...base, ...change, signature: undefined } as Omit<MessageRequest, 'signature'>;
    return { ...unsigned, signature: sign(null, messageRequestSigningInput(unsigned), keys.privateKey) };
  }

  it('rejects each bad request with its reason, dead-letters where the router does, and delivers the good ones', async () => {
    const producer = client.producer();
    await producer.connect();
    const publish = async (key: string, value: Buffer) => producer.send(TOPICS.requests, [{ key, value }]);
    const encode = (r: MessageRequest) => codec.encode('MessageRequest', r);

    const good: string[] = [];
    const addGood = async () => {
      const r = await request();
      good.push(r.messageId);
      await publish(r.messageId, await encode(r));
    };

    /** messageId → expected reason, whether it is dead-lettered, whether the sender is known. */
    const expected = new Map<string, { reason: string; dlq: boolean; known: boolean; what: string }>();
    const bad = async (
      what: string,
      reason: string,
      dlq: boolean,
      known: boolean,
      key: string,
      value: Buffer,
    ) => {
      expected.set(key, { reason, dlq, known, what });
      await publish(key, value);
      await addGood();
    };

    await addGood();
    // Not Avro at all.
    await bad('malformed bytes', REASONS.malformed, true, false, randomUUID(), randomBytes(200));
    // The single-object marker with a fingerprint no schema has.
    await bad(
      'unknown schema fingerprint',
      REASONS.malformed,
      true,
      false,
      randomUUID(),
      Buffer.concat([Buffer.from([0xc3, 0x01]), randomBytes(8), randomBytes(100)]),
    );
    {
      const r = await request();
      const tampered = { ...r, signature: Buffer.from(r.signature).fill(7, 0, 8) };
      await bad('bad signature', REASONS.badSignature, true, true, r.messageId, await encode(tampered));
    }
    {
      const r = await request({ senderId: 'nobody-knows-me' });
      await bad('unknown sender', REASONS.unknownSender, true, false, r.messageId, await encode(r));
    }
    {
      const r = await request({ createdAt: Date.now() - 7200_000, expiresAt: Date.now() - 3600_000 });
      await bad('expired request', REASONS.expired, true, true, r.messageId, await encode(r));
    }
    {
      const r = await request({ createdAt: Date.now() + 3600_000, expiresAt: Date.now() + 7200_000 });
      await bad('future-dated request', REASONS.futureDated, true, true, r.messageId, await encode(r));
    }
    {
      const r = await request({}, messageContent(MAX_ENVELOPE * 2));
      await bad('oversized envelope', REASONS.envelopeTooLarge, false, true, r.messageId, await encode(r));
    }
    {
      const r = await request({ recipient: randomBytes(64) });
      await bad(
        'malformed pseudonym ciphertext',
        REASONS.invalidRecipient,
        false,
        true,
        r.messageId,
        await encode(r),
      );
    }
    {
      // A well-formed envelope, sealed for this message, to a device key nobody registered.
      const r = await request();
      const stranger = crypto.generateDeviceKeyPair();
      const envelope = Buffer.from(
        encodeEnvelope(
          crypto.seal(
            {
              senderId: BENCH_SENDER_ID,
              messageId: r.messageId,
              createdAt: r.createdAt,
              expiresAt: r.expiresAt,
              content: Buffer.from('for nobody'),
              recipients: [{ keyId: stranger.keyId, publicKey: stranger.publicKey }],
            },
            keys.signingKey,
          ),
        ),
      );
      const resealed = await request({
        messageId: r.messageId,
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
        envelope,
      });
      expected.set(r.messageId, {
        reason: 'app.no-device',
        dlq: false,
        known: true,
        what: 'sealed to no registered device',
      });
      await publish(r.messageId, await encode(resealed));
      await addGood();
    }
    // Replays: the same record again (same messageId) and a new messageId with a used idempotency key.
    const replayed = good[0];
    {
      // Keyed by messageId, the two land on different partitions: the first must be decided first.
      await events.until(
        () => events.items.some((ev) => ev.messageId === good[1] && ev.status === 'ACCEPTED'),
        'the first use of the idempotency key accepted',
      );
      const r = await request({ idempotencyKey: good[1] });
      await bad(
        'reused idempotency key',
        REASONS.duplicateIdempotencyKey,
        false,
        true,
        r.messageId,
        await encode(r),
      );
    }
    const firstGood = await request({ messageId: replayed });
    await publish(replayed, await encode(firstGood));
    await producer.disconnect();

    // Each bad one: REJECTED with its reason on smis.events.v1 (the no-device one: FAILED).
    for (const [messageId, e] of expected) {
      await events.until(
        () => events.items.some((ev) => ev.messageId === messageId && ev.reason === e.reason),
        `${e.what}: an event with reason ${e.reason}`,
      );
      const ev = events.items.find((x) => x.messageId === messageId && x.reason === e.reason);
      expect(ev?.status, e.what).toBe(e.reason === 'app.no-device' ? 'FAILED' : 'REJECTED');
      if (e.known) {
        await statuses.until(
          () => statuses.items.some((s) => s.messageId === messageId && s.reason === e.reason),
          `${e.what}: a status with reason ${e.reason} on the sender's topic`,
        );
      }
    }
    // Dead letters: exactly the ones the router dead-letters.
    const dlqKeys = [...expected].filter(([, e]) => e.dlq).map(([id]) => id);
    await deadLetters.until(
      () => dlqKeys.every((id) => deadLetters.items.some((d) => d.key === id)),
      `dead letters for ${dlqKeys.length} requests`,
    );
    for (const [id, e] of expected)
      if (!e.dlq)
        expect(
          deadLetters.items.some((d) => d.key === id),
          `${e.what} not dead-lettered`,
        ).toBe(false);

    // The good ones: DELIVERED to the device's inbox, each once (the replay adds nothing).
    const inboxIds = async () => {
      const res = await fetch(`${platform.url}/v1/app/inbox`, {
        headers: device.sign('GET', '/v1/app/inbox'),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { messageId: string }[] }).items.map((i) => i.messageId);
    };
    await events.until(
      () => good.every((id) => events.items.some((ev) => ev.messageId === id && ev.status === 'DISPATCHED')),
      `${good.length} good messages dispatched`,
    );
    const inbox = await inboxIds();
    for (const id of good) expect(inbox.filter((x) => x === id)).toHaveLength(1);
    for (const id of expected.keys()) expect(inbox).not.toContain(id);
    expect(events.items.filter((ev) => ev.messageId === replayed && ev.status === 'ACCEPTED')).toHaveLength(
      1,
    );

    // The router's consumer group caught up: lag zero on every partition of smis.requests.v1.
    const admin = client.admin();
    try {
      const lag = async () => {
        const [high, committed] = await Promise.all([
          admin.fetchTopicOffsets(TOPICS.requests),
          admin.committedOffsets('smis-router-requests', TOPICS.requests),
        ]);
        return high.reduce((sum, p) => {
          const c = committed.find((x) => x.partition === p.partition);
          return sum + (Number(p.high) - Math.max(Number(c?.offset ?? -1), Number(p.low)));
        }, 0);
      };
      let remaining = await lag();
      const deadline = Date.now() + 30_000;
      // Offsets are committed on an interval (no event announces it): poll the condition, bounded.
      while (remaining > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        remaining = await lag();
      }
      expect(remaining).toBe(0);
    } finally {
      await admin.disconnect();
    }
  });
});
