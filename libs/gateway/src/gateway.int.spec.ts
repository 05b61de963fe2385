import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createAvroCodec, messageRequestSigningInput, type MessageRequest } from '@smis/contracts';
import { createSodiumEnvelopeCrypto, encodeEnvelope, type SenderKeyPair } from '@smis/crypto';
import { generateKeyring } from '@smis/keyring';
import {
  createKafka,
  MessagingModule,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type TopicAdmin,
} from '@smis/messaging';
import { createPseudonymizer } from '@smis/pseudonym';
import { createSenderRegistry, DEFAULT_POLICY } from '@smis/senders';
import { testKafkaBrokers, uniqueName } from '@smis/testing';
import { SignJWT } from 'jose';
import { createPrivateKey, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayModule } from './gateway.module';
import type { Reachability } from './ports';

const crypto = createSodiumEnvelopeCrypto();
const keyring = generateKeyring();
const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
const codec = createAvroCodec();

function privateKeyOf(keys: SenderKeyPair): KeyObject {
  const secret = Buffer.from(keys.secretKey);
  return createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: secret.subarray(0, 32).toString('base64url'),
      x: secret.subarray(32).toString('base64url'),
    },
    format: 'jwk',
  });
}

function newSender(prefix: string) {
  const keys = crypto.generateSenderKeyPair();
  return { senderId: `${prefix}-${randomBytes(3).toString('hex')}`, keys, privateKey: privateKeyOf(keys) };
}

describe('gateway (real broker)', () => {
  const now = Date.now();
  const tokenUrl = 'https://smis.test/v1/gateway/oauth/token';
  const requestsTopic = uniqueName('gw.requests');
  const alice = newSender('alice');
  const bob = newSender('bob');
  const busy = newSender('busy');
  const looker = newSender('looker');
  const senders = createSenderRegistry(
    [alice, bob, busy, looker].map((s) => ({
      senderId: s.senderId,
      displayName: { en: s.senderId },
      signingKeys: [{ keyId: s.keys.keyId, publicKey: Buffer.from(s.keys.publicKey).toString('base64') }],
      policy: DEFAULT_POLICY,
    })),
  );
  const device = crypto.generateDeviceKeyPair();
  const reachability: Reachability = {
    appInstalled: true,
    notificationsEnabled: true,
    devices: [{ keyId: device.keyId, publicKey: Buffer.from(device.publicKey).toString('base64') }],
  };
  const nobody: Reachability = { appInstalled: false, notificationsEnabled: false, devices: [] };
  const lookups: string[] = [];
  const batchedLookups: string[][] = [];
  const statuses = new Map<string, unknown>();
  let client: KafkaClient;
  let admin: TopicAdmin;
  let app: INestApplication;
  let requests: TopicRecorder;

  async function assertion(
    sender: ReturnType<typeof newSender>,
    overrides: { aud?: string; jti?: string; key?: KeyObject } = {},
  ) {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: sender.keys.keyId })
      .setIssuer(sender.senderId)
      .setSubject(sender.senderId)
      .setAudience(overrides.aud ?? tokenUrl)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 60)
      .setJti(overrides.jti ?? randomUUID())
      .sign(overrides.key ?? sender.privateKey);
  }

  const tokenRequest = (clientAssertion: string) =>
    request(app.getHttpServer()).post('/v1/gateway/oauth/token').type('form').send({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    });

  async function tokenFor(sender: ReturnType<typeof newSender>): Promise<string> {
    const response = await tokenRequest(await assertion(sender));
    expect(response.status).toBe(200);
    return response.body.access_token as string;
  }

  function messageJson(sender: ReturnType<typeof newSender>, contentBytes = 100): Record<string, unknown> {
    const messageId = randomUUID();
    const envelope = Buffer.from(
      encodeEnvelope(
        crypto.seal(
          {
            senderId: sender.senderId,
            messageId,
            createdAt: now,
            content: randomBytes(contentBytes),
            recipients: [device],
          },
          sender.keys,
        ),
      ),
    );
    const unsigned: Omit<MessageRequest, 'signature'> = {
      messageId,
      senderId: sender.senderId,
      senderKeyId: sender.keys.keyId,
      idempotencyKey: randomUUID(),
      createdAt: now,
      expiresAt: now + 3_600_000,
      recipient: Buffer.from(pseudonymizer.polymorphicPseudonym('tel:+32470123456'), 'base64url'),
      category: 'tax',
      priority: 'NORMAL',
      fallbackWindowSeconds: 600,
      allowedChannels: ['APP'],
      envelope,
      smsFallback: null,
      emailFallback: null,
      content: {
        languages: ['nl'],
        parts: [{ kind: 'TEXT', sizeBytes: contentBytes }],
        totalSizeBytes: contentBytes,
      },
      contentDigest: randomBytes(32),
    };
    const signature = sign(null, messageRequestSigningInput(unsigned), sender.privateKey);
    const b64 = (b: Buffer | null) => (b ? b.toString('base64') : null);
    return {
      ...unsigned,
      recipient: b64(unsigned.recipient),
      envelope: b64(envelope),
      contentDigest: b64(unsigned.contentDigest),
      signature: b64(signature),
    };
  }

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('gw-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics([{ topic: requestsTopic, numPartitions: 1 }]);
    requests = await TopicRecorder.start(client, { topic: requestsTopic });
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('gw-app'), logger: silentLogger },
        }),
        GatewayModule.register(
          {
            tokenUrl,
            requestsTopic,
            maxRequestBytes: 64 * 1024,
            rateLimit: { perSecond: 1, burst: 3 },
            lookupRateLimit: { perSecond: 1, burst: 6 },
            maxLookupBatch: 3,
          },
          {
            senders,
            clock: () => now,
            keyDirectory: {
              lookup: async (recipient) => {
                lookups.push(recipient);
                return reachability;
              },
              lookupMany: async (recipients) => {
                batchedLookups.push([...recipients]);
                return recipients.map((_, i) => (i % 2 === 0 ? reachability : nobody));
              },
            },
            status: {
              getMessageStatus: async (senderId, messageId) => {
                const found = statuses.get(`${senderId}/${messageId}`);
                if (!found) throw Object.assign(new Error('not found'), { name: 'NotFoundError' });
                return found;
              },
            },
            scorecard: { scorecard: async (senderId) => ({ senderId, volume: 7 }) },
          },
        ),
      ],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    SwaggerModule.setup('docs', app, () =>
      SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('SMIS').addBearerAuth().build()),
    );
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await requests?.stop();
    await admin?.disconnect();
  });

  it('issues an access token for a valid client assertion; refuses a bad signature, another audience and a replayed jti', async () => {
    const valid = await tokenRequest(await assertion(alice, { jti: 'once' }));
    expect(valid.status).toBe(200);
    expect(valid.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(valid.headers['cache-control']).toBe('no-store');

    const replayed = await tokenRequest(await assertion(alice, { jti: 'once' }));
    expect(replayed.status).toBe(401);
    expect(replayed.headers['content-type']).toContain('application/problem+json');
    expect(replayed.body).toMatchObject({
      status: 401,
      error: 'invalid_client',
      error_description: expect.stringContaining('replay'),
    });

    const forged = await tokenRequest(await assertion(alice, { key: bob.privateKey }));
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe('invalid_client');

    const elsewhere = await tokenRequest(await assertion(alice, { aud: 'https://elsewhere/token' }));
    expect(elsewhere.status).toBe(401);

    const wrongGrant = await request(app.getHttpServer())
      .post('/v1/gateway/oauth/token')
      .send({ grant_type: 'password' });
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');
  });

  it('accepts a message with 202 and the reachability, and publishes it to the requests topic', async () => {
    const token = await tokenFor(alice);
    const body = messageJson(alice);
    const response = await request(app.getHttpServer())
      .post('/v1/gateway/messages')
      .auth(token, { type: 'bearer' })
      .send(body);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ messageId: body.messageId, reachability });
    const record = await requests.waitFor((r) => r.key === body.messageId);
    const published = await codec.decode('MessageRequest', record.value as Buffer);
    expect(published.signature.toString('base64')).toBe(body.signature);
    expect(published.envelope.toString('base64')).toBe(body.envelope);
    expect(lookups).toContain(Buffer.from(body.recipient as string, 'base64').toString('base64url'));

    statuses.set(`${alice.senderId}/${body.messageId}`, { messageId: body.messageId, status: 'ACCEPTED' });
    const status = await request(app.getHttpServer())
      .get(`/v1/gateway/messages/${body.messageId}`)
      .auth(token, { type: 'bearer' });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: 'ACCEPTED' });
  });

  it('answers problem details: unauthenticated, another sender, malformed, unknown message', async () => {
    const body = messageJson(alice);
    const anonymous = await request(app.getHttpServer()).post('/v1/gateway/messages').send(body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');

    const bobToken = await tokenFor(bob);
    const impersonation = await request(app.getHttpServer())
      .post('/v1/gateway/messages')
      .auth(bobToken, { type: 'bearer' })
      .send(body);
    expect(impersonation.status).toBe(403);

    const malformed = await request(app.getHttpServer())
      .post('/v1/gateway/messages')
      .auth(bobToken, { type: 'bearer' })
      .send({ ...messageJson(bob), recipient: 'AAAA', priority: 'LOUD', createdAt: 'yesterday' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({
      title: 'Invalid request',
      status: 400,
      instance: '/v1/gateway/messages',
    });
    expect(malformed.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'createdAt',
      'priority',
      'recipient',
    ]);

    const unknown = await request(app.getHttpServer())
      .get(`/v1/gateway/messages/${randomUUID()}`)
      .auth(bobToken, { type: 'bearer' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toContain('not-found');
  });

  it('limits each sender: 429 with Retry-After past the burst; key lookups do not count', async () => {
    const token = await tokenFor(busy);
    const scorecard = () =>
      request(app.getHttpServer()).get('/v1/gateway/scorecard').auth(token, { type: 'bearer' });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await scorecard());
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[3].status).toBe(429);
    expect(answers[3].headers['retry-after']).toBe('1');
    expect(answers[3].headers['content-type']).toContain('application/problem+json');
    expect(answers[3].body).toMatchObject({ status: 429, detail: expect.stringContaining('request rate') });

    // The request budget is spent; the key lookup budget is another one.
    const lookup = await request(app.getHttpServer())
      .post('/v1/gateway/keys/lookup')
      .auth(token, { type: 'bearer' })
      .send({ recipient: pseudonymizer.polymorphicPseudonym('tel:+32470123456') });
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual(reachability);
  });

  it('limits key lookups apart, a batch taking one token per recipient; refuses a batch over the maximum', async () => {
    const token = await tokenFor(looker);
    const pp = () => pseudonymizer.polymorphicPseudonym('tel:+32470123456');
    const batch = (recipients: unknown) =>
      request(app.getHttpServer())
        .post('/v1/gateway/keys/lookup/batch')
        .auth(token, { type: 'bearer' })
        .send({ recipients });
    const single = () =>
      request(app.getHttpServer())
        .post('/v1/gateway/keys/lookup')
        .auth(token, { type: 'bearer' })
        .send({ recipient: pp() });

    // Burst 6: a batch of 3 takes 3 tokens, in one call of the directory, answers in order.
    const recipients = [pp(), pp(), pp()];
    const three = await batch(recipients);
    expect(three.status).toBe(200);
    expect(three.body).toEqual({ results: [reachability, nobody, reachability] });
    expect(batchedLookups.at(-1)).toEqual(
      recipients.map((r) => Buffer.from(r, 'base64url').toString('base64url')),
    );

    // Over the maximum (3): a clear 400 that names the field and the limit; it takes one token.
    const four = await batch([pp(), pp(), pp(), pp()]);
    expect(four.status).toBe(400);
    expect(four.headers['content-type']).toContain('application/problem+json');
    expect(four.body).toMatchObject({
      status: 400,
      detail: expect.stringContaining('At most 3 recipients'),
      errors: [{ field: 'recipients', message: 'at most 3 items' }],
    });
    // Two recipients, one malformed: each is named; it takes two tokens.
    const malformed = await batch([pp(), 'AAAA']);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ field: 'recipients[1]', message: 'base64 of 64 bytes' }]);

    // 6 - 3 - 1 - 2 = 0 tokens left: the next lookup is refused, with Retry-After.
    const refused = await single();
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({
      status: 429,
      title: 'Too many requests',
      detail: expect.stringContaining('key lookup rate'),
    });
    expect((await batch([pp()])).status).toBe(429);

    // The other routes still have their own budget.
    const scorecard = await request(app.getHttpServer())
      .get('/v1/gateway/scorecard')
      .auth(token, { type: 'bearer' });
    expect(scorecard.status).toBe(200);
  });

  it('refuses a body over the limit with 413 problem details', async () => {
    const token = await tokenFor(bob);
    const response = await request(app.getHttpServer())
      .post('/v1/gateway/messages')
      .auth(token, { type: 'bearer' })
      .send({ ...messageJson(bob), padding: 'x'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ status: 413, title: 'Payload too large' });
  });

  it('serves the scorecard and documents every route in OpenAPI at /docs', async () => {
    const token = await tokenFor(alice);
    const scorecard = await request(app.getHttpServer())
      .get('/v1/gateway/scorecard')
      .auth(token, { type: 'bearer' });
    expect(scorecard.body).toEqual({ senderId: alice.senderId, volume: 7 });
    const docs = await request(app.getHttpServer()).get('/docs-json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/gateway/oauth/token',
        '/v1/gateway/messages',
        '/v1/gateway/messages/{id}',
        '/v1/gateway/keys/lookup',
        '/v1/gateway/keys/lookup/batch',
        '/v1/gateway/scorecard',
      ]),
    );
    expect((await request(app.getHttpServer()).get('/docs/')).status).toBe(200);
  });
});
