import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newDevice, type TestDevice } from '@smis/app-channel/testing';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import type { PlatformKeyring } from '@smis/keyring';
import { decodeContent, type MessageContent } from '@smis/message-content';
import { startDevOidcProvider, type DevOidcProvider } from '@smis/oidc-dev-provider';
import { normalizePhoneNumber } from '@smis/pseudonym';
import { createSenderClient, type SenderClient } from '@smis/sender-sdk';
import { testDatabaseUrl, testKafkaBrokers, waitFor } from '@smis/testing';
import { decodeJwt } from 'jose';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bootstrap, type RunningPlatform } from './bootstrap';

/**
 * Issue 4, end to end in the platform process: a citizen enrolled by phone adds strong
 * authentication (the local OpenID provider), the two identities are linked in one credential,
 * and a message addressed by `tel:` and one addressed by `niss:` reach the same devices — and
 * not the devices of another citizen.
 */

const envelopeCrypto = createSodiumEnvelopeCrypto();
const sender = { senderId: 'linked-health', keys: envelopeCrypto.generateSenderKeyPair() };

/** A valid NISS born before 2000 (check digits 97 - base mod 97), random sequence number. */
function makeNiss(yymmdd: string): string {
  const seq = String(randomInt(1, 998)).padStart(3, '0');
  const base = Number(`${yymmdd}${seq}`);
  return `${yymmdd}${seq}${String(97 - (base % 97)).padStart(2, '0')}`;
}

/** A fresh valid Belgian mobile number in E.164. */
function makePhone(): string {
  for (;;) {
    try {
      return normalizePhoneNumber(
        `+3247${randomInt(0, 10)}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`,
      );
    } catch {
      /* not a valid number: draw another */
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

/** The forms a phone number or NISS may take in a row or a log line. */
function identifierForms(value: string): string[] {
  const plain = value.startsWith('+32')
    ? [
        value,
        value.slice(1),
        `00${value.slice(1)}`,
        `0${value.slice(3)}`,
        `0${value.slice(3, 6)} ${value.slice(6, 8)} ${value.slice(8, 10)} ${value.slice(10)}`,
      ]
    : [
        value,
        `${value.slice(0, 2)}.${value.slice(2, 4)}.${value.slice(4, 6)}-${value.slice(6, 9)}.${value.slice(9)}`,
      ];
  return [
    ...plain,
    Buffer.from(value, 'utf8').toString('hex'),
    ...plain.slice(0, 2).flatMap((form) => base64Forms(form)),
  ];
}

interface Citizen {
  phone: string;
  niss: string;
}

interface Issued {
  credential: string;
  methods: string[];
}

describe('linked identities in the platform process (identity, OpenID provider, app channel, router)', () => {
  const alice: Citizen = { phone: makePhone(), niss: makeNiss('790412') };
  const bob: Citizen = { phone: makePhone(), niss: makeNiss('880923') };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'smis-linked-'));
  const logs: string[] = [];
  let op: DevOidcProvider;
  let platform: RunningPlatform;
  let client: SenderClient;

  beforeAll(async () => {
    writeFileSync(
      path.join(dataDir, 'senders.yaml'),
      stringify({
        senders: [
          {
            senderId: sender.senderId,
            displayName: { en: 'Linked health' },
            signingKeys: [
              { keyId: sender.keys.keyId, publicKey: Buffer.from(sender.keys.publicKey).toString('base64') },
            ],
          },
        ],
      }),
    );
    // The issuer plays itsme / the federal authentication service, with our two test citizens.
    // The redirect target is never fetched: the test carries code and state to the callback.
    const redirectUri = 'http://127.0.0.1:1/app/';
    op = await startDevOidcProvider({
      citizens: [
        { niss: alice.niss, name: 'Alice Linked' },
        { niss: bob.niss, name: 'Bob Other' },
      ],
      clients: [
        {
          clientId: 'smis-linked-it',
          clientSecret: 'linked-it-secret-0123456789',
          redirectUris: [redirectUri],
        },
      ],
    });
    platform = await bootstrap(
      {
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        DATABASE_URL: testDatabaseUrl(),
        SMIS_DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'debug',
        SMIS_IDENTITY_OIDC_DISCOVERY_URL: op.discoveryUrl,
        SMIS_IDENTITY_OIDC_CLIENT_ID: 'smis-linked-it',
        SMIS_IDENTITY_OIDC_CLIENT_SECRET: 'linked-it-secret-0123456789',
        SMIS_IDENTITY_OIDC_REDIRECT_URI: redirectUri,
      },
      { logDestination: { write: (line) => void logs.push(line) } },
    );
    const keyring = JSON.parse(readFileSync(path.join(dataDir, 'keys.json'), 'utf8')) as PlatformKeyring;
    client = createSenderClient({
      senderId: sender.senderId,
      signingKey: sender.keys,
      digestKey: randomBytes(32),
      systemPublicKey: keyring.pseudonym.public,
      channelKeys: {
        sms: Buffer.from(keyring.channels.sms.publicKey, 'base64'),
        email: Buffer.from(keyring.channels.email.publicKey, 'base64'),
      },
      transport: { kind: 'kafka', brokers: testKafkaBrokers(), gatewayUrl: platform.url },
      keyCache: { ttlMs: 0 },
    });
  });

  afterAll(async () => {
    await client?.close();
    await platform?.close();
    await op?.close();
  });

  async function post(route: string, payload: unknown): Promise<Response> {
    return fetch(`${platform.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
  }

  /** Phone enrolment: the code is read where the citizen would read it, the SMS gateway. */
  async function enrolByPhone(phone: string): Promise<Issued> {
    const started = await post('/v1/identity/enrolments/phone', { phoneNumber: phone });
    expect(started.status).toBe(201);
    const { enrolmentId } = (await started.json()) as { enrolmentId: string };
    const sms = await platform.smsGateway?.waitFor((s) => s.to.replace(/^\+/, '') === phone.slice(1), 30_000);
    const code = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await post(`/v1/identity/enrolments/${enrolmentId}/verify`, { code });
    expect(verified.status).toBe(200);
    return (await verified.json()) as Issued;
  }

  /** Strong authentication presenting the phone credential (`link`), through the provider's login. */
  async function linkStrongAuthentication(phoneCredential: string, niss: string): Promise<Issued> {
    const started = await post('/v1/identity/oidc/start', { link: phoneCredential });
    expect(started.status).toBe(201);
    const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
    expect(new URL(authorizationUrl).origin).toBe(op.issuer);
    const back = await op.loginAs(authorizationUrl, niss);
    expect(back.searchParams.get('code')).toBeTruthy();
    const callback = await fetch(`${platform.url}/v1/identity/oidc/callback${back.search}`);
    expect(callback.status).toBe(200);
    return (await callback.json()) as Issued;
  }

  /** Registers (or re-registers) a device with a credential; answers how many identities it is filed under. */
  async function registerDevice(device: TestDevice, credential: string): Promise<number> {
    const route = '/v1/app/devices';
    const body = JSON.stringify({
      credential,
      encryptionPublicKey: Buffer.from(device.keys.publicKey).toString('base64'),
      signingPublicKey: Buffer.from(device.signing.publicKey).toString('base64'),
      push: { provider: 'fcm', token: `fcm-${randomBytes(12).toString('hex')}` },
      notificationsEnabled: true,
      locale: 'en-BE',
      appVersion: '1.0.0',
    });
    const response = await fetch(`${platform.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...device.sign('POST', route, body) },
      body,
    });
    expect(response.status).toBe(201);
    const registered = (await response.json()) as { deviceId: string; identities: number };
    expect(registered.deviceId).toBe(device.deviceId);
    return registered.identities;
  }

  const deviceGet = (device: TestDevice, route: string): Promise<Response> =>
    fetch(`${platform.url}${route}`, { headers: device.sign('GET', route) });

  /** Every message id in the device's inbox (signed inbox sync, page by page). */
  async function inboxOf(device: TestDevice): Promise<string[]> {
    const ids: string[] = [];
    let after = '0';
    for (;;) {
      const response = await deviceGet(device, `/v1/app/inbox?after=${after}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        items: { messageId: string; kind: string }[];
        cursor: string;
        hasMore: boolean;
      };
      ids.push(...page.items.filter((i) => i.kind === 'message').map((i) => i.messageId));
      if (!page.hasMore) return ids;
      after = page.cursor;
    }
  }

  /** Fetches the sealed envelope and opens it with the device's own key: the title. */
  async function openOn(device: TestDevice, messageId: string): Promise<string> {
    const response = await deviceGet(device, `/v1/app/messages/${messageId}`);
    expect(response.status).toBe(200);
    const { envelope } = (await response.json()) as { envelope: string };
    const opened = envelopeCrypto.open(Buffer.from(envelope, 'base64'), device.keys, {
      lookupSenderKey: (senderId, keyId) =>
        senderId === sender.senderId && keyId === sender.keys.keyId ? sender.keys.publicKey : undefined,
    });
    expect(opened.messageId).toBe(messageId);
    return decodeContent(opened.content).texts.en?.title ?? '';
  }

  const keyIdsOf = async (recipient: string): Promise<string[]> =>
    (await client.lookup(recipient)).devices.map((d) => d.keyId).sort();

  async function send(recipient: string, title: string): Promise<{ messageId: string; devices: string[] }> {
    const content: MessageContent = {
      v: 1,
      lang: 'en',
      texts: { en: { title, body: `${title}: for the citizen's devices only` } },
      parts: [],
    };
    const sent = await client.send({
      recipient,
      content,
      category: 'health',
      expiresAt: Date.now() + 3_600_000,
      smsText: 'You have a message from Linked health',
    });
    return { messageId: sent.messageId, devices: sent.reachability.devices.map((d) => d.keyId).sort() };
  }

  it('reaches the devices of a credential linking phone and NISS by either identifier, and no other citizen', async () => {
    // Alice enrols by phone and registers her phone with that credential.
    const byPhone = await enrolByPhone(alice.phone);
    expect(byPhone.methods).toEqual(['sms_otp']);
    expect((decodeJwt(byPhone.credential).app as string[]).length).toBe(1);
    const phoneOfAlice = newDevice();
    expect(await registerDevice(phoneOfAlice, byPhone.credential)).toBe(1);

    // Later she adds strong authentication: one credential for both identities.
    const linked = await linkStrongAuthentication(byPhone.credential, alice.niss);
    expect(linked.methods).toEqual(['sms_otp', 'oidc']);
    const claims = decodeJwt(linked.credential);
    expect((claims.app as string[]).length).toBe(2);
    expect((claims.pp as string[]).length).toBe(2);
    expect(claims.sms).toBe(decodeJwt(byPhone.credential).sms);
    // The app re-registers its device with the linked credential, and a tablet registers with it.
    expect(await registerDevice(phoneOfAlice, linked.credential)).toBe(2);
    const tabletOfAlice = newDevice();
    expect(await registerDevice(tabletOfAlice, linked.credential)).toBe(2);
    const aliceDevices = [phoneOfAlice.keys.keyId, tabletOfAlice.keys.keyId].sort();

    // Bob: another citizen with both identities of his own, linked to nothing of Alice's.
    const bobByPhone = await enrolByPhone(bob.phone);
    const bobLinked = await linkStrongAuthentication(bobByPhone.credential, bob.niss);
    const phoneOfBob = newDevice();
    expect(await registerDevice(phoneOfBob, bobLinked.credential)).toBe(2);

    // The directory (gateway key lookup) answers the same devices for both of Alice's identifiers.
    expect(await keyIdsOf(`tel:${alice.phone}`)).toEqual(aliceDevices);
    expect(await keyIdsOf(`niss:${alice.niss}`)).toEqual(aliceDevices);
    expect(await keyIdsOf(`niss:${bob.niss}`)).toEqual([phoneOfBob.keys.keyId]);

    const byTel = await send(`tel:${alice.phone}`, 'Addressed by phone');
    const byNiss = await send(`niss:${alice.niss}`, 'Addressed by NISS');
    const toBob = await send(`niss:${bob.niss}`, 'For Bob');
    expect(byTel.devices).toEqual(aliceDevices);
    expect(byNiss.devices).toEqual(aliceDevices);
    expect(toBob.devices).toEqual([phoneOfBob.keys.keyId]);

    // Both messages arrive in the inbox of each of Alice's devices, and open there.
    for (const device of [phoneOfAlice, tabletOfAlice]) {
      await waitFor(
        async () => {
          const inbox = await inboxOf(device);
          return inbox.includes(byTel.messageId) && inbox.includes(byNiss.messageId);
        },
        { timeoutMs: 60_000, description: "both messages in the inbox of Alice's device" },
      );
      expect(await openOn(device, byTel.messageId)).toBe('Addressed by phone');
      expect(await openOn(device, byNiss.messageId)).toBe('Addressed by NISS');
    }
    await waitFor(async () => (await inboxOf(phoneOfBob)).includes(toBob.messageId), {
      timeoutMs: 60_000,
      description: "Bob's message in his inbox",
    });
    expect(await openOn(phoneOfBob, toBob.messageId)).toBe('For Bob');

    // Every message has been filed (each one for all its devices at once): nothing crossed over.
    expect(await inboxOf(phoneOfBob)).toEqual([toBob.messageId]);
    for (const device of [phoneOfAlice, tabletOfAlice])
      expect((await inboxOf(device)).sort()).toEqual([byTel.messageId, byNiss.messageId].sort());
    for (const messageId of [byTel.messageId, byNiss.messageId])
      expect((await deviceGet(phoneOfBob, `/v1/app/messages/${messageId}`)).status).toBe(404);
    expect((await deviceGet(phoneOfAlice, `/v1/app/messages/${toBob.messageId}`)).status).toBe(404);
  }, 240_000);

  it("keeps the linked citizens' NISS and phone numbers out of every row and log line", async () => {
    const forms = [alice.phone, alice.niss, bob.phone, bob.niss].flatMap(identifierForms);
    const tails = [alice.phone, alice.niss, bob.phone, bob.niss].map((v) => v.replace(/\D/g, '').slice(-9));
    const texts: { where: string; text: string }[] = [];
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      for (const schema of ['identity', 'router', 'app_channel']) {
        const tables = (
          await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema])
        ).rows as { table_name: string }[];
        expect(tables.length, schema).toBeGreaterThan(2);
        for (const { table_name } of tables) {
          const rows = (await db.query(`SELECT row_to_json(t)::text AS j FROM "${schema}"."${table_name}" t`))
            .rows as { j: string }[];
          texts.push(...rows.map((r) => ({ where: `${schema}.${table_name}`, text: r.j })));
        }
      }
    } finally {
      await db.end();
    }
    expect(texts.length).toBeGreaterThan(20);
    expect(logs.length).toBeGreaterThan(50);
    texts.push(...logs.map((line) => ({ where: 'log', text: line })));
    for (const { where, text } of texts) {
      for (const form of forms) expect(text, where).not.toContain(form);
      // Digit runs with the separators people write numbers with, separators dropped.
      const runs = (text.match(/[0-9][0-9 .\-/()]*[0-9]/g) ?? []).map((r) => r.replace(/\D/g, ''));
      for (const tail of tails)
        expect(
          runs.some((r) => r.includes(tail)),
          where,
        ).toBe(false);
    }
  });
});
