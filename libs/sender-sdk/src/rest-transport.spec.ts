import { messageRequestSigningInput, type MessageStatus } from '@smis/contracts';
import type { MessageContent } from '@smis/message-content';
import { randomUUID, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TTL_SECONDS, createClientAssertion } from './gateway/client-assertion';
import {
  AuthenticationError,
  GatewayError,
  RateLimitedError,
  TransportError,
  createSenderClient,
  type SenderClient,
} from './index';
import { senderPrivateKey, senderPublicKey } from './signing-key';
import { startFakeGateway, type FakeGateway } from './test-support/fake-gateway';
import { createPlatformFixture, NISS, type PlatformFixture } from './test-support/fixture';

const content: MessageContent = {
  v: 1,
  lang: 'fr',
  texts: { fr: { title: 'Avis', body: 'Votre avis est prêt.' } },
};

let platform: PlatformFixture;
let gateway: FakeGateway;
let sender: SenderClient;

beforeAll(async () => {
  platform = createPlatformFixture('tax-office');
  gateway = await startFakeGateway(platform);
  sender = createSenderClient({
    ...platform.clientConfig({ kind: 'rest', gatewayUrl: gateway.url }),
    transport: { kind: 'rest', gatewayUrl: gateway.url, pollIntervalMs: 20 },
  });
});

afterAll(async () => {
  await sender?.close();
  await gateway?.close();
});

const status = (messageId: string, s: Partial<MessageStatus>): MessageStatus => ({
  eventId: randomUUID(),
  messageId,
  senderId: 'tax-office',
  status: 'ACCEPTED',
  channel: null,
  reason: null,
  fromChannel: null,
  toChannel: null,
  occurredAt: 1_790_000_000_000,
  ...s,
});

describe('REST transport against a gateway implementing ADR 5', () => {
  it('authenticates with private_key_jwt, looks up keys, and submits a signed request', async () => {
    const devices = platform.registerDevices(sender.recipientOf(NISS), 1);
    const reachability = await sender.lookup(NISS);
    expect(reachability.devices.map((d) => d.keyId)).toEqual([devices[0].keyId]);

    const result = await sender.send({
      recipient: NISS,
      content,
      category: 'tax.notice',
      expiresAt: new Date(Date.now() + 3_600_000),
      smsText: 'Votre avis est prêt dans l’app.',
    });
    const request = gateway.received.find((r) => r.messageId === result.messageId);
    expect(request).toBeDefined();
    if (!request) return;
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
    expect(opened.messageId).toBe(result.messageId);
    // One token for the lookup, the lookup inside send and the submission: it is cached.
    expect(gateway.tokensIssued).toBe(1);
    expect(gateway.refusedAssertions).toEqual([]);
  });

  it('gets a new token once when the gateway forgot the old one', async () => {
    const before = gateway.tokensIssued;
    gateway.revokeTokens();
    await expect(sender.lookup(NISS)).resolves.toMatchObject({ appInstalled: true });
    expect(gateway.tokensIssued).toBe(before + 1);
  });

  it('makes assertions the gateway would refuse if altered', async () => {
    const privateKey = senderPrivateKey(platform.senderKey);
    const tokenUrl = `${gateway.url}/v1/gateway/oauth/token`;
    const assertion = createClientAssertion({
      senderId: 'tax-office',
      keyId: platform.senderKey.keyId,
      privateKey,
      audience: tokenUrl,
      now: Date.now(),
    });
    const claims = JSON.parse(Buffer.from(assertion.split('.')[1], 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ iss: 'tax-office', sub: 'tax-office', aud: tokenUrl });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(CLIENT_ASSERTION_TTL_SECONDS);

    const post = (a: string) =>
      fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: a,
        }).toString(),
      });
    expect((await post(assertion)).status).toBe(200);
    expect((await post(assertion)).status).toBe(401); // jti replayed
    const stale = createClientAssertion({
      senderId: 'tax-office',
      keyId: platform.senderKey.keyId,
      privateKey,
      audience: tokenUrl,
      now: Date.now() - 120_000,
    });
    expect((await post(stale)).status).toBe(401);
    const elsewhere = createClientAssertion({
      senderId: 'tax-office',
      keyId: platform.senderKey.keyId,
      privateKey,
      audience: 'https://other/token',
      now: Date.now(),
    });
    expect((await post(elsewhere)).status).toBe(401);
    expect(gateway.refusedAssertions).toHaveLength(3);
  });

  it('turns a refused assertion into an AuthenticationError', async () => {
    const impostor = createSenderClient({
      ...platform.clientConfig({ kind: 'rest', gatewayUrl: gateway.url }),
      signingKey: platform.tweetnacl.generateSenderKeyPair(),
    });
    const error = await impostor.lookup(NISS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, operation: 'token', retriable: false });
    expect((error as Error).message).toContain('signingKey');
  });

  it('maps 429 to RateLimitedError with Retry-After and other problems to GatewayError', async () => {
    const send = () =>
      sender.send({ recipient: NISS, content, category: 'tax.notice', expiresAt: Date.now() + 60_000 });
    gateway.failNextSubmit(
      429,
      { title: 'Too Many Requests', detail: 'daily quota reached' },
      { 'retry-after': '17' },
    );
    const limited = await send().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited).toMatchObject({ retryAfterSeconds: 17, status: 429, retriable: true });

    gateway.failNextSubmit(422, {
      type: 'https://smis.example/problems/policy',
      title: 'Refused',
      detail: 'category not allowed',
      errors: ['category'],
    });
    const refused = await send().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({
      status: 422,
      problem: { detail: 'category not allowed', errors: ['category'] },
      retriable: false,
    });
    expect((refused as Error).message).toContain('category not allowed');
  });

  it('looks many citizens up in one batched request, or one by one from a gateway without the route', async () => {
    const citizens = ['tel:+32470100001', 'tel:+32470100002', 'tel:+32470100003', 'tel:+32470100004'];
    const devices = citizens.map((c) => platform.registerDevices(sender.recipientOf(c), 1)[0]);
    const send = (recipient: string) =>
      sender.send({ recipient, content, category: 'tax.notice', expiresAt: Date.now() + 3_600_000 });
    const before = gateway.lookupRequests.length;
    const results = await Promise.all(citizens.map(send));
    expect(gateway.lookupRequests.slice(before)).toEqual([4]);
    results.forEach((result, i) => expect(result.reachability.devices[0].keyId).toBe(devices[i].keyId));

    // An older gateway (404 on the batch route): the client asks one by one from then on.
    gateway.batchLookups = false;
    try {
      const older = createSenderClient(platform.clientConfig({ kind: 'rest', gatewayUrl: gateway.url }));
      const mark = gateway.lookupRequests.length;
      const answers = await Promise.all(
        citizens.map((recipient) =>
          older.send({ recipient, content, category: 'tax.notice', expiresAt: Date.now() + 3_600_000 }),
        ),
      );
      answers.forEach((result, i) => expect(result.reachability.devices[0].keyId).toBe(devices[i].keyId));
      expect(gateway.lookupRequests.slice(mark)).toEqual([1, 1, 1, 1]);
      await older.close();
    } finally {
      gateway.batchLookups = true;
    }
  });

  it('reports an unreachable gateway as a retriable TransportError', async () => {
    const offline = createSenderClient(
      platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://127.0.0.1:9' }),
    );
    const error = await offline.lookup(NISS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ retriable: true, operation: 'token' });
  });

  it('watch polls GET /messages/{id} and yields each status once, until a final one', async () => {
    const messageId = randomUUID();
    const stream = sender.watch({ messageIds: [messageId] });
    const seen: MessageStatus[] = [];
    const iterator = stream[Symbol.asyncIterator]();
    // Unknown at first (404): the stream keeps polling.
    await stream.ready;
    const accepted = status(messageId, { status: 'ACCEPTED' });
    gateway.statuses.set(messageId, [accepted]);
    seen.push((await iterator.next()).value as MessageStatus);
    const delivered = status(messageId, { status: 'DELIVERED', channel: 'APP' });
    const read = status(messageId, { status: 'READ', channel: 'APP' });
    gateway.statuses.set(messageId, [accepted, delivered, read]);
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) seen.push(r.value);
    expect(seen).toEqual([accepted, delivered, read]);
    expect(() => sender.watch({})).toThrow('messageIds');
  });
});
