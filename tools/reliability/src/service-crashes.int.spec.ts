/**
 * Issue #13, service crashes: each service of the delivery path runs in its own child process
 * (apps/platform with SMIS_SERVICES=<service>, started as `npm start` starts it) against one
 * broker and one PostgreSQL database; the simulators run in this process. For each service in
 * turn, a run of messages is published (app deliveries, and SMS fallbacks: no device, or a device
 * that never acknowledges within a short fallback window), the service is SIGKILLed once part of
 * the run went through it, started again, and every message must reach its final status:
 *
 * - nothing lost: every message of every run has a final status on the sender's status topic;
 * - no duplicate inbox entry: the app channel's inbox has one row per message that reached it;
 * - no SMS submitted twice: the SMS gateway simulator accepted each fallback SMS exactly once;
 * - no contradictory final statuses: one final status per message, the one its kind expects.
 *
 * The router and the app channel each host identity too: identity is reached in-process only
 * (apps/platform/src/ports.ts), so neither can run without it.
 */
import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAvroCodec, TOPICS, type MessageStatus } from '@smis/contracts';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { encodeContent, measureContent } from '@smis/message-content';
import { createKafka, silentLogger, type KafkaClient, type MessageProducer } from '@smis/messaging';
import { createPseudonymizer } from '@smis/pseudonym';
import { buildMessageRequest, type SenderKeys } from '@smis/sender-sdk';
import { startHttpSmsGatewaySimulator, type HttpSmsGatewaySimulator } from '@smis/sms-simulators';
import { waitFor } from '@smis/testing';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { DEFAULT_PROVISIONING_FILE, ensurePlatformTopics } from '../../../apps/platform/src/topics';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { registerPhones } from '../../bench/src/benches/fallback';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { randomPhone, registerDevices, type SyntheticDevice } from '../../bench/src/support/devices';
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  messageContent,
  platformEnv,
  startInfrastructure,
  startPushEmulators,
  writePlatformFiles,
  type Infrastructure,
  type PlatformFiles,
  type PushEmulators,
} from '../../bench/src/support/platform';
import {
  recordSubmissions,
  redeliverReports,
  StatusLog,
  tapPhones,
  type PhoneTap,
  type ReportRedelivery,
  type SubmissionRecorder,
} from './support/crash-harness';
import { freePort, ServiceProcess } from './support/service-process';

/** Messages of one run, by kind: read in the app, SMS without device, SMS after a silent device. */
const RUN = { app: 120, noDevice: 40, silent: 40 };
/** Citizens of each kind (messages go round-robin over them). */
const CITIZENS = { app: 12, noDevice: 8, silent: 8 };
/** Long enough that an app message never falls back, even across a restart. */
const APP_WINDOW_S = 900;
/** The silent device's window: its messages fall back to SMS by the router's timer. */
const SILENT_WINDOW_S = 2;
/** Published before the kill; the rest is published while the service is down. */
const FIRST_PART = 0.6;
/** A service is killed once this share of the run's work went through it. */
const KILL_AT = 0.2;
/** Per test: the waits inside fail first, with what was missing. */
const TEST_TIMEOUT_MS = 600_000;
/** Time for a run's messages to become final after the restart (2 loaded cores). */
const SETTLE_MS = 240_000;
const SMS_TEXT = /^SMIS ([0-9a-f-]{36})$/;

type Kind = 'app' | 'noDevice' | 'silent';
type ServiceKey = 'router' | 'app' | 'sms' | 'status';

interface Run {
  /** The service killed during the run. */
  label: string;
  ids: string[];
  kind: Map<string, Kind>;
}

describe.sequential('service crashes: each service SIGKILLed mid-run and restarted', () => {
  const senderId = `crash-${randomBytes(4).toString('hex')}`;
  const codec = createAvroCodec();
  const crypto = createSodiumEnvelopeCrypto();
  const log = (line: string) => console.log(`[service-crashes] ${line}`);
  const runs: Run[] = [];
  let infra: Infrastructure;
  let files: PlatformFiles;
  let push: PushEmulators;
  let sms: HttpSmsGatewaySimulator;
  let client: KafkaClient;
  let producer: MessageProducer;
  let db: Client;
  let statuses: StatusLog;
  let phones: PhoneTap;
  let reports: ReportRedelivery;
  let submissions: SubmissionRecorder;
  let keys: SenderKeys;
  const services = {} as Record<ServiceKey, ServiceProcess>;
  const citizens = {} as Record<Kind, { identifier: string; device?: SyntheticDevice }[]>;

  // Child logs stay for diagnosis when something failed (or with SMIS_RELIABILITY_KEEP_LOGS=1).
  let keepLogs = process.env.SMIS_RELIABILITY_KEEP_LOGS === '1';
  afterEach((context) => {
    if (context.task.result?.state === 'fail') keepLogs = true;
  });

  beforeAll(async () => {
    try {
      await setUp();
    } catch (error) {
      keepLogs = true;
      throw error;
    }
  }, 420_000);

  async function setUp(): Promise<void> {
    const started = Date.now();
    infra = await startInfrastructure(log);
    files = writePlatformFiles();
    // A sender of its own: a fresh status topic, read from its beginning.
    writeFileSync(
      files.sendersFile,
      stringify({
        senders: [
          {
            senderId,
            displayName: { en: 'Service crash suite' },
            signingKeys: [
              {
                keyId: files.senderKey.keyId,
                publicKey: Buffer.from(files.senderKey.publicKey).toString('base64'),
              },
            ],
          },
        ],
      }),
    );
    keys = {
      senderId,
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
    client = createKafka({ brokers: infra.brokers, clientId: 'reliability-crashes', logger: silentLogger });
    // Topics once, here: the children start with SMIS_PROVISION_TOPICS=false.
    await ensurePlatformTopics(client, DEFAULT_PROVISIONING_FILE, 'local', [senderId]);
    producer = client.producer();
    await producer.connect();
    statuses = await StatusLog.follow(infra.brokers, senderId);

    // Simulators in this process: they outlive every kill, and what they received is the record.
    push = await startPushEmulators();
    const callbackToken = randomBytes(18).toString('base64url');
    // A provider that takes 20 ms to answer: submissions are in flight when the channel dies.
    sms = await startHttpSmsGatewaySimulator({ callbackToken, behaviour: { submitDelayMs: 20 } });
    reports = redeliverReports(sms);
    submissions = await recordSubmissions(sms.url);

    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const logDir = join(files.dataDir, 'logs');
    mkdirSync(logDir);
    log(`child logs in ${logDir}`);
    const env = platformEnv(infra, files, push, {
      LOG_LEVEL: 'info',
      SMIS_SIMULATORS: 'false',
      SMIS_PROVISION_TOPICS: 'false',
      SMIS_SMS_PROVIDERS: 'gateway',
      SMIS_SMS_PROVIDER_GATEWAY_KIND: 'http',
      SMIS_SMS_PROVIDER_GATEWAY_URL: submissions.url,
      SMIS_SMS_PROVIDER_GATEWAY_USERNAME: sms.username,
      SMIS_SMS_PROVIDER_GATEWAY_PASSWORD: sms.password,
      SMIS_SMS_PROVIDER_GATEWAY_CALLBACK_TOKEN: callbackToken,
      // A submission left `submitting` by the kill is reconciled (asked, not resent) within seconds.
      SMIS_SMS_RECONCILE_STALE_MS: '3000',
      SMIS_SMS_RECONCILE_INTERVAL_MS: '1000',
    });
    const service = (name: string, hosts: string, port: number) =>
      new ServiceProcess({ name, services: hosts, port, env, logFile: join(logDir, `${name}.log`) });
    services.router = service('router', 'router,identity', ports[0]);
    services.app = service('app-channel', 'app-channel,identity', ports[1]);
    services.sms = service('sms-channel', 'sms-channel', ports[2]);
    services.status = service('status', 'status', ports[3]);
    sms.setCallback(`${services.sms.url}/v1/sms/delivery-reports/gateway`);
    await Promise.all(Object.values(services).map((s) => s.start()));
    log(
      `4 services up in ${((Date.now() - started) / 1000).toFixed(1)} s (${Object.values(services)
        .map((s) => `${s.name} ${(s.startDurationsMs[0] / 1000).toFixed(1)} s`)
        .join(', ')})`,
    );

    // Citizens: devices through the app channel's HTTP API, phones as identity publishes them.
    const devices = await registerDevices(services.app.url, files.keyring, CITIZENS.app + CITIZENS.silent);
    citizens.app = devices
      .slice(0, CITIZENS.app)
      .map((device) => ({ identifier: device.identifier, device }));
    citizens.silent = devices
      .slice(CITIZENS.app)
      .map((device) => ({ identifier: device.identifier, device }));
    citizens.noDevice = Array.from({ length: CITIZENS.noDevice }, () => ({
      identifier: `tel:${randomPhone()}`,
    }));
    const everyone = [...citizens.app, ...citizens.silent, ...citizens.noDevice].map((c) => c.identifier);
    await registerPhones(infra.brokers, files, everyone);
    db = new Client({ connectionString: infra.databaseUrl });
    await db.connect();
    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM sms_channel.phone_number');
        return Number(rows[0].n) >= everyone.length;
      },
      { timeoutMs: 120_000, intervalMs: 200, description: `${everyone.length} phones at the SMS channel` },
    );
    phones = tapPhones(
      push.fcm,
      services.app.url,
      new Map(citizens.app.map((c) => [c.device?.fcmToken as string, c.device as SyntheticDevice])),
    );
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s; sender ${senderId}`);
  }

  afterAll(async () => {
    phones?.stop();
    await reports?.stop();
    await Promise.all(Object.values(services).map((s) => s.stop().catch(() => undefined)));
    await statuses?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await submissions?.close();
    await sms?.close();
    await push?.close();
    await infra?.close();
    if (keepLogs) log(`kept ${files?.dataDir} (child logs in logs/)`);
    else files?.remove();
  }, 120_000);

  /** Builds one run: RUN.app + RUN.noDevice + RUN.silent signed requests, kinds interleaved. */
  async function buildRun(label: string): Promise<{ run: Run; records: { key: string; value: Buffer }[] }> {
    const pseudonymizer = createPseudonymizer(files.keyring.pseudonym.public);
    const run: Run = { label, ids: [], kind: new Map() };
    const records: { key: string; value: Buffer }[] = [];
    const now = Date.now();
    for (const kind of ['app', 'noDevice', 'silent'] as const) {
      for (let i = 0; i < RUN[kind]; i++) {
        const citizen = citizens[kind][i % citizens[kind].length];
        const messageId = randomUUID();
        const content = messageContent(256, messageId);
        const request = buildMessageRequest(
          {
            messageId,
            idempotencyKey: messageId,
            createdAt: now,
            expiresAt: now + 3600_000,
            recipient: Buffer.from(pseudonymizer.polymorphicPseudonym(citizen.identifier), 'base64url'),
            category: 'administration',
            priority: 'NORMAL',
            fallbackWindowSeconds: kind === 'app' ? APP_WINDOW_S : SILENT_WINDOW_S,
            allowedChannels: ['APP', 'SMS'],
            content: encodeContent(content),
            contentSize: measureContent(content),
            devices: citizen.device
              ? [{ keyId: citizen.device.encryption.keyId, publicKey: citizen.device.encryption.publicKey }]
              : [],
            smsText: `SMIS ${messageId}`,
          },
          keys,
          crypto,
        );
        run.ids.push(messageId);
        run.kind.set(messageId, kind);
        records.push({ key: messageId, value: await codec.encode('MessageRequest', request) });
      }
    }
    // Interleaved kinds, so every partition and both parts of the run carry each kind.
    records.sort(() => Math.random() - 0.5);
    runs.push(run);
    return { run, records };
  }

  async function publish(records: { key: string; value: Buffer }[]): Promise<void> {
    for (let i = 0; i < records.length; i += 100)
      await producer.send(TOPICS.requests, records.slice(i, i + 100));
  }

  /** Accepted SMS per messageId of the given runs, read from the simulator's own record. */
  function smsPerMessage(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const submission of sms.accepted()) {
      const id = SMS_TEXT.exec(submission.text)?.[1];
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Publishes FIRST_PART of a run, SIGKILLs `target` once `progress()` reaches KILL_AT of `units`
   * (observed, not timed), publishes the rest while it is down (senders do not stop), starts it
   * again, waits for every message's final status, and checks every run so far.
   */
  async function crashRun(
    target: ServiceKey,
    what: string,
    units: (run: Run) => number,
    progress: (run: Run) => Promise<number> | number,
  ): Promise<void> {
    const { run, records } = await buildRun(target);
    const first = Math.ceil(records.length * FIRST_PART);
    await publish(records.slice(0, first));
    const published = Date.now();
    const total = units(run);
    const threshold = Math.max(1, Math.ceil(total * KILL_AT));
    await waitFor(async () => (await progress(run)) >= threshold, {
      timeoutMs: 180_000,
      intervalMs: 20,
      description: `${threshold} of ${total} ${what} before killing ${services[target].name}`,
    });
    const pid = services[target].pid;
    await services[target].kill();
    const killedAt = Date.now();
    const atKill = await progress(run);
    log(
      `${services[target].name} (pid ${pid}) SIGKILLed ${((killedAt - published) / 1000).toFixed(1)} s after publishing, at ${atKill}/${total} ${what}`,
    );
    // Mid-run: some but not all of the run had gone through the service.
    expect(atKill).toBeGreaterThanOrEqual(threshold);
    expect(atKill).toBeLessThan(total);
    await publish(records.slice(first));

    await services[target].start();
    const restartS = (Date.now() - killedAt) / 1000;
    await waitFor(() => run.ids.every((id) => statuses.isFinal(id)), {
      timeoutMs: SETTLE_MS,
      intervalMs: 200,
      description: `a final status for all ${run.ids.length} messages of the ${target} run (${
        run.ids.filter((id) => !statuses.isFinal(id)).length
      } missing when the wait began)`,
    }).catch((error: Error) => {
      const missing = run.ids.filter((id) => !statuses.isFinal(id));
      const sample = missing
        .slice(0, 5)
        .map(
          (id) =>
            `${run.kind.get(id)} ${id}: ${statuses.of(id).map(describeStatus).join(' > ') || 'no status'}`,
        );
      throw new Error(`${error.message}; ${missing.length} not final, e.g. ${sample.join('; ')}`);
    });
    const lastFinal = (kind: Kind) =>
      Math.max(
        ...run.ids
          .filter((id) => run.kind.get(id) === kind)
          .map((id) => (statuses.finalReceivedAt(id) ?? Date.now()) - killedAt),
      ) / 1000;
    const lastAccepted =
      (Math.max(
        ...run.ids.map((id) => statuses.of(id).find((st) => st.status === 'ACCEPTED')?.occurredAt ?? 0),
      ) -
        killedAt) /
      1000;
    log(
      `${target} run: restarted in ${restartS.toFixed(1)} s; last ACCEPTED ${lastAccepted.toFixed(1)} s, last final status ${lastFinal('app').toFixed(1)} s (app), ${lastFinal('noDevice').toFixed(1)} s (SMS, no device), ${lastFinal('silent').toFixed(1)} s (SMS after the window) after the kill; ${phones.retries} READ retries, ${reports.resent} reports resent so far`,
    );
    await checkRuns();
  }

  /** The four properties of issue #13, over every run so far. */
  async function checkRuns(): Promise<void> {
    const ids = runs.flatMap((r) => r.ids);
    const kindOf = new Map(runs.flatMap((r) => [...r.kind]));

    // Nothing lost.
    expect(ids.filter((id) => !statuses.isFinal(id))).toEqual([]);

    // No contradictory final statuses: exactly one final status per message, the expected one,
    // and no app message falling back.
    const wrong: string[] = [];
    for (const id of ids) {
      const finals = statuses.finals(id);
      const expected = kindOf.get(id) === 'app' ? 'READ/APP' : 'DELIVERED/SMS';
      const got = finals.map((s) => `${s.status}/${s.channel ?? 'message'}`);
      if (got.length !== 1 || got[0] !== expected)
        wrong.push(`${kindOf.get(id)} ${id}: ${got.join(', ')} (expected ${expected})`);
      if (kindOf.get(id) === 'app' && statuses.of(id).some((s) => s.status === 'FALLBACK'))
        wrong.push(`app ${id} fell back`);
    }
    expect(wrong).toEqual([]);

    // No duplicate inbox entries: one row per message that reached the app channel, none other.
    const { rows } = await db.query<{ message_id: string; n: string; read: boolean }>(
      `SELECT message_id, count(*) AS n, bool_and(read_at IS NOT NULL) AS read
         FROM app_channel.inbox_message WHERE message_id = ANY($1::text[]) GROUP BY message_id`,
      [ids],
    );
    const inbox = new Map(rows.map((r) => [r.message_id, { n: Number(r.n), read: r.read }]));
    const inboxWrong: string[] = [];
    for (const id of ids) {
      const kind = kindOf.get(id);
      const row = inbox.get(id);
      // No device: the envelope is empty and the router plans no app step.
      const expectedRows = kind === 'noDevice' ? 0 : 1;
      if ((row?.n ?? 0) !== expectedRows) inboxWrong.push(`${kind} ${id}: ${row?.n ?? 0} inbox rows`);
      if (kind === 'app' && !row?.read) inboxWrong.push(`app ${id}: not read in the inbox`);
    }
    expect(inboxWrong).toEqual([]);

    // No SMS submitted twice: the provider accepted each fallback SMS once, and no app message's.
    const perMessage = smsPerMessage();
    const smsWrong: string[] = [];
    for (const id of ids) {
      const expected = kindOf.get(id) === 'app' ? 0 : 1;
      const got = perMessage.get(id) ?? 0;
      if (got !== expected) smsWrong.push(`${kindOf.get(id)} ${id}: ${got} SMS accepted`);
    }
    expect(smsWrong).toEqual([]);
    // Nor submitted again once the provider had it: a crash is settled by asking (ADR 0701).
    const again = submissions.attempts
      .filter((a) => a.status === 409)
      .map((a) => `${a.clientReference} (${SMS_TEXT.exec(a.text ?? '')?.[1] ?? '?'})`);
    expect(again).toEqual([]);
    const duplicatePushes = [...phones.pushes.entries()].filter(([id, n]) => kindOf.has(id) && n > 1).length;
    log(
      `checked ${runs.length} run(s), ${ids.length} messages: ${inbox.size} inbox rows, ${
        [...perMessage.keys()].filter((id) => kindOf.has(id)).length
      } SMS accepted of ${submissions.attempts.length} submission attempts, ${duplicatePushes} message(s) pushed more than once (the device dedupes)`,
    );
  }

  it(
    'router: killed with requests half accepted, restarted: nothing lost, no duplicates',
    async () => {
      await crashRun(
        'router',
        'requests accepted (router.message rows)',
        (run) => run.ids.length,
        async (run) => {
          const { rows } = await db.query<{ n: string }>(
            'SELECT count(*) AS n FROM router.message WHERE message_id = ANY($1::uuid[])',
            [run.ids],
          );
          return Number(rows[0].n);
        },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'app channel: killed with the run half pushed, restarted: one inbox row each, all read',
    async () => {
      await crashRun(
        'app',
        'messages pushed (FCM emulator)',
        (run) => run.ids.filter((id) => run.kind.get(id) !== 'noDevice').length,
        (run) => run.ids.filter((id) => phones.pushes.has(id)).length,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'SMS channel: killed with the fallbacks half submitted, restarted: each SMS accepted once',
    async () => {
      await crashRun(
        'sms',
        'SMS accepted (gateway simulator)',
        (run) => run.ids.filter((id) => run.kind.get(id) !== 'app').length,
        (run) => {
          const perMessage = smsPerMessage();
          return run.ids.filter((id) => perMessage.has(id)).length;
        },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'status: killed with the statuses half published, restarted: one final status each',
    async () => {
      await crashRun(
        'status',
        'messages with a final status (status topic)',
        (run) => run.ids.length,
        (run) => run.ids.filter((id) => statuses.isFinal(id)).length,
      );
    },
    TEST_TIMEOUT_MS,
  );
});

function describeStatus(status: MessageStatus): string {
  return `${status.status}${status.channel ? `/${status.channel}` : ''}${status.reason ? `(${status.reason})` : ''}`;
}
