import { messageRequestSigningInput, type MessageRequest } from '@smis/contracts';
import { MAX_CONTENT_BYTES, blake2b } from '@smis/crypto';
import { CONTENT_LIMITS, decodeContent, encodeContent, type MessageContent } from '@smis/message-content';
import { verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRecipientError,
  InvalidSendRequestError,
  SenderConfigError,
  UnreachableRecipientError,
  contentDigest,
  createSenderClient,
  type SendInput,
} from './index';
import { createPlatformFixture, NISS, PHONE, type PlatformFixture } from './test-support/fixture';
import { RecordingTransport } from './test-support/recording-transport';
import { senderPublicKey } from './signing-key';
import type { PolymorphicPseudonym } from '@smis/pseudonym';

const content: MessageContent = {
  v: 1,
  lang: 'nl',
  texts: {
    nl: { title: 'Uw testresultaat', body: 'Het resultaat staat klaar.' },
    fr: { title: 'Résultat', body: 'Disponible.' },
  },
  parts: [{ kind: 'qr', data: 'HC1:ABC' }],
};

let platform: PlatformFixture;
let devices: ReturnType<PlatformFixture['registerDevices']>;

beforeAll(() => {
  platform = createPlatformFixture('test-lab');
});

function client(transport = new RecordingTransport()) {
  const sender = createSenderClient(
    platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://gateway.invalid' }),
    {
      transport,
      keyDirectory: { lookup: async (pp: PolymorphicPseudonym) => platform.reachabilityOf(pp) },
    },
  );
  return { sender, transport };
}

const input = (overrides: Partial<SendInput> = {}): SendInput => ({
  recipient: NISS,
  content,
  category: 'health.test-result',
  expiresAt: Date.now() + 86_400_000,
  smsText: 'Uw testresultaat staat klaar in de app.',
  ...overrides,
});

describe('send: the MessageRequest it builds', () => {
  let request: MessageRequest;
  let result: Awaited<ReturnType<ReturnType<typeof client>['sender']['send']>>;

  beforeAll(async () => {
    const { sender, transport } = client();
    devices = platform.registerDevices(sender.recipientOf(NISS), 2);
    result = await sender.send(
      input({
        emailText: { subject: 'Testresultaat', body: 'Uw resultaat staat klaar.' },
        priority: 'URGENT',
      }),
    );
    request = transport.published[0];
  });

  it('is signed over messageRequestSigningInput with the sender key', () => {
    const key = senderPublicKey(platform.senderKey);
    expect(verify(null, messageRequestSigningInput(request), key, request.signature)).toBe(true);
    const altered = { ...request, category: 'tax.notice' };
    expect(verify(null, messageRequestSigningInput(altered), key, request.signature)).toBe(false);
    expect(request).toMatchObject({
      messageId: result.messageId,
      idempotencyKey: result.messageId,
      senderId: 'test-lab',
      senderKeyId: platform.senderKey.keyId,
      priority: 'URGENT',
      allowedChannels: ['APP', 'SMS', 'EMAIL'],
    });
  });

  it('carries an envelope every device opens (tweetnacl, as the app does)', () => {
    expect(result.reachability.devices).toHaveLength(2);
    for (const device of devices) {
      const opened = platform.tweetnacl.open(request.envelope, device, {
        lookupSenderKey: platform.lookupSenderKey,
      });
      expect(opened.messageId).toBe(request.messageId);
      expect(decodeContent(opened.content)).toEqual(content);
    }
    const stranger = platform.tweetnacl.generateDeviceKeyPair();
    expect(() =>
      platform.tweetnacl.open(request.envelope, stranger, { lookupSenderKey: platform.lookupSenderKey }),
    ).toThrow();
  });

  it('seals the SMS and e-mail fallbacks to their channels only', () => {
    const sms = platform.tweetnacl.openFallbackText(
      request.smsFallback as Buffer,
      platform.smsChannel,
      platform.lookupSenderKey,
    );
    expect(sms).toMatchObject({
      text: 'Uw testresultaat staat klaar in de app.',
      messageId: request.messageId,
      senderId: 'test-lab',
    });
    const email = platform.tweetnacl.openFallbackText(
      request.emailFallback as Buffer,
      platform.emailChannel,
      platform.lookupSenderKey,
    );
    expect(JSON.parse(email.text)).toEqual({ subject: 'Testresultaat', body: 'Uw resultaat staat klaar.' });
    expect(() =>
      platform.tweetnacl.openFallbackText(
        request.smsFallback as Buffer,
        platform.emailChannel,
        platform.lookupSenderKey,
      ),
    ).toThrow();
  });

  it('digests the content with the keyed BLAKE2b-256', () => {
    const bytes = encodeContent(content);
    expect(request.contentDigest).toEqual(Buffer.from(blake2b(32, [bytes], platform.digestKey)));
    const otherKey = new Uint8Array(32).fill(7);
    expect(contentDigest(bytes, otherKey).equals(contentDigest(bytes, platform.digestKey))).toBe(false);
    expect(contentDigest(bytes, platform.digestKey)).toEqual(request.contentDigest);
    expect(blake2b(32, [bytes]).length).toBe(32);
    expect(Buffer.from(blake2b(32, [bytes])).equals(request.contentDigest)).toBe(false);
  });

  it('declares the content metadata and a re-randomized recipient', () => {
    expect(request.content).toEqual({
      languages: ['nl', 'fr'],
      parts: [
        { kind: 'TEXT', sizeBytes: expect.any(Number) },
        { kind: 'QR', sizeBytes: expect.any(Number) },
      ],
      totalSizeBytes: encodeContent(content).length,
    });
    expect(request.recipient).toHaveLength(64);
    // Same citizen, unlinkable ciphertext; the transcryptor still finds the same person.
    const pp = request.recipient.toString('base64url') as PolymorphicPseudonym;
    expect(platform.appPseudonymOf(pp)).toBe(
      platform.appPseudonymOf(client().sender.recipientOf('93.05.18-223.61')),
    );
  });
});

describe('send: citizens and inputs', () => {
  it('still sends to a citizen with no device, with an empty envelope, for the fallback', async () => {
    const { sender, transport } = client();
    const result = await sender.send(input({ recipient: PHONE }));
    expect(result.reachability).toEqual({ appInstalled: false, notificationsEnabled: false, devices: [] });
    expect(transport.published[0].envelope).toHaveLength(0);
    expect(transport.published[0].smsFallback).not.toBeNull();
  });

  it('refuses a message nothing could deliver', async () => {
    const { sender, transport } = client();
    await expect(
      sender.send(input({ recipient: 'tel:+32470999999', smsText: undefined })),
    ).rejects.toBeInstanceOf(UnreachableRecipientError);
    expect(transport.published).toHaveLength(0);
  });

  it.each([
    [{ category: 'Health Results' }, 'category'],
    [{ expiresAt: Date.now() - 1 }, 'expiresAt'],
    [{ priority: 'HIGH' as never }, 'priority'],
    [{ fallbackWindowSeconds: 1.5 }, 'fallbackWindowSeconds'],
    [{ allowedChannels: ['SMS', 'APP'] as const }, 'allowedChannels'],
    [{ allowedChannels: ['APP', 'EMAIL'] as const }, 'allowedChannels'],
    [{ messageId: 'not-a-uuid' }, 'messageId'],
    [{ content: { ...content, lang: 'de' } as MessageContent }, 'content ($.texts)'],
  ])('names what to fix in %j', async (overrides, field) => {
    const { sender } = client();
    const error = await sender.send(input(overrides as Partial<SendInput>)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSendRequestError);
    expect((error as InvalidSendRequestError).field).toBe(field);
  });

  it('keeps the content within the envelope limit', () => {
    expect(CONTENT_LIMITS.maxContentBytes).toBe(MAX_CONTENT_BYTES);
  });
});

describe('recipientOf', () => {
  it('accepts niss:, tel: and raw forms, each time a different ciphertext of the same citizen', () => {
    const { sender } = client();
    const a = sender.recipientOf(NISS);
    const b = sender.recipientOf('93051822361');
    expect(a).not.toBe(b);
    expect(platform.appPseudonymOf(a)).toBe(platform.appPseudonymOf(b));
    expect(platform.appPseudonymOf(sender.recipientOf('0470 12 34 56'))).toBe(
      platform.appPseudonymOf(sender.recipientOf(PHONE)),
    );
  });

  it.each([
    ['', 'empty'],
    ['93051822362', 'niss-check-digits'],
    ['niss:123', 'niss-format'],
    ['tel:+3247', 'phone-invalid'],
    ['mailto:someone@example.be', 'unknown-scheme'],
    ['jan.peeters', 'unknown-scheme'],
  ])('refuses %j (%s) and says what to do', (value, reason) => {
    const { sender } = client();
    const error = (() => {
      try {
        sender.recipientOf(value);
      } catch (e) {
        return e;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(InvalidRecipientError);
    expect((error as InvalidRecipientError).reason).toBe(reason);
    expect((error as InvalidRecipientError).hint.length).toBeGreaterThan(10);
    expect((error as Error).message).not.toContain('93051822362');
  });
});

describe('createSenderClient config', () => {
  it.each([
    [{ senderId: 'Test Lab' }, 'senderId'],
    [{ digestKey: new Uint8Array(8) }, 'digestKey'],
    [{ channelKeys: { sms: new Uint8Array(32), email: new Uint8Array(3) } }, 'channelKeys.email'],
    [{ transport: { kind: 'kafka', brokers: ['127.0.0.1:9092'] } }, 'transport.gatewayUrl'],
    [{ transport: { kind: 'kafka', brokers: [], gatewayUrl: 'http://g' } }, 'transport.brokers'],
  ])('names the field that is wrong in %j', (overrides, path) => {
    const config = {
      ...platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://g' }),
      ...overrides,
    } as never;
    expect(() => createSenderClient(config)).toThrow(SenderConfigError);
    expect(() => createSenderClient(config)).toThrow(path);
  });
});

describe('send: device keys per recipient (cache, single flight, batches)', () => {
  function counted(options: { now?: () => number; batch?: boolean } = {}) {
    const asked: PolymorphicPseudonym[] = [];
    const batches: number[] = [];
    const transport = new RecordingTransport();
    const sender = createSenderClient(
      platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://gateway.invalid' }),
      {
        transport,
        now: options.now,
        keyDirectory: {
          lookup: async (pp: PolymorphicPseudonym) => {
            asked.push(pp);
            return platform.reachabilityOf(pp);
          },
          ...(options.batch
            ? {
                lookupMany: async (pps: readonly PolymorphicPseudonym[]) => {
                  batches.push(pps.length);
                  asked.push(...pps);
                  return pps.map((pp) => platform.reachabilityOf(pp));
                },
              }
            : {}),
        },
      },
    );
    return { sender, transport, asked, batches };
  }

  it('looks a citizen up once for several sends, with a request pseudonym unlinkable to the lookup', async () => {
    const { sender, transport, asked } = counted();
    platform.registerDevices(sender.recipientOf('niss:85073003328'), 1);
    await sender.send(input({ recipient: 'niss:85073003328' }));
    await sender.send(input({ recipient: '85.07.30-033.28' })); // the same citizen, written otherwise
    expect(asked).toHaveLength(1);
    const [first, second] = transport.published.map((r) => r.recipient.toString('base64url'));
    expect(new Set([asked[0], first, second]).size).toBe(3);
    expect(platform.appPseudonymOf(first as PolymorphicPseudonym)).toBe(platform.appPseudonymOf(asked[0]));
    expect(platform.appPseudonymOf(second as PolymorphicPseudonym)).toBe(platform.appPseudonymOf(asked[0]));
  });

  it('seals to the remembered devices until the TTL or a lookup() (a device added meanwhile is missed)', async () => {
    let now = Date.now();
    const { sender, transport, asked } = counted({ now: () => now });
    const citizen = 'niss:90020199704';
    const [old] = platform.registerDevices(sender.recipientOf(citizen), 1);
    await sender.send(input({ recipient: citizen }));
    const [added] = platform.registerDevices(sender.recipientOf(citizen), 1); // a new phone
    const opens = (i: number, device: typeof old): boolean => {
      try {
        platform.tweetnacl.open(transport.published[i].envelope, device, {
          lookupSenderKey: platform.lookupSenderKey,
        });
        return true;
      } catch {
        return false;
      }
    };
    await sender.send(input({ recipient: citizen }));
    expect([opens(1, old), opens(1, added)]).toEqual([true, false]);
    expect(asked).toHaveLength(1);

    // lookup() always asks, and sends use its answer.
    expect((await sender.lookup(citizen)).devices.map((d) => d.keyId)).toEqual([added.keyId]);
    await sender.send(input({ recipient: citizen }));
    expect(opens(2, added)).toBe(true);
    expect(asked).toHaveLength(2);

    // After the TTL (60 s by default) a send asks again.
    now += 60_000;
    await sender.send(input({ recipient: citizen }));
    expect(asked).toHaveLength(3);
  });

  it('shares one lookup among concurrent sends to a citizen and batches the others', async () => {
    const { sender, transport, asked, batches } = counted({ batch: true });
    const citizens = ['tel:+32470000001', 'tel:+32470000002', 'tel:+32470000003'];
    const devicesOf = new Map(
      citizens.map((c) => [c, platform.registerDevices(sender.recipientOf(c), 1)[0]]),
    );
    const recipients = [...citizens, ...citizens, citizens[0]];
    const results = await Promise.all(recipients.map((recipient) => sender.send(input({ recipient }))));
    expect(results).toHaveLength(7);
    expect(transport.published).toHaveLength(7);
    expect(batches).toEqual([3]);
    expect(asked).toHaveLength(3);
    // Each message is sealed to its own citizen's device, and to no other.
    for (const [i, recipient] of recipients.entries()) {
      const envelope = transport.published.find((r) => r.messageId === results[i].messageId)?.envelope;
      expect(envelope).toBeDefined();
      for (const [citizen, device] of devicesOf) {
        const open = () =>
          platform.tweetnacl.open(envelope ?? Buffer.alloc(0), device, {
            lookupSenderKey: platform.lookupSenderKey,
          });
        if (citizen === recipient) expect(open().messageId).toBe(results[i].messageId);
        else expect(open).toThrow();
      }
    }
  });

  it('does not reuse a corrupt directory answer', async () => {
    let corrupt = true;
    const transport = new RecordingTransport();
    const device = platform.tweetnacl.generateDeviceKeyPair();
    const sender = createSenderClient(
      platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://gateway.invalid' }),
      {
        transport,
        keyDirectory: {
          lookup: async () => ({
            appInstalled: true,
            notificationsEnabled: true,
            devices: [
              {
                keyId: corrupt ? 'not-the-key-id' : device.keyId,
                publicKey: Buffer.from(device.publicKey).toString('base64'),
              },
            ],
          }),
        },
      },
    );
    await expect(sender.send(input())).rejects.toThrow(/does not match its keyId/);
    corrupt = false;
    await expect(sender.send(input())).resolves.toMatchObject({ reachability: { appInstalled: true } });
    expect(transport.published).toHaveLength(1);
  });

  it('refuses a key cache configuration it cannot work with', () => {
    const config = {
      ...platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://g' }),
      keyCache: { ttlMs: -5 },
    };
    expect(() => createSenderClient(config)).toThrow('keyCache.ttlMs');
    const kafka = {
      ...platform.clientConfig({ kind: 'kafka', gatewayUrl: 'http://g', brokers: ['127.0.0.1:9092'] }),
      transport: {
        kind: 'kafka' as const,
        gatewayUrl: 'http://g',
        brokers: ['127.0.0.1:9092'],
        batch: { maxRecords: 0 },
      },
    };
    expect(() => createSenderClient(kafka)).toThrow('transport.batch.maxRecords');
  });
});
