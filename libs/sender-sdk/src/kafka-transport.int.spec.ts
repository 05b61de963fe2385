import {
  createAvroCodec,
  messageRequestSigningInput,
  statusTopic,
  TOPICS,
  type MessageStatus,
} from '@smis/contracts';
import type { MessageContent } from '@smis/message-content';
import { decodeContent } from '@smis/message-content';
import {
  createKafka,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type MessageProducer,
} from '@smis/messaging';
import { testKafkaBrokers, uniqueName } from '@smis/testing';
import { randomUUID, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSenderClient, TransportError, type SenderClient } from './index';
import { senderPublicKey } from './signing-key';
import { startFakeGateway, type FakeGateway } from './test-support/fake-gateway';
import { createPlatformFixture, NISS, type PlatformFixture } from './test-support/fixture';

const codec = createAvroCodec();
const content: MessageContent = {
  v: 1,
  lang: 'nl',
  texts: { nl: { title: 'Afspraak', body: 'Uw afspraak is morgen.' } },
};

let kafka: KafkaClient;
let producer: MessageProducer;
let platform: PlatformFixture;
let gateway: FakeGateway;
let sender: SenderClient;
let requests: TopicRecorder;

beforeAll(async () => {
  const brokers = testKafkaBrokers();
  kafka = createKafka({ brokers, clientId: uniqueName('sender-sdk-it'), logger: silentLogger });
  const senderId = uniqueName('sdk-it')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40);
  platform = createPlatformFixture(senderId);
  const admin = kafka.admin();
  try {
    await admin.ensureTopics([
      { topic: TOPICS.requests },
      { topic: statusTopic(senderId), numPartitions: 2 },
    ]);
  } finally {
    await admin.disconnect();
  }
  producer = kafka.producer();
  gateway = await startFakeGateway(platform);
  sender = createSenderClient(platform.clientConfig({ kind: 'kafka', brokers, gatewayUrl: gateway.url }));
  // The request topic is shared with other suites: a fresh group reading only what comes next.
  requests = await TopicRecorder.start(kafka, { topic: TOPICS.requests, fromBeginning: false });
});

afterAll(async () => {
  await requests?.stop();
  await sender?.close();
  await producer?.disconnect();
  await gateway?.close();
});

describe('Kafka transport against the real broker', () => {
  it('send publishes a MessageRequest, keyed by messageId, that decodes and verifies', async () => {
    const devices = platform.registerDevices(sender.recipientOf(NISS), 1);
    const { messageId, reachability } = await sender.send({
      recipient: NISS,
      content,
      category: 'health.appointment',
      expiresAt: Date.now() + 86_400_000,
      fallbackWindowSeconds: 900,
      smsText: 'Uw afspraak is morgen.',
    });
    expect(reachability.appInstalled).toBe(true);
    const record = await requests.waitFor((r) => r.key === messageId);
    const request = await codec.decode('MessageRequest', record.value as Buffer);
    expect(request).toMatchObject({
      messageId,
      senderId: platform.senderId,
      fallbackWindowSeconds: 900,
      allowedChannels: ['APP', 'SMS'],
    });
    expect(
      verify(
        null,
        messageRequestSigningInput(request),
        senderPublicKey(platform.senderKey),
        request.signature,
      ),
    ).toBe(true);
    const opened = platform.tweetnacl.open(request.envelope, devices[0], {
      lookupSenderKey: platform.lookupSenderKey,
    });
    expect(decodeContent(opened.content)).toEqual(content);
  });

  it('concurrent sends share producer calls: each is published once, keyed by its own messageId', async () => {
    const citizens = Array.from({ length: 8 }, (_, i) => `tel:+3247020000${i}`);
    for (const citizen of citizens) platform.registerDevices(sender.recipientOf(citizen), 1);
    const results: { index: number; messageId: string }[] = [];
    const summary = await sender.sendBulk(
      Array.from({ length: 40 }, (_, i) => ({
        recipient: citizens[i % citizens.length],
        content,
        category: 'health.appointment',
        expiresAt: Date.now() + 86_400_000,
      })),
      {
        concurrency: 40,
        onResult: (r) => {
          if (r.ok) results.push({ index: r.index, messageId: r.result.messageId });
        },
      },
    );
    expect(summary).toEqual({ sent: 40, failed: 0, aborted: false });
    expect(new Set(results.map((r) => r.messageId)).size).toBe(40);
    for (const { messageId } of results) {
      const record = await requests.waitFor((r) => r.key === messageId);
      const request = await codec.decode('MessageRequest', record.value as Buffer);
      expect(request.messageId).toBe(messageId);
      expect(
        verify(
          null,
          messageRequestSigningInput(request),
          senderPublicKey(platform.senderKey),
          request.signature,
        ),
      ).toBe(true);
    }
    const ours = new Set(results.map((r) => r.messageId));
    expect(requests.records.filter((r) => r.key !== null && ours.has(r.key))).toHaveLength(40);
  });

  it('refuses to publish after close, with a non-retriable TransportError', async () => {
    const closing = createSenderClient(
      platform.clientConfig({ kind: 'kafka', brokers: testKafkaBrokers(), gatewayUrl: gateway.url }),
    );
    await closing.close();
    const error = await closing
      .send({ recipient: NISS, content, category: 'health.appointment', expiresAt: Date.now() + 86_400_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ retriable: false, operation: 'publish' });
  });

  it('watch yields the MessageStatus records on the sender status topic, filtered by messageIds', async () => {
    const wanted = randomUUID();
    const other = randomUUID();
    const stream = sender.watch({ messageIds: [wanted], fromBeginning: true });
    await stream.ready;
    const make = (
      messageId: string,
      s: MessageStatus['status'],
      channel: MessageStatus['channel'],
    ): MessageStatus => ({
      eventId: randomUUID(),
      messageId,
      senderId: platform.senderId,
      status: s,
      channel,
      reason: null,
      fromChannel: null,
      toChannel: null,
      occurredAt: Date.now(),
    });
    const published = [
      make(wanted, 'ACCEPTED', null),
      make(other, 'ACCEPTED', null),
      make(wanted, 'DELIVERED', 'APP'),
    ];
    for (const status of published) {
      await producer.send(statusTopic(platform.senderId), [
        { key: status.messageId, value: await codec.encode('MessageStatus', status) },
      ]);
    }
    const seen: MessageStatus[] = [];
    for await (const status of stream) {
      seen.push(status);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([published[0], published[2]]);
  });
});
