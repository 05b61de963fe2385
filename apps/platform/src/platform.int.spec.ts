import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { newDevice } from '@smis/app-channel/testing';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import type { PlatformKeyring } from '@smis/keyring';
import type { MessageContent } from '@smis/message-content';
import { createSenderClient } from '@smis/sender-sdk';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { createAvroCodec, TOPICS, type DeliveryEvent } from '@smis/contracts';
import { createKafka } from '@smis/messaging';
import { testDatabaseUrl, testKafkaBrokers, waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, type RunningPlatform } from './bootstrap';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const sender = createSodiumEnvelopeCrypto().generateSenderKeyPair();

describe('platform process', () => {
  let platform: RunningPlatform;
  const logs: string[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'smis-platform-'));

  beforeAll(async () => {
    writeFileSync(
      path.join(dataDir, 'senders.yaml'),
      stringify({
        senders: [
          {
            senderId: 'canary-health',
            displayName: { en: 'Canary health' },
            signingKeys: [
              { keyId: sender.keyId, publicKey: Buffer.from(sender.publicKey).toString('base64') },
            ],
          },
        ],
      }),
    );
    platform = await bootstrap(
      {
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        DATABASE_URL: testDatabaseUrl(),
        SMIS_DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'debug',
      },
      { logDestination: { write: (line) => void logs.push(line) } },
    );
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('answers /health with every dependency up', async () => {
    const response = await fetch(`${platform.url}/health`);
    const body = (await response.json()) as {
      status: string;
      details: Record<string, { status: string; kind?: string }>;
    };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details.kafka.status).toBe('up');
    expect(body.details.database).toMatchObject({ status: 'up', kind: 'postgres' });
    expect((await fetch(`${platform.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${platform.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(
      ((await ready.json()) as { details: Record<string, { status: string }> }).details.kafka.status,
    ).toBe('up');
  });

  it('reports Kafka down with 503 when the brokers do not answer', async () => {
    const unreachable = await bootstrap({
      KAFKA_BROKERS: '127.0.0.1:1',
      SMIS_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'smis-platform-')),
      PORT: '0',
      HEALTH_TIMEOUT_MS: '1500',
      SMIS_SERVICES: 'none',
      SMIS_PROVISION_TOPICS: 'false',
      LOG_LEVEL: 'error',
    });
    try {
      const response = await fetch(`${unreachable.url}/health`);
      const body = (await response.json()) as {
        status: string;
        details: Record<string, { status: string; kind?: string }>;
      };
      expect(response.status).toBe(503);
      expect(body.details.kafka.status).toBe('down');
      expect(body.details.database).toMatchObject({ status: 'up', kind: 'pglite' });
    } finally {
      await unreachable.close();
    }
  });

  it('hosts the status service: a delivery event becomes a queryable status, and metrics move', async () => {
    const messageId = randomUUID();
    const senderId = 'platform-test';
    const event: DeliveryEvent = {
      eventId: randomUUID(),
      messageId,
      senderId,
      status: 'DELIVERED',
      channel: 'APP',
      reason: null,
      fromChannel: null,
      toChannel: null,
      deviceId: null,
      planId: null,
      attempt: 1,
      occurredAt: Date.now(),
      producer: 'app-channel',
    };
    const client = createKafka({ brokers: testKafkaBrokers(), clientId: 'platform-test' });
    const producer = client.producer();
    await producer.send(TOPICS.events, [
      { key: messageId, value: await createAvroCodec().encode('DeliveryEvent', event) },
    ]);
    await producer.disconnect();
    const status = await waitFor(
      async () => {
        const response = await fetch(`${platform.url}/v1/status/messages/${messageId}`, {
          headers: { 'x-smis-sender-id': senderId },
        });
        return response.status === 200 ? ((await response.json()) as { status: string }) : undefined;
      },
      { timeoutMs: 30_000, description: 'the status of the published event' },
    );
    expect(status.status).toBe('DELIVERED');
    const other = await fetch(`${platform.url}/v1/status/messages/${messageId}`, {
      headers: { 'x-smis-sender-id': 'someone-else' },
    });
    expect(other.status).toBe(404);
    const metrics = await (await fetch(`${platform.url}/metrics`)).text();
    expect(metrics).toMatch(/smis_http_requests_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/smis_messaging_messages_in_total\{[^}]*topic="smis\.events\.v1"[^}]*\} [1-9]/);
  });

  async function enrolByPhone(phone: string): Promise<string> {
    const started = await fetch(`${platform.url}/v1/identity/enrolments/phone`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: phone }),
    });
    expect(started.status).toBe(201);
    const { enrolmentId } = (await started.json()) as { enrolmentId: string };
    const sms = await platform.smsGateway?.waitFor((s) => s.to.replace(/^\+/, '') === phone.slice(1), 30_000);
    const code = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await fetch(`${platform.url}/v1/identity/enrolments/${enrolmentId}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    expect(verified.status).toBe(200);
    const { credential } = (await verified.json()) as { credential: string };
    return credential;
  }

  it('enrols a citizen by phone: identity seals the code, the SMS channel sends it through the gateway', async () => {
    const credential = await enrolByPhone(`+3247${String(Date.now()).slice(-7)}`);
    expect(credential.split('.')).toHaveLength(3);
  });

  it('keeps NISS, phone number and content out of every row and log line of the router and the app channel', async () => {
    const phone = `+3247${String(Date.now() + 1).slice(-7)}`;
    const niss = '85073003328';
    const canary = `canary-${randomUUID()}`;
    const credential = await enrolByPhone(phone);
    const device = newDevice();
    const body = JSON.stringify({
      credential,
      encryptionPublicKey: Buffer.from(device.keys.publicKey).toString('base64'),
      signingPublicKey: Buffer.from(device.signing.publicKey).toString('base64'),
      push: { provider: 'fcm', token: `fcm-${randomUUID()}` },
      notificationsEnabled: true,
      locale: 'nl-BE',
      appVersion: '1.0.0',
    });
    const registered = await fetch(`${platform.url}/v1/app/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...device.sign('POST', '/v1/app/devices', body) },
      body,
    });
    expect(registered.status).toBe(201);

    const keyring = JSON.parse(readFileSync(path.join(dataDir, 'keys.json'), 'utf8')) as PlatformKeyring;
    const client = createSenderClient({
      senderId: 'canary-health',
      signingKey: sender,
      digestKey: randomBytes(32),
      systemPublicKey: keyring.pseudonym.public,
      channelKeys: {
        sms: Buffer.from(keyring.channels.sms.publicKey, 'base64'),
        email: Buffer.from(keyring.channels.email.publicKey, 'base64'),
      },
      transport: { kind: 'kafka', brokers: testKafkaBrokers(), gatewayUrl: platform.url },
    });
    try {
      const content = {
        v: 1,
        lang: 'en',
        texts: { en: { title: canary, body: `${canary} ${phone} ${niss}` } },
        parts: [],
      } as unknown as MessageContent;
      const common = {
        content,
        category: 'health',
        expiresAt: Date.now() + 3_600_000,
        smsText: `${canary} sms`,
      };
      const byPhone = await client.send({ ...common, recipient: `tel:${phone}` });
      expect(byPhone.reachability.devices).toHaveLength(1);
      const byNiss = await client.send({ ...common, recipient: `niss:${niss}` });
      const statusOf = async (id: string) =>
        (
          (await (
            await fetch(`${platform.url}/v1/status/messages/${id}`, {
              headers: { 'x-smis-sender-id': 'canary-health' },
            })
          ).json()) as {
            status?: string;
          }
        ).status;
      await waitFor(async () => (await statusOf(byPhone.messageId)) === 'DISPATCHED', {
        description: 'DISPATCHED to the device',
      });
      await waitFor(async () => (await statusOf(byNiss.messageId)) === 'FAILED', {
        description: 'FAILED for the NISS without device or phone',
      });
    } finally {
      await client.close();
    }

    const forms = [phone, phone.slice(1), niss, canary];
    const hexForms = forms.map((f) => Buffer.from(f, 'utf8').toString('hex'));
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      for (const schema of ['router', 'app_channel']) {
        const tables = (
          await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema])
        ).rows as {
          table_name: string;
        }[];
        expect(tables.length).toBeGreaterThan(3);
        for (const { table_name } of tables) {
          const rows = (await db.query(`SELECT row_to_json(t)::text AS j FROM "${schema}"."${table_name}" t`))
            .rows as { j: string }[];
          for (const { j } of rows) {
            for (const form of [...forms, ...hexForms])
              expect(j, `${schema}.${table_name}`).not.toContain(form);
          }
        }
      }
    } finally {
      await db.end();
    }
    const logText = logs.join('');
    expect(logText.length).toBeGreaterThan(1000);
    for (const form of forms) expect(logText).not.toContain(form);
  });

  it('stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'tools/run-ts.cjs'), path.join(ROOT, 'apps/platform/src/main.ts')],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: testKafkaBrokers().join(','),
          DATABASE_URL: testDatabaseUrl(),
          PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => output.includes('SMIS platform listening'), {
      timeoutMs: 60_000,
      description: 'the platform to listen',
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('SMIS platform stopped');
  });
});
