import 'reflect-metadata';
import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  createAvroCodec,
  type EnrolmentAuditEvent,
  type OtpRequest,
  type PhoneRegistration,
} from '@smis/contracts';
import { generateKeyring, type PlatformKeyring } from '@smis/keyring';
import {
  createKafka,
  MessagingModule,
  silentLogger,
  TopicRecorder,
  type ConsumedRecord,
  type KafkaClient,
  type TopicAdmin,
} from '@smis/messaging';
import { startDevOidcProvider, type DevOidcProvider } from '@smis/oidc-dev-provider';
import {
  createDomainDecryptor,
  createPseudonymizer,
  createTranscryptor,
  normalizePhoneNumber,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
  type PseudonymDomain,
} from '@smis/pseudonym';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { generateKeyPair, importJWK, SignJWT, createLocalJWKSet, jwtVerify, decodeJwt } from 'jose';
import { randomInt, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from './clock';
import { CredentialVerifier } from './credential/credential';
import { openSealed } from './crypto/sealed-box';
import { AuthenticationFailedError, ForbiddenError } from './errors';
import { IdentityModule } from './identity.module';
import { OidcRelyingParty } from './oidc/oidc-relying-party';
import { IDENTITY_DATA_SOURCE } from './tokens';
import { createHttpTranscryptionPort, TranscryptionCallError } from './transcryption/http-transcryption-port';
import { createTranscryptionPort, TranscryptionService } from './transcryption/transcryption.service';

/** Every log line of the application under test. */
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
  debug(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
}

/** A valid NISS (check digits per the before-2000 rule). */
function makeNiss(yymmdd: string): string {
  const seq = String(randomInt(1, 998)).padStart(3, '0');
  const base = Number(`${yymmdd}${seq}`);
  return `${yymmdd}${seq}${String(97 - (base % 97)).padStart(2, '0')}`;
}

/** A fresh valid Belgian mobile number in E.164. */
function makePhone(): string {
  for (;;) {
    const candidate = `+3247${randomInt(0, 10)}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
    try {
      return normalizePhoneNumber(candidate);
    } catch {
      /* try another */
    }
  }
}

/**
 * The base64 text any base64 (or base64url) encoding of a larger text containing `value` must
 * contain, for each of the three byte alignments the value can start at.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = encoded.slice(4 * Math.ceil(k / 3), 4 * Math.floor((k + bytes.length) / 3));
    if (core.length >= 8) forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** The forms a phone number or NISS may take in text, encoded (hex, base64) or not. */
function canaryForms(value: string): string[] {
  let written: string[];
  if (value.startsWith('+32')) {
    const national = `0${value.slice(3)}`;
    written = [
      value,
      value.slice(1),
      `00${value.slice(1)}`,
      national,
      value.slice(3),
      `${national.slice(0, 4)} ${national.slice(4, 6)} ${national.slice(6, 8)} ${national.slice(8)}`,
    ];
  } else {
    written = [
      value,
      `${value.slice(0, 2)}.${value.slice(2, 4)}.${value.slice(4, 6)}-${value.slice(6, 9)}.${value.slice(9)}`,
    ];
  }
  return [
    ...written,
    Buffer.from(value, 'utf8').toString('hex'),
    ...written.slice(0, 2).flatMap((form) => base64Forms(form)),
  ];
}

describe('identity service (real broker, PostgreSQL and OpenID provider)', () => {
  const codec = createAvroCodec();
  const schema = uniqueName('identity_it').replace(/-/g, '_');
  const topics = {
    otpRequests: uniqueName('smis.enrolment.otp.it'),
    enrolmentAudit: uniqueName('smis.enrolment.audit.it'),
    phoneRegistrations: uniqueName('smis.registrations.phone.it'),
  };
  const logs = new CapturingLogger();
  const keyring: PlatformKeyring = generateKeyring();
  const smsPublic = Buffer.from(keyring.channels.sms.publicKey, 'base64');
  const smsSecret = Buffer.from(keyring.channels.sms.secretKey, 'base64');
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const decryptors = Object.fromEntries(
    keyring.pseudonym.domainKeys.map((k) => [k.domain, createDomainDecryptor(k)]),
  ) as Record<PseudonymDomain, ReturnType<typeof createDomainDecryptor>>;
  /** What a domain sees for an identifier, computed directly (sender + transcryptor + domain key). */
  const localOf = (identifier: string, domain: PseudonymDomain) =>
    decryptors[domain].decrypt(
      transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym(identifier), domain),
    );
  const DOMAIN_TAG: Record<PseudonymDomain, number> = { router: 1, app: 2, sms: 3, email: 4 };
  /** A raw 64-byte ciphertext from a record, back in the tagged string form. */
  const tagged = (domain: PseudonymDomain, raw: Buffer) =>
    Buffer.concat([Buffer.from([DOMAIN_TAG[domain]]), raw]).toString('base64url') as EncryptedPseudonym;

  const citizens = { alice: makeNiss('850730'), bob: makeNiss('910214'), broken: '85073003300' };
  const canaries: string[] = [citizens.alice, citizens.bob];
  const phone = () => {
    const value = makePhone();
    canaries.push(value);
    return value;
  };
  const offset = { ms: 0 };
  const clock: Clock = { now: () => Date.now() + offset.ms };
  const redirectUri = 'http://127.0.0.1:1/v1/identity/oidc/callback';

  let client: KafkaClient;
  let admin: TopicAdmin;
  let recorders: { otp: TopicRecorder; audit: TopicRecorder; registrations: TopicRecorder };
  let op: DevOidcProvider;
  let app: INestApplication;
  let baseUrl: string;
  let dataSource: DataSource;

  const http = () => request(app.getHttpServer());
  const addressCounter = { n: 0 };
  const newAddress = () => `198.51.100.${++addressCounter.n}`;

  async function decodeAll<T>(
    record: 'EnrolmentAuditEvent' | 'PhoneRegistration' | 'OtpRequest',
    records: readonly ConsumedRecord[],
  ): Promise<T[]> {
    return Promise.all(records.map((r) => codec.decode(record, r.value as Buffer) as Promise<T>));
  }

  /** The audit outcomes of one enrolment, once `last` is among them. */
  async function auditOf(enrolmentId: string, last: string): Promise<EnrolmentAuditEvent[]> {
    return waitFor(
      async () => {
        const events = await decodeAll<EnrolmentAuditEvent>(
          'EnrolmentAuditEvent',
          recorders.audit.records.filter((r) => r.key === enrolmentId),
        );
        return events.some((e) => e.outcome === last) ? events : undefined;
      },
      { description: `audit ${last} of ${enrolmentId}`, intervalMs: 50 },
    );
  }

  async function otpFor(enrolmentId: string): Promise<{ request: OtpRequest; code: string; text: string }> {
    const record = await recorders.otp.waitFor((r) => r.key === enrolmentId);
    const otp = await codec.decode('OtpRequest', record.value as Buffer);
    const text = openSealed(otp.sealedText, smsPublic, smsSecret)?.toString('utf8') ?? '';
    const code = /\b([0-9]{6})\b/.exec(text)?.[1];
    if (!code) throw new Error('no code in the sealed text');
    return { request: otp, code, text };
  }

  async function registrationsOf(enrolmentId: string, count: number): Promise<PhoneRegistration[]> {
    return waitFor(
      async () => {
        const all = await decodeAll<PhoneRegistration>('PhoneRegistration', recorders.registrations.records);
        const mine = all.filter((r) => r.enrolmentId === enrolmentId);
        return mine.length >= count ? mine : undefined;
      },
      { description: `${count} registration(s) of ${enrolmentId}`, intervalMs: 50 },
    );
  }

  async function startPhone(number: string, address = newAddress()) {
    return http()
      .post('/v1/identity/enrolments/phone')
      .set('x-forwarded-for', address)
      .send({ phoneNumber: number });
  }

  async function enrolByPhone(number: string): Promise<{ enrolmentId: string; credential: string }> {
    const started = await startPhone(number);
    expect(started.status).toBe(201);
    const { code } = await otpFor(started.body.enrolmentId);
    const verified = await http()
      .post(`/v1/identity/enrolments/${started.body.enrolmentId}/verify`)
      .send({ code });
    expect(verified.status).toBe(200);
    return { enrolmentId: started.body.enrolmentId, credential: verified.body.credential };
  }

  async function oidcCallback(niss: string, link?: string) {
    const started = await http()
      .post('/v1/identity/oidc/start')
      .send(link ? { link } : {});
    expect(started.status).toBe(201);
    const back = await op.loginAs(started.body.authorizationUrl, niss);
    expect(back.origin + back.pathname).toBe(redirectUri);
    const callback = await http().get(`/v1/identity/oidc/callback${back.search}`);
    return { started: started.body as { enrolmentId: string }, callback, back };
  }

  const verifier = () => app.get(CredentialVerifier);

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('identity-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
    const [otp, audit, registrations] = await Promise.all(
      [topics.otpRequests, topics.enrolmentAudit, topics.phoneRegistrations].map((topic) =>
        TopicRecorder.start(client, { topic }),
      ),
    );
    recorders = { otp, audit, registrations };
    op = await startDevOidcProvider({
      citizens: [
        { niss: citizens.alice, name: 'Alice Test' },
        { niss: citizens.bob, name: 'Bob Test' },
        { niss: citizens.broken, name: 'Broken Number' },
      ],
      clients: [
        { clientId: 'smis-identity-it', clientSecret: 'it-secret-0123456789', redirectUris: [redirectUri] },
      ],
    });
    @Module({
      imports: [
        MessagingModule.forRoot({
          connection: { brokers, clientId: uniqueName('identity-app'), logger: silentLogger },
        }),
        IdentityModule.register(
          {
            databaseUrl: testDatabaseUrl(),
            schema,
            transcryptor: keyring.pseudonym.transcryptor,
            systemPublicKey: keyring.pseudonym.public,
            smsChannelPublicKey: keyring.channels.sms.publicKey,
            credential: {
              privateKey: keyring.identity.credentialPrivateKey,
              publicKey: keyring.identity.credentialPublicKey,
            },
            serviceTokens: keyring.serviceTokens,
            rateLimits: {
              perNumber: { max: 3, windowSeconds: 3600 },
              perAddress: { max: 5, windowSeconds: 3600 },
            },
            trustProxy: true,
            topics,
            transcryption: { workers: 1, maxBatchSize: 50 },
            oidc: {
              discoveryUrl: op.discoveryUrl,
              clientId: 'smis-identity-it',
              clientSecret: 'it-secret-0123456789',
              redirectUri,
            },
          },
          { clock },
        ),
      ],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: logs });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    dataSource = app.get(IDENTITY_DATA_SOURCE);
  });

  afterAll(async () => {
    if (process.env.IDENTITY_TEST_LOGS) process.stderr.write(logs.lines.join('\n') + '\n');
    await app?.close();
    await op?.close();
    await Promise.all(Object.values(recorders ?? {}).map((r) => r.stop()));
    await admin?.disconnect();
  });

  describe('phone enrolment', () => {
    it('sends the sealed code, verifies it, registers the phone with the SMS channel and returns the credential', async () => {
      const number = phone();
      const national = `0${number.slice(3, 6)} ${number.slice(6, 8)} ${number.slice(8, 10)} ${number.slice(10)}`;
      const started = await startPhone(national);
      expect(started.status).toBe(201);
      const { enrolmentId } = started.body as { enrolmentId: string };

      const { request: otp, code, text } = await otpFor(enrolmentId);
      expect(otp.recipient).toBeNull();
      expect(openSealed(otp.sealedPhoneNumber as Buffer, smsPublic, smsSecret)?.toString('utf8')).toBe(
        number,
      );
      expect(text).toContain(code);
      expect(otp.expiresAt - otp.createdAt).toBe(600_000);

      const verified = await http().post(`/v1/identity/enrolments/${enrolmentId}/verify`).send({ code });
      expect(verified.status).toBe(200);
      expect(verified.body.methods).toEqual(['sms_otp']);
      const credential = verified.body.credential as string;

      // Signed by the key the JWKS endpoint publishes, for the app channel.
      const jwks = await http().get('/v1/identity/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      const { payload, protectedHeader } = await jwtVerify(credential, createLocalJWKSet(jwks.body), {
        audience: 'smis-app-channel',
        issuer: 'smis-identity',
      });
      expect(protectedHeader.alg).toBe('EdDSA');
      expect(payload.sub).toBe(enrolmentId);
      const claims = await verifier().verify(credential);
      expect(claims.methods).toEqual(['sms_otp']);
      expect(claims.app).toHaveLength(1);
      expect(decryptors.app.decrypt(claims.app[0])).toBe(localOf(`tel:${number}`, 'app'));
      expect(decryptors.router.decrypt(transcryptor.transcrypt(claims.pp[0], 'router'))).toBe(
        localOf(`tel:${number}`, 'router'),
      );
      expect(
        openSealed(Buffer.from(payload.sms as string, 'base64url'), smsPublic, smsSecret)?.toString(),
      ).toBe(number);

      const [registration] = await registrationsOf(enrolmentId, 1);
      expect(registration.action).toBe('REGISTERED');
      expect(registration.recipient).toHaveLength(64);
      expect(decryptors.sms.decrypt(tagged('sms', registration.recipient))).toBe(
        localOf(`tel:${number}`, 'sms'),
      );
      expect(openSealed(registration.sealedPhoneNumber as Buffer, smsPublic, smsSecret)?.toString()).toBe(
        number,
      );

      const audit = await auditOf(enrolmentId, 'COMPLETED');
      expect(audit.map((e) => [e.outcome, e.attempt])).toEqual([
        ['STARTED', null],
        ['CODE_SENT', null],
        ['CODE_ACCEPTED', 1],
        ['COMPLETED', null],
      ]);
      expect(audit.every((e) => e.method === 'SMS_OTP' && e.producer === 'identity')).toBe(true);
      expect(JSON.stringify(audit)).not.toContain(code);

      const again = await http().post(`/v1/identity/enrolments/${enrolmentId}/verify`).send({ code });
      expect(again.status).toBe(409);
    });

    it('rejects a wrong code, counting the attempt, and still accepts the right one', async () => {
      const started = await startPhone(phone());
      const { enrolmentId } = started.body as { enrolmentId: string };
      const { code } = await otpFor(enrolmentId);
      const wrong = code === '000000' ? '000001' : '000000';
      const rejected = await http()
        .post(`/v1/identity/enrolments/${enrolmentId}/verify`)
        .send({ code: wrong });
      expect(rejected.status).toBe(400);
      expect(rejected.headers['content-type']).toContain('application/problem+json');
      expect(rejected.body).toMatchObject({
        type: 'https://smis.example/problems/identity/code-rejected',
        status: 400,
        attemptsLeft: 4,
        instance: `/v1/identity/enrolments/${enrolmentId}/verify`,
      });
      const accepted = await http().post(`/v1/identity/enrolments/${enrolmentId}/verify`).send({ code });
      expect(accepted.status).toBe(200);
      const audit = await auditOf(enrolmentId, 'COMPLETED');
      expect(audit.map((e) => [e.outcome, e.reason, e.attempt])).toContainEqual([
        'CODE_REJECTED',
        'code-mismatch',
        1,
      ]);
      expect(audit.map((e) => [e.outcome, e.attempt])).toContainEqual(['CODE_ACCEPTED', 2]);
    });

    it('refuses the right code after 10 minutes', async () => {
      const started = await startPhone(phone());
      const { enrolmentId } = started.body as { enrolmentId: string };
      const { code } = await otpFor(enrolmentId);
      offset.ms = 600_001;
      try {
        const late = await http().post(`/v1/identity/enrolments/${enrolmentId}/verify`).send({ code });
        expect(late.status).toBe(410);
        expect(late.body.type).toBe('https://smis.example/problems/identity/code-expired');
      } finally {
        offset.ms = 0;
      }
      const afterwards = await http().post(`/v1/identity/enrolments/${enrolmentId}/verify`).send({ code });
      expect(afterwards.status).toBe(410);
      const audit = await auditOf(enrolmentId, 'EXPIRED');
      expect(audit.some((e) => e.outcome === 'CODE_ACCEPTED')).toBe(false);
      const [row] = (await dataSource.query(`SELECT * FROM "${schema}"."phone_enrolment" WHERE "id" = $1`, [
        enrolmentId,
      ])) as Record<string, unknown>[];
      expect(row).toMatchObject({
        status: 'EXPIRED',
        sealed_phone_number: null,
        polymorphic_pseudonym: null,
        code_hash: null,
      });
    });

    it('locks the enrolment after 5 wrong codes: the sixth attempt fails even with the right code', async () => {
      const started = await startPhone(phone());
      const { enrolmentId } = started.body as { enrolmentId: string };
      const { code } = await otpFor(enrolmentId);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const left: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await http()
          .post(`/v1/identity/enrolments/${enrolmentId}/verify`)
          .send({ code: wrong });
        expect(response.status).toBe(400);
        left.push(response.body.attemptsLeft as number);
      }
      expect(left).toEqual([4, 3, 2, 1, 0]);
      const sixth = await http().post(`/v1/identity/enrolments/${enrolmentId}/verify`).send({ code });
      expect(sixth.status).toBe(423);
      expect(sixth.body.type).toBe('https://smis.example/problems/identity/enrolment-locked');
      const audit = await auditOf(enrolmentId, 'LOCKED');
      expect(audit.filter((e) => e.outcome === 'CODE_REJECTED').map((e) => e.attempt)).toEqual([
        1, 2, 3, 4, 5,
      ]);
      expect(audit.find((e) => e.outcome === 'LOCKED')?.reason).toBe('too-many-attempts');
      expect(audit.some((e) => e.outcome === 'CODE_ACCEPTED')).toBe(false);
    });

    it('rate limits per phone number, whatever the address', async () => {
      const number = phone();
      for (let i = 0; i < 3; i++) expect((await startPhone(number)).status).toBe(201);
      const refused = await startPhone(number);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body.type).toBe('https://smis.example/problems/identity/rate-limited');
      expect(JSON.stringify(refused.body)).not.toContain(number.slice(3));
      const other = await startPhone(phone());
      expect(other.status).toBe(201);
      await waitFor(
        async () =>
          (await decodeAll<EnrolmentAuditEvent>('EnrolmentAuditEvent', recorders.audit.records)).some(
            (e) => e.outcome === 'FAILED' && e.reason === 'rate-limited-number',
          ),
        { description: 'a FAILED rate-limited-number audit event', intervalMs: 50 },
      );
    });

    it('rate limits per client address, whatever the number', async () => {
      const address = newAddress();
      for (let i = 0; i < 5; i++) expect((await startPhone(phone(), address)).status).toBe(201);
      const refused = await startPhone(phone(), address);
      expect(refused.status).toBe(429);
      expect((await startPhone(phone(), newAddress())).status).toBe(201);
      await waitFor(
        async () =>
          (await decodeAll<EnrolmentAuditEvent>('EnrolmentAuditEvent', recorders.audit.records)).some(
            (e) => e.outcome === 'FAILED' && e.reason === 'rate-limited-address',
          ),
        { description: 'a FAILED rate-limited-address audit event', intervalMs: 50 },
      );
    });

    it('answers invalid numbers and unknown enrolments with problem details', async () => {
      const invalid = await startPhone('+32 12');
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors[0].field).toBe('phoneNumber');
      const unknown = await http()
        .post(`/v1/identity/enrolments/${randomUUID()}/verify`)
        .send({ code: '123456' });
      expect(unknown.status).toBe(404);
    });
  });

  describe('strong authentication (OIDC)', () => {
    it('enrols with a valid ID token: credential with the NISS pseudonyms, callback single use', async () => {
      const { started, callback, back } = await oidcCallback(citizens.alice);
      expect(callback.status).toBe(200);
      expect(callback.body.methods).toEqual(['oidc']);
      const claims = await verifier().verifyClaims(callback.body.credential as string);
      expect(claims.sms).toBeUndefined();
      expect(claims.app.map((p) => decryptors.app.decrypt(p))).toEqual([
        localOf(`niss:${citizens.alice}`, 'app'),
      ]);
      const audit = await auditOf(started.enrolmentId, 'COMPLETED');
      expect(audit.map((e) => e.outcome)).toEqual(['STARTED', 'IDENTITY_VERIFIED', 'COMPLETED']);
      const replay = await http().get(`/v1/identity/oidc/callback${back.search}`);
      expect(replay.status).toBe(400);
    });

    it('starts by browser redirect too, with PKCE and nonce', async () => {
      const response = await http().get('/v1/identity/oidc/start');
      expect(response.status).toBe(302);
      const location = new URL(response.headers['location'] as string);
      expect(location.origin).toBe(op.issuer);
      expect(location.searchParams.get('code_challenge_method')).toBe('S256');
      expect(location.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('refuses a token whose national number is not a valid NISS', async () => {
      const { started, callback } = await oidcCallback(citizens.broken);
      expect(callback.status).toBe(401);
      expect(callback.body.type).toBe('https://smis.example/problems/identity/authentication-failed');
      const audit = await auditOf(started.enrolmentId, 'FAILED');
      expect(audit.find((e) => e.outcome === 'FAILED')?.reason).toBe('national-number-niss-check-digits');
    });

    it('verifies ID tokens: forged, expired, wrong-audience, wrong-issuer and wrong-nonce tokens are refused', async () => {
      const rp = app.get(OidcRelyingParty);
      const now = Math.floor(Date.now() / 1000);
      const opKey = await importJWK(op.signingKey, 'RS256');
      const mint = (
        claims: Record<string, unknown>,
        key: Parameters<SignJWT['sign']>[0] = opKey,
        kid = op.signingKey.kid,
      ) =>
        new SignJWT({
          iss: op.issuer,
          aud: 'smis-identity-it',
          sub: 'someone',
          iat: now - 10,
          exp: now + 300,
          nonce: 'n-1',
          national_number: citizens.alice,
          ...claims,
        })
          .setProtectedHeader({ alg: 'RS256', kid })
          .sign(key);
      await expect(rp.verifyIdToken(await mint({}), 'n-1')).resolves.toEqual({ niss: citizens.alice });

      const attacker = await generateKeyPair('RS256');
      const reasons: Array<[string, string]> = [];
      const reasonOf = async (token: string, nonce = 'n-1') => {
        const error = await rp.verifyIdToken(token, nonce).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AuthenticationFailedError);
        return (error as AuthenticationFailedError).reason;
      };
      reasons.push(['forged', await reasonOf(await mint({}, attacker.privateKey))]);
      const expired = await mint({ iat: now - 1200, exp: now - 600 });
      reasons.push(['expired', await reasonOf(expired)]);
      reasons.push(['audience', await reasonOf(await mint({ aud: 'another-client' }))]);
      reasons.push(['issuer', await reasonOf(await mint({ iss: 'https://evil.example' }))]);
      reasons.push(['nonce', await reasonOf(await mint({}), 'n-2')]);
      const signed = await mint({});
      reasons.push(['stripped', await reasonOf(`${signed.split('.').slice(0, 2).join('.')}.`)]);
      const none = Buffer.from(JSON.stringify({ alg: 'none', kid: op.signingKey.kid })).toString('base64url');
      reasons.push(['none', await reasonOf(`${none}.${signed.split('.')[1]}.`)]);
      expect(Object.fromEntries(reasons)).toEqual({
        forged: 'id-token-signature',
        expired: 'id-token-expired',
        audience: 'id-token-claim-aud',
        issuer: 'id-token-claim-iss',
        nonce: 'id-token-claim-nonce',
        stripped: 'id-token-signature',
        none: 'id-token-algorithm',
      });
    });

    it('links a phone enrolment: one credential with both app pseudonyms, and a second PhoneRegistration', async () => {
      const number = phone();
      const byPhone = await enrolByPhone(number);
      const { started, callback } = await oidcCallback(citizens.bob, byPhone.credential);
      expect(callback.status).toBe(200);
      expect(callback.body.methods).toEqual(['sms_otp', 'oidc']);
      const claims = await verifier().verifyClaims(callback.body.credential as string);
      expect(claims.app.map((p) => decryptors.app.decrypt(p))).toEqual([
        localOf(`tel:${number}`, 'app'),
        localOf(`niss:${citizens.bob}`, 'app'),
      ]);
      expect(claims.pp.map((p) => decryptors.router.decrypt(transcryptor.transcrypt(p, 'router')))).toEqual([
        localOf(`tel:${number}`, 'router'),
        localOf(`niss:${citizens.bob}`, 'router'),
      ]);
      const phoneClaims = decodeJwt(byPhone.credential);
      expect(claims.sms).toBe(phoneClaims.sms);

      const [registration] = await registrationsOf(started.enrolmentId, 1);
      expect(decryptors.sms.decrypt(tagged('sms', registration.recipient))).toBe(
        localOf(`niss:${citizens.bob}`, 'sms'),
      );
      expect(openSealed(registration.sealedPhoneNumber as Buffer, smsPublic, smsSecret)?.toString()).toBe(
        number,
      );
      const [first] = await registrationsOf(byPhone.enrolmentId, 1);
      expect(decryptors.sms.decrypt(tagged('sms', first.recipient))).toBe(localOf(`tel:${number}`, 'sms'));
    });

    it('refuses to link a tampered or foreign credential', async () => {
      const { credential } = await enrolByPhone(phone());
      const [header, body, signature] = credential.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { methods: string[] };
      payload.methods = ['sms_otp', 'extra'];
      const tampered = [header, Buffer.from(JSON.stringify(payload)).toString('base64url'), signature].join(
        '.',
      );
      const refused = await http().post('/v1/identity/oidc/start').send({ link: tampered });
      expect(refused.status).toBe(401);
      expect(refused.body.type).toBe('https://smis.example/problems/identity/invalid-credential');
      const foreign = await new SignJWT({ app: ['x'], pp: ['x'], methods: ['sms_otp'], sms: 'x' })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'smis-enrolment+jwt' })
        .setIssuer('smis-identity')
        .setAudience('smis-app-channel')
        .setSubject('s')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign((await generateKeyPair('EdDSA')).privateKey);
      expect((await http().post('/v1/identity/oidc/start').send({ link: foreign })).status).toBe(401);
    });
  });

  describe('transcryption', () => {
    const tel = () => pseudonymizer.polymorphicPseudonym(`tel:${makePhone()}`);
    const bearer = (service: keyof PlatformKeyring['serviceTokens']) =>
      `Bearer ${keyring.serviceTokens[service]}`;

    it('transcrypts a batch for an entitled service, failing malformed items alone', async () => {
      const number = phone();
      const pp = pseudonymizer.polymorphicPseudonym(`tel:${number}`);
      const zero = Buffer.alloc(64).toString('base64url');
      const response = await http()
        .post('/v1/identity/transcrypt')
        .set('authorization', bearer('router'))
        .send({ domain: 'sms', pseudonyms: [pp, 'not-a-pseudonym', zero, 42, tel()] });
      expect(response.status).toBe(200);
      const results = response.body.results as Array<{
        ok: boolean;
        value?: string;
        error?: { code: string };
      }>;
      expect(results.map((r) => r.ok)).toEqual([true, false, false, false, true]);
      expect(decryptors.sms.decrypt(results[0].value as EncryptedPseudonym)).toBe(
        localOf(`tel:${number}`, 'sms'),
      );
      expect(results[1].error?.code).toBe('INVALID_PSEUDONYM');
      expect(results[2].error?.code).toBe('INVALID_PSEUDONYM');
    });

    it('refuses unknown callers (401), other domains (403), bad requests (400), with problem details only', async () => {
      const body = { domain: 'app', pseudonyms: [tel()] };
      const none = await http().post('/v1/identity/transcrypt').send(body);
      expect(none.status).toBe(401);
      const unknown = await http()
        .post('/v1/identity/transcrypt')
        .set('authorization', 'Bearer not-a-known-token-123')
        .send(body);
      expect(unknown.status).toBe(401);
      expect(unknown.headers['content-type']).toContain('application/problem+json');
      expect(Object.keys(unknown.body).sort()).toEqual(['detail', 'instance', 'status', 'title', 'type']);
      expect(JSON.stringify(unknown.body)).not.toContain('not-a-known-token');
      const sms = await http()
        .post('/v1/identity/transcrypt')
        .set('authorization', bearer('sms-channel'))
        .send(body);
      expect(sms.status).toBe(403);
      expect(sms.body.type).toBe('https://smis.example/problems/identity/forbidden');
      const gateway = await http()
        .post('/v1/identity/transcrypt')
        .set('authorization', bearer('gateway'))
        .send({ domain: 'router', pseudonyms: [tel()] });
      expect(gateway.status).toBe(403);
      const badDomain = await http()
        .post('/v1/identity/transcrypt')
        .set('authorization', bearer('router'))
        .send({ domain: 'citizens', pseudonyms: [] });
      expect(badDomain.status).toBe(400);
      const tooMany = await http()
        .post('/v1/identity/transcrypt')
        .set('authorization', bearer('router'))
        .send({ domain: 'router', pseudonyms: Array.from({ length: 51 }, () => 'x') });
      expect(tooMany.status).toBe(400);
    });

    it('serves the same checks through the HTTP client and the in-process port', async () => {
      const number = phone();
      const pp = pseudonymizer.polymorphicPseudonym(`tel:${number}`) as PolymorphicPseudonym;
      const appChannel = createHttpTranscryptionPort({
        baseUrl,
        serviceToken: keyring.serviceTokens['app-channel'],
      });
      const [outcome] = await appChannel.transcrypt([pp], 'router');
      expect(outcome.ok && decryptors.router.decrypt(outcome.value)).toBe(localOf(`tel:${number}`, 'router'));
      const forbidden = await appChannel.transcrypt([pp], 'sms').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(forbidden).toBeInstanceOf(TranscryptionCallError);
      expect((forbidden as TranscryptionCallError).status).toBe(403);
      const stranger = createHttpTranscryptionPort({ baseUrl, serviceToken: 'unknown-token-0123456789' });
      await expect(stranger.transcrypt([pp], 'router')).rejects.toMatchObject({ status: 401 });

      const inProcess = createTranscryptionPort(app.get(TranscryptionService), 'sms-channel');
      const [local] = await inProcess.transcrypt([pp], 'sms');
      expect(local.ok && decryptors.sms.decrypt(local.value)).toBe(localOf(`tel:${number}`, 'sms'));
      await expect(inProcess.transcrypt([pp], 'email')).rejects.toBeInstanceOf(ForbiddenError);
    });
  });

  it('never stores or logs a NISS or phone number of the test citizens, in any form', async () => {
    expect(canaries.length).toBeGreaterThan(10);
    const tables = (await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [schema],
    )) as { table_name: string }[];
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['phone_enrolment', 'oidc_transaction', 'rate_limit_window', 'outbox']),
    );
    const rows: string[] = [];
    for (const { table_name } of tables) {
      const found = (await dataSource.query(
        `SELECT row_to_json(t)::text AS row FROM "${schema}"."${table_name}" t`,
      )) as {
        row: string;
      }[];
      rows.push(...found.map((r) => r.row));
    }
    expect(rows.length).toBeGreaterThan(20);
    expect(logs.lines.length).toBeGreaterThan(10);
    const audit = (await decodeAll<EnrolmentAuditEvent>('EnrolmentAuditEvent', recorders.audit.records)).map(
      (e) => JSON.stringify(e),
    );
    for (const text of [...rows, ...logs.lines, ...audit]) {
      // Digit runs with the separators people write numbers with, separators dropped.
      const runs = (text.match(/[0-9][0-9 .\-/()]*[0-9]/g) ?? []).map((r) => r.replace(/[^0-9]/g, ''));
      for (const canary of canaries) {
        for (const form of canaryForms(canary))
          expect(text, 'a stored row, log line or audit event').not.toContain(form);
        const tail = canary.replace(/[^0-9]/g, '').slice(-9);
        expect(runs.some((r) => r.includes(tail))).toBe(false);
      }
    }
  });
});
