import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { newDevice } from '@smis/app-channel/testing';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import type { PlatformKeyring } from '@smis/keyring';
import type { MessageContent } from '@smis/message-content';
import {
  CLIENT_ASSERTION_TYPE,
  createClientAssertion,
  createSenderClient,
  type SenderTransport,
} from '@smis/sender-sdk';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { createAvroCodec, statusTopic, TOPICS, type DeliveryEvent } from '@smis/contracts';
import { createKafka, TopicRecorder } from '@smis/messaging';
import { parseTraceparent } from '@smis/observability';
import { testDatabaseUrl, testKafkaBrokers, waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, type RunningPlatform } from './bootstrap';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const sender = createSodiumEnvelopeCrypto().generateSenderKeyPair();
/** A sender of its own for the trace test, so its status topic holds only this run's statuses. */
const tracedSender = {
  senderId: `trace-health-${Date.now().toString(36)}`,
  keys: createSodiumEnvelopeCrypto().generateSenderKeyPair(),
};

/** The sum of the samples of `name` whose labels include `labels` (0 when there is none). */
function sampled(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface MetricCheck {
  what: string;
  name: string;
  labels?: Record<string, string>;
  /** The least the sample must have grown by. */
  atLeast: number;
}

function unmet(before: string, after: string, checks: readonly MetricCheck[]): string[] {
  return checks
    .filter((c) => sampled(after, c.name, c.labels) - sampled(before, c.name, c.labels) < c.atLeast)
    .map(
      (c) =>
        `${c.what}: ${c.name}${JSON.stringify(c.labels ?? {})} moved by ${
          sampled(after, c.name, c.labels) - sampled(before, c.name, c.labels)
        }, expected at least ${c.atLeast}`,
    );
}

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
          {
            senderId: tracedSender.senderId,
            displayName: { en: 'Traced health' },
            signingKeys: [
              {
                keyId: tracedSender.keys.keyId,
                publicKey: Buffer.from(tracedSender.keys.publicKey).toString('base64'),
              },
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

  /** A gateway access token of a registered sender (client credentials with private_key_jwt). */
  async function accessToken(
    senderId: string,
    keys: { keyId: string; publicKey: Uint8Array; secretKey: Uint8Array },
  ): Promise<string> {
    const tokenUrl = `${platform.url}/v1/gateway/oauth/token`;
    const privateKey = createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        d: Buffer.from(keys.secretKey.subarray(0, 32)).toString('base64url'),
        x: Buffer.from(keys.publicKey).toString('base64url'),
      },
      format: 'jwk',
    });
    const assertion = createClientAssertion({
      senderId,
      keyId: keys.keyId,
      privateKey,
      audience: tokenUrl,
      now: Date.now(),
    });
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: senderId,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
      }).toString(),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

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

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${platform.url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };

  /** Scrapes until every check holds (or 30 s), then asserts them: a failure names what did not move. */
  async function expectMetricsMoved(before: string, checks: readonly MetricCheck[]): Promise<string> {
    let after = before;
    await waitFor(
      async () => {
        after = await scrape();
        return unmet(before, after, checks).length === 0;
      },
      { timeoutMs: 30_000, description: 'the metrics to move' },
    ).catch(() => undefined);
    expect(unmet(before, after, checks)).toEqual([]);
    return after;
  }

  it('hosts the status service: a delivery event becomes a queryable status, and metrics move', async () => {
    const before = await scrape();
    const messageId = randomUUID();
    const senderId = 'canary-health';
    const token = await accessToken(senderId, sender);
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
          headers: bearer(token),
        });
        return response.status === 200 ? ((await response.json()) as { status: string }) : undefined;
      },
      { timeoutMs: 30_000, description: 'the status of the published event' },
    );
    expect(status.status).toBe('DELIVERED');
    // Another sender's token: not found, existence is not disclosed across senders (ADR 0803).
    const other = await fetch(`${platform.url}/v1/status/messages/${messageId}`, {
      headers: bearer(await accessToken(tracedSender.senderId, tracedSender.keys)),
    });
    expect(other.status).toBe(404);
    await expectMetricsMoved(before, [
      {
        what: 'the event consumed by the status service',
        name: 'smis_messaging_messages_in_total',
        labels: { topic: TOPICS.events, outcome: 'processed' },
        atLeast: 1,
      },
      {
        what: 'the event recorded',
        name: 'smis_status_events_total',
        labels: { outcome: 'recorded', status: 'DELIVERED' },
        atLeast: 1,
      },
      {
        what: 'the status queries, by route template',
        name: 'smis_http_requests_total',
        labels: { method: 'GET', route: '/v1/status/messages/:messageId', status: '200' },
        atLeast: 1,
      },
    ]);
  });

  it('takes the sender of the status and broadcast APIs from a verified gateway token, never from the header alone', async () => {
    const messageId = randomUUID();
    const broadcastId = randomUUID();
    const problemOf = async (response: Response) => ({
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as { status?: number },
    });
    const refused = (status: number) => ({
      status,
      type: expect.stringContaining('application/problem+json') as unknown,
      body: expect.objectContaining({ status }) as unknown,
    });
    const header = { 'x-smis-sender-id': 'canary-health' };
    // The header a gateway in front would set, but no token: 401 problem details.
    expect(
      await problemOf(await fetch(`${platform.url}/v1/status/messages/${messageId}`, { headers: header })),
    ).toEqual(refused(401));
    expect(
      await problemOf(await fetch(`${platform.url}/v1/status/subscriptions`, { headers: header })),
    ).toEqual(refused(401));
    expect(
      await problemOf(
        await fetch(`${platform.url}/v1/broadcast/broadcasts/${broadcastId}/cancel`, {
          method: 'POST',
          headers: header,
        }),
      ),
    ).toEqual(refused(401));
    expect(
      await problemOf(
        await fetch(`${platform.url}/v1/broadcast/broadcasts/${broadcastId}`, { headers: header }),
      ),
    ).toEqual(refused(401));
    // A token that is not the gateway's (altered signature): 401 as well.
    const canary = await accessToken('canary-health', sender);
    const forged = `${canary.slice(0, -4)}${canary.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(
      (
        await fetch(`${platform.url}/v1/status/messages/${messageId}`, {
          headers: { ...bearer(forged), ...header },
        })
      ).status,
    ).toBe(401);
    // One sender's token with another sender's header: refused, the token decides.
    const traced = await accessToken(tracedSender.senderId, tracedSender.keys);
    expect(
      await problemOf(
        await fetch(`${platform.url}/v1/status/messages/${messageId}`, {
          headers: { ...bearer(traced), ...header },
        }),
      ),
    ).toEqual(refused(403));
    expect(
      await problemOf(
        await fetch(`${platform.url}/v1/broadcast/broadcasts/${broadcastId}/cancel`, {
          method: 'POST',
          headers: { ...bearer(traced), ...header },
        }),
      ),
    ).toEqual(refused(403));
    // The token alone, or with its own sender's header, is enough: this sender has no such message or broadcast.
    expect(
      (await fetch(`${platform.url}/v1/status/messages/${messageId}`, { headers: bearer(canary) })).status,
    ).toBe(404);
    expect(
      (
        await fetch(`${platform.url}/v1/broadcast/broadcasts/${broadcastId}/cancel`, {
          method: 'POST',
          headers: { ...bearer(canary), ...header },
        })
      ).status,
    ).toBe(404);
    const subscriptions = await fetch(`${platform.url}/v1/status/subscriptions`, { headers: bearer(canary) });
    expect(subscriptions.status).toBe(200);
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

  /** Registers a device (FCM push, to the local emulator) for the enrolled citizen. */
  async function registerDevice(credential: string): Promise<void> {
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
  }

  it('enrols a citizen by phone: identity seals the code, the SMS channel sends it through the gateway', async () => {
    const credential = await enrolByPhone(`+3247${String(Date.now()).slice(-7)}`);
    expect(credential.split('.')).toHaveLength(3);
  });

  it('keeps NISS, phone number and content out of every row and log line of the router and the app channel', async () => {
    const phone = `+3247${String(Date.now() + 1).slice(-7)}`;
    const niss = '85073003328';
    const canary = `canary-${randomUUID()}`;
    await registerDevice(await enrolByPhone(phone));

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
      const token = await accessToken('canary-health', sender);
      const statusOf = async (id: string) =>
        (
          (await (
            await fetch(`${platform.url}/v1/status/messages/${id}`, { headers: bearer(token) })
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

  it('carries the trace of a request through router, app channel and status, and moves the metrics of every hop', async () => {
    const phone = `+3247${String(Date.now() + 2).slice(-7)}`;
    await registerDevice(await enrolByPhone(phone));
    const keyring = JSON.parse(readFileSync(path.join(dataDir, 'keys.json'), 'utf8')) as PlatformKeyring;
    const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: 'platform-trace-test' });
    const codec = createAvroCodec();
    // The sender system's own trace: the request record carries it.
    const traceId = randomBytes(16).toString('hex');
    const senderSpanId = randomBytes(8).toString('hex');
    const producer = kafka.producer();
    const transport: SenderTransport = {
      kind: 'traced-kafka',
      publish: async (request) => {
        await producer.send(TOPICS.requests, [
          {
            key: request.messageId,
            value: await codec.encode('MessageRequest', request),
            headers: { traceparent: `00-${traceId}-${senderSpanId}-01` },
          },
        ]);
      },
      watch: () => {
        throw new Error('this test reads the status topic itself');
      },
      close: () => producer.disconnect(),
    };
    const client = createSenderClient(
      {
        senderId: tracedSender.senderId,
        signingKey: tracedSender.keys,
        digestKey: randomBytes(32),
        systemPublicKey: keyring.pseudonym.public,
        channelKeys: {
          sms: Buffer.from(keyring.channels.sms.publicKey, 'base64'),
          email: Buffer.from(keyring.channels.email.publicKey, 'base64'),
        },
        transport: { kind: 'kafka', brokers: testKafkaBrokers(), gatewayUrl: platform.url },
      },
      { transport },
    );
    const jobs = await TopicRecorder.start(kafka, { topic: TOPICS.appChannel, timeoutMs: 60_000 });
    const statuses = await TopicRecorder.start(kafka, {
      topic: statusTopic(tracedSender.senderId),
      timeoutMs: 60_000,
    });
    try {
      const before = await scrape();
      const { messageId } = await client.send({
        recipient: `tel:${phone}`,
        content: {
          v: 1,
          lang: 'en',
          texts: { en: { title: 'Trace', body: 'Followed across every hop' } },
          parts: [],
        } as unknown as MessageContent,
        category: 'health',
        expiresAt: Date.now() + 3_600_000,
        smsText: 'You have a message',
      });

      // The router's job for the app channel: a new span of the sender's trace.
      const job = await jobs.waitFor((r) => r.key === messageId);
      const jobTrace = parseTraceparent(job.headers.traceparent);
      expect(jobTrace?.traceId).toBe(traceId);
      expect(jobTrace?.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(jobTrace?.spanId).not.toBe(senderSpanId);
      // Two hops and two outboxes later (app channel, then status), still the same trace.
      const published = await waitFor(
        async () => {
          const mine = await Promise.all(
            statuses.records
              .filter((r) => r.key === messageId && r.value !== null)
              .map(async (r) => ({
                status: (await codec.decode('MessageStatus', r.value as Buffer)).status,
                trace: parseTraceparent(r.headers.traceparent),
              })),
          );
          return mine.some((m) => m.status === 'DISPATCHED') && mine;
        },
        { timeoutMs: 60_000, description: "the DISPATCHED status on the sender's topic" },
      );
      for (const { status, trace } of published) expect(trace?.traceId, status).toBe(traceId);

      const after = await expectMetricsMoved(before, [
        {
          what: 'the request consumed by the router',
          name: 'smis_messaging_messages_in_total',
          labels: { topic: TOPICS.requests, outcome: 'processed' },
          atLeast: 1,
        },
        {
          what: 'the job published by the router',
          name: 'smis_messaging_messages_out_total',
          labels: { topic: TOPICS.appChannel },
          atLeast: 1,
        },
        {
          what: 'the job consumed by the app channel',
          name: 'smis_messaging_messages_in_total',
          labels: { topic: TOPICS.appChannel, outcome: 'processed' },
          atLeast: 1,
        },
        {
          what: 'the events published (router, app channel)',
          name: 'smis_messaging_messages_out_total',
          labels: { topic: TOPICS.events },
          atLeast: 2,
        },
        {
          what: 'the events consumed (router and status groups)',
          name: 'smis_messaging_messages_in_total',
          labels: { topic: TOPICS.events, outcome: 'processed' },
          atLeast: 2,
        },
        {
          what: "the statuses published to the sender's topic",
          name: 'smis_messaging_messages_out_total',
          labels: { topic: statusTopic(tracedSender.senderId) },
          atLeast: 1,
        },
        {
          what: 'the push accepted by FCM',
          name: 'smis_app_channel_pushes_total',
          labels: { provider: 'fcm', outcome: 'sent' },
          atLeast: 1,
        },
        {
          what: 'the job-to-push latency',
          name: 'smis_app_channel_dispatch_latency_seconds_count',
          labels: { via: 'fcm' },
          atLeast: 1,
        },
        {
          what: 'the DISPATCHED event recorded by the status service',
          name: 'smis_status_events_total',
          labels: { outcome: 'recorded', status: 'DISPATCHED' },
          atLeast: 1,
        },
      ]);
      // The code-of-conduct decision of this sender's one message: exactly one.
      const decisions = { sender: tracedSender.senderId, decision: 'ACCEPTED' };
      expect(
        sampled(after, 'smis_router_policy_decisions_total', decisions) -
          sampled(before, 'smis_router_policy_decisions_total', decisions),
      ).toBe(1);
      expect(sampled(after, 'smis_messaging_publish_failures_total')).toBe(0);
    } finally {
      await Promise.all([jobs.stop(), statuses.stop(), client.close()]);
    }
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
