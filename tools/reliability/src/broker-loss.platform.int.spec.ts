/**
 * Issue #13, broker loss through the platform: a three-node KRaft cluster, the platform's topics
 * provisioned as production has them (deploy/provisioning/platform.yaml without the `local`
 * profile: replication factor 3, min.insync.replicas=2), the platform (every service) in a child
 * process started as `npm start` starts it, a fresh PostgreSQL database, citizens with one FCM
 * device each. N sealed and signed messages (SMIS_BROKER_LOSS_MESSAGES, default 100,000) go
 * through the sender SDK's Kafka transport at a steady rate with a bounded number of sends in
 * flight. Once a third of them is published, the broker leading the most partitions of
 * smis.requests.v1 is SIGKILLed; it is started again once two thirds are published. Then:
 *
 * - every message sent is in the app channel's inbox (`app_channel.inbox_message`, keyed by
 *   messageId), exactly once, and nothing else is;
 * - the router holds each message exactly once, decided ACCEPTED;
 * - nothing is on the requests dead-letter topic;
 * - every message was pushed to its citizen's device (duplicate pushes are counted, not failed:
 *   the device dedupes by messageId).
 *
 * Not part of `npm test` (100,000 messages take far longer than CI's budget): run it with
 * `npm run test:broker-loss` (tools/reliability/vitest.broker-loss.config.ts); see
 * docs/operations.md. Other knobs: SMIS_BROKER_LOSS_RATE (messages per second the sender aims
 * at), SMIS_BROKER_LOSS_IN_FLIGHT (sends not yet acknowledged at most), SMIS_BROKER_LOSS_CITIZENS,
 * SMIS_RELIABILITY_KEEP_LOGS=1 (keep the platform's and the brokers' logs).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS } from '@smis/contracts';
import { isPortOpen, startLocalKafka, type LocalKafkaCluster, type LocalKafkaNode } from '@smis/kafka-local';
import {
  createKafka,
  deadLetterTopicName,
  retryTopicName,
  silentLogger,
  type KafkaClient,
  type TopicAdmin,
} from '@smis/messaging';
import type { FcmEmulator, ReceivedPush } from '@smis/push-emulators';
import { SenderSdkError, type SenderClient } from '@smis/sender-sdk';
import { waitFor } from '@smis/testing';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { DEFAULT_PROVISIONING_FILE, ensurePlatformTopics } from '../../../apps/platform/src/topics';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { pushedMessageId, registerDevices, type SyntheticDevice } from '../../bench/src/support/devices';
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  BENCH_SENDER_ID,
  benchSender,
  createDatabase,
  messageContent,
  platformEnv,
  startPushEmulators,
  waitForGroupCoordinator,
  writePlatformFiles,
  type PlatformFiles,
  type PushEmulators,
} from '../../bench/src/support/platform';
import { freePort, ServiceProcess } from './support/service-process';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number ≥ 1 (got ${raw})`);
  return value;
}

/** Messages of the run (issue #13: 100,000). */
const MESSAGES = positiveInteger('SMIS_BROKER_LOSS_MESSAGES', 100_000);
/** The sender's steady rate, messages per second (sends are scheduled at it). */
const RATE = positiveInteger('SMIS_BROKER_LOSS_RATE', 200);
/** Sends handed to the SDK and not yet acknowledged by Kafka, at most. */
const IN_FLIGHT = positiveInteger('SMIS_BROKER_LOSS_IN_FLIGHT', 200);
/** Citizens, one FCM device each; messages go round-robin over them. */
const CITIZENS = positiveInteger('SMIS_BROKER_LOSS_CITIZENS', 200);
/** The broker is killed after this share of the messages was published, restarted after the next. */
const KILL_AT = Math.ceil(MESSAGES / 3);
const RESTART_AT = Math.ceil((MESSAGES * 2) / 3);
/** No message falls back to another channel while the run lasts (and none is allowed anyway). */
const FALLBACK_WINDOW_S = 6 * 3600;
/** A send the SDK reports as retriable is sent again (same messageId) this many times at most. */
const SEND_ATTEMPTS = 30;
/**
 * Budgets, all generous on 2 loaded cores: publishing (at worst a quarter of the aimed rate),
 * then the platform draining what was published (at worst 10 messages per second, 5 minutes
 * at least).
 */
const PUBLISH_BUDGET_MS = 120_000 + Math.ceil((MESSAGES * 4 * 1000) / RATE);
const DRAIN_BUDGET_MS = Math.max(300_000, MESSAGES * 100);
/** The drain fails early when the inbox gains nothing for this long. */
const STALL_MS = 180_000;
const TEST_TIMEOUT_MS = PUBLISH_BUDGET_MS + DRAIN_BUDGET_MS + 300_000;

/** Accepted pushes per messageId at the FCM emulator (its own log is not kept: memory). */
interface PushCounter {
  readonly perMessage: ReadonlyMap<string, number>;
  stop(): void;
}

function countPushes(fcm: FcmEmulator): PushCounter {
  const perMessage = new Map<string, number>();
  const original = fcm.record.bind(fcm);
  fcm.record = (push: ReceivedPush) => {
    if (push.status < 200 || push.status >= 300) return;
    const messageId = pushedMessageId(push);
    if (messageId) perMessage.set(messageId, (perMessage.get(messageId) ?? 0) + 1);
  };
  return { perMessage, stop: () => void (fcm.record = original) };
}

/**
 * Every partition of every topic (internal ones included): those without a leader, or led by
 * `without`, and those with fewer than three replicas, or fewer than three of them in sync.
 */
async function clusterHealth(
  admin: TopicAdmin,
  without?: number,
): Promise<{ partitions: number; leaderless: string[]; underReplicated: string[] }> {
  const described = await admin.describeTopics(await admin.listTopics());
  const leaderless: string[] = [];
  const underReplicated: string[] = [];
  let partitions = 0;
  for (const topic of described) {
    for (const p of topic.partitions) {
      partitions++;
      if (p.leader < 0 || p.leader === without) leaderless.push(`${topic.topic}-${p.partition}`);
      // Fewer than three replicas is under-replicated too: such a partition goes offline with its broker.
      if (p.isr.length < 3 || p.replicas.length < 3) underReplicated.push(`${topic.topic}-${p.partition}`);
    }
  }
  return { partitions, leaderless, underReplicated };
}

/** Which broker leads how many partitions of `topic`. */
async function leaders(admin: TopicAdmin, topic: string): Promise<Map<number, number>> {
  const [description] = await admin.describeTopics([topic]);
  const counts = new Map<number, number>();
  for (const p of description.partitions) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
  return counts;
}

/** The consumer groups on the way to the inbox, with the topic each reads. */
const PATH_GROUPS: readonly [string, string][] = [
  ['smis-router-requests', TOPICS.requests],
  ['smis-app-channel', TOPICS.appChannel],
];

/**
 * Where the messages that are not in the inbox are: the router's rows, what the router's and the
 * app channel's outboxes still hold, and the lag of the groups on the way (for a failure message).
 */
async function whereAreThey(db: Client, admin: TopicAdmin): Promise<string> {
  const parts: string[] = [];
  const rows = async (sql: string) => (await db.query<Record<string, string>>(sql)).rows;
  try {
    const router = await rows(
      'SELECT state, count(*) AS n FROM router.message GROUP BY state ORDER BY state',
    );
    parts.push(`router.message ${router.map((r) => `${r.state} ${r.n}`).join(', ') || 'empty'}`);
    for (const schema of ['router', 'app_channel']) {
      const outbox = await rows(
        `SELECT topic, count(*) AS n FROM ${schema}.outbox GROUP BY topic ORDER BY topic`,
      );
      parts.push(`${schema}.outbox ${outbox.map((r) => `${r.topic} ${r.n}`).join(', ') || 'empty'}`);
    }
  } catch (error) {
    parts.push(`database: ${(error as Error).message}`);
  }
  for (const [group, topic] of PATH_GROUPS) {
    try {
      const high = await admin.fetchTopicOffsets(topic);
      const committed = new Map(
        (await admin.committedOffsets(group, topic)).map((c) => [c.partition, Number(c.offset)]),
      );
      const lagging = high
        .map((p) => ({
          partition: p.partition,
          lag: Number(p.high) - Math.max(0, committed.get(p.partition) ?? 0),
        }))
        .filter((p) => p.lag > 0);
      const total = high.reduce((sum, p) => sum + Number(p.high), 0);
      parts.push(
        `${group} on ${topic} (${total} records): lag ${lagging.map((p) => `p${p.partition}=${p.lag}`).join(' ') || '0'}`,
      );
    } catch (error) {
      parts.push(`${group}: ${(error as Error).message}`);
    }
  }
  return parts.join('; ');
}

describe.sequential(
  'broker loss through the platform: three nodes, one SIGKILLed and restarted mid-run',
  () => {
    const log = (line: string) => console.info(`[broker-loss] ${line}`);
    let cluster: LocalKafkaCluster;
    let databaseDrop: (() => Promise<void>) | undefined;
    let databaseUrl: string;
    let databaseName: string;
    let files: PlatformFiles;
    let push: PushEmulators;
    let pushes: PushCounter;
    let platform: ServiceProcess;
    let platformLog: string;
    let client: KafkaClient;
    let admin: TopicAdmin;
    let db: Client;
    let sender: SenderClient;
    let devices: SyntheticDevice[];

    // The platform's and the brokers' logs stay when something failed (or with the variable set).
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
    }, 600_000);

    /**
     * Waits until every partition has all its replicas in sync: a broker is only killed in a
     * healthy cluster (one whose partition has no other in-sync replica would go offline with it,
     * by design: no unclean leader election). Answers the number of partitions.
     */
    async function waitForFullIsr(when: string, timeoutMs = 180_000): Promise<number> {
      let last = '';
      const health = await waitFor(
        async () => {
          const now = await clusterHealth(admin);
          last = `${now.leaderless.length} without leader, ${now.underReplicated.length} under-replicated (e.g. ${[...now.leaderless, ...now.underReplicated].slice(0, 3).join(', ')})`;
          return now.leaderless.length === 0 && now.underReplicated.length === 0 ? now : undefined;
        },
        { timeoutMs, intervalMs: 1_000, description: `every partition fully in sync ${when}` },
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${last}`);
      });
      return health.partitions;
    }

    async function setUp(): Promise<void> {
      const started = Date.now();
      log(
        `${MESSAGES} messages at ${RATE}/s (at most ${IN_FLIGHT} sends in flight) to ${CITIZENS} citizens; budgets: publish ${Math.round(PUBLISH_BUDGET_MS / 1000)} s, drain ${Math.round(DRAIN_BUDGET_MS / 1000)} s`,
      );
      cluster = await startLocalKafka({ nodes: 3, heap: '512m' });
      log(`3 KRaft nodes up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${cluster.bootstrap}`);
      await waitForGroupCoordinator(cluster.brokers, log);
      client = createKafka({
        brokers: cluster.brokers,
        clientId: 'reliability-broker-loss',
        logger: silentLogger,
      });
      admin = client.admin();
      // The probe leaves a topic with one replica: offline while its broker is down, it would make
      // every metadata request of the client fail (one partition without a leader fails them all).
      await admin.deleteTopics((await admin.listTopics()).filter((t) => t.startsWith('bench-probe-')));
      const database = await createDatabase('smis_broker_loss');
      databaseUrl = database.url;
      databaseName = database.name;
      databaseDrop = database.drop;
      files = writePlatformFiles();
      // The platform's own provisioning, with the production sizes (no `local` profile): RF 3 and
      // min.insync.replicas=2 from the file's defaults. The platform starts with provisioning off.
      const provisioned = await ensurePlatformTopics(client, DEFAULT_PROVISIONING_FILE, undefined, [
        BENCH_SENDER_ID,
      ]);
      log(`${provisioned.created} topics created from ${DEFAULT_PROVISIONING_FILE} (no profile)`);
      for (const topic of [TOPICS.requests, TOPICS.appChannel]) {
        const [described] = await admin.describeTopics([topic]);
        expect(described.partitions.length).toBe(12);
        expect(described.partitions.every((p) => p.replicas.length === 3)).toBe(true);
        const [configs] = await admin.describeTopicConfigs([topic]);
        expect(configs.entries.find((e) => e.name === 'min.insync.replicas')?.value).toBe('2');
      }
      const healthy = await waitForFullIsr('after provisioning');
      log(`${healthy} partitions, every one with 3 in-sync replicas`);

      push = await startPushEmulators();
      pushes = countPushes(push.fcm);
      const logDir = join(files.dataDir, 'logs');
      mkdirSync(logDir);
      platformLog = join(logDir, 'platform.log');
      platform = new ServiceProcess({
        name: 'platform',
        services: 'all',
        port: await freePort(),
        env: platformEnv({ brokers: cluster.brokers, databaseUrl }, files, push, {
          // The ready line is logged at info.
          LOG_LEVEL: 'info',
          SMIS_SIMULATORS: 'true',
          SMIS_PROVISION_TOPICS: 'false',
        }),
        logFile: platformLog,
        startTimeoutMs: 300_000,
      });
      await platform.start();
      log(
        `platform (every service, one child process) up in ${(platform.startDurationsMs[0] / 1000).toFixed(1)} s`,
      );

      devices = await registerDevices(platform.url, files.keyring, CITIZENS);
      sender = benchSender(cluster.brokers, platform.url, files);
      db = new Client({ connectionString: databaseUrl });
      await db.connect();
      log(
        `${devices.length} citizens registered, one FCM device each; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }

    afterAll(async () => {
      pushes?.stop();
      await sender?.close().catch(() => undefined);
      await platform?.stop().catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
      await db?.end().catch(() => undefined);
      await push?.close().catch(() => undefined);
      await cluster?.stop().catch(() => undefined);
      if (keepLogs) {
        log(
          `kept ${files?.dataDir} (platform log in logs/), ${cluster?.dir} (broker logs in node-*/logs/) and database ${databaseName}`,
        );
      } else {
        await databaseDrop?.().catch(() => undefined);
        files?.remove();
        if (cluster) rmSync(cluster.dir, { recursive: true, force: true });
      }
    }, 180_000);

    it(
      `delivers each of ${MESSAGES} messages to the inbox exactly once across a broker SIGKILL and restart`,
      async () => {
        const sent = new Set<string>();
        const failed: string[] = [];
        let resends = 0;
        let lastSendError = '';
        let victim: LocalKafkaNode | undefined;
        let killedAt = 0;
        let restartedAt = 0;
        let publishedWhileDown = 0;
        let maxBehindMs = 0;

        /** SIGKILL of the broker leading the most partitions of smis.requests.v1; proves it gone. */
        const killBroker = async (): Promise<void> => {
          const waited = Date.now();
          await waitForFullIsr('before the kill');
          if (Date.now() - waited > 2_000)
            log(
              `waited ${((Date.now() - waited) / 1000).toFixed(1)} s for every partition to be in sync before the kill`,
            );
          const counts = await leaders(admin, TOPICS.requests);
          const [leaderId, led] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
          victim = cluster.nodes.find((n) => n.id === leaderId);
          expect(victim).toBeDefined();
          const node = victim as LocalKafkaNode;
          const pid = node.pid();
          await node.kill('SIGKILL');
          killedAt = Date.now();
          expect(node.isRunning()).toBe(false);
          expect(await isPortOpen(node.port)).toBe(false);
          log(
            `broker ${node.id} (pid ${pid}, leader of ${led}/12 partitions of ${TOPICS.requests}) SIGKILLed at ${sent.size} published, ${pushes.perMessage.size} pushed`,
          );
          // The cluster noticed: every partition of every topic has a leader among the other two.
          let last = '';
          await waitFor(
            async () => {
              const now = await clusterHealth(admin, node.id);
              last = `${now.leaderless.length} partitions still without another leader (e.g. ${now.leaderless.slice(0, 3).join(', ')})`;
              return now.leaderless.length === 0;
            },
            {
              timeoutMs: 120_000,
              intervalMs: 500,
              description: `new leaders for broker ${node.id}'s partitions`,
            },
          ).catch((error: Error) => {
            throw new Error(`${error.message}: ${last}`);
          });
          log(
            `its partitions had new leaders ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
          );
        };

        const restartBroker = async (): Promise<void> => {
          const node = victim as LocalKafkaNode;
          publishedWhileDown = sent.size;
          const started = Date.now();
          await node.start();
          restartedAt = Date.now();
          publishedWhileDown = sent.size - publishedWhileDown;
          log(
            `broker ${node.id} restarted at ${sent.size} published (start took ${((restartedAt - started) / 1000).toFixed(1)} s, down ${((restartedAt - killedAt) / 1000).toFixed(1)} s)`,
          );
        };

        // Paced sends: message i is due at start + i / RATE; at most IN_FLIGHT unacknowledged.
        let inFlight = 0;
        let slotFreed: (() => void) | undefined;
        let killTask: Promise<void> | undefined;
        let restartTask: Promise<void> | undefined;
        const faults = (): void => {
          if (!killTask && sent.size >= KILL_AT) {
            killTask = killBroker();
            // Awaited after publishing; marked handled so a failure there is reported once, then.
            killTask.catch(() => undefined);
          }
          if (killTask && !restartTask && sent.size >= RESTART_AT) {
            restartTask = killTask.then(restartBroker);
            restartTask.catch(() => undefined);
          }
        };
        const sendOne = async (i: number): Promise<void> => {
          const messageId = randomUUID();
          const device = devices[i % devices.length];
          const content = messageContent(1024, messageId);
          for (let attempt = 1; ; attempt++) {
            try {
              await sender.send({
                messageId,
                recipient: device.identifier,
                content,
                category: 'administration',
                expiresAt: Date.now() + 24 * 3600_000,
                fallbackWindowSeconds: FALLBACK_WINDOW_S,
                allowedChannels: ['APP'],
              });
              sent.add(messageId);
              return;
            } catch (error) {
              lastSendError = (error as Error).message;
              const retriable = error instanceof SenderSdkError && error.retriable;
              if (!retriable || attempt >= SEND_ATTEMPTS) {
                // Perhaps on the log anyway (the acknowledgement was lost): it must then not be in
                // the inbox either, which the checks below would report as an extra message.
                failed.push(messageId);
                return;
              }
              resends++;
              // Back off as a sender would before publishing the same message again.
              await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * attempt)));
            }
          }
        };

        const publishStart = Date.now();
        let nextReport = publishStart + 5_000;
        const sends: Promise<void>[] = [];
        for (let i = 0; i < MESSAGES; i++) {
          const wait = publishStart + (i * 1000) / RATE - Date.now();
          if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
          else maxBehindMs = Math.max(maxBehindMs, -wait);
          while (inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (slotFreed = resolve));
          inFlight++;
          sends.push(
            sendOne(i).finally(() => {
              inFlight--;
              slotFreed?.();
              slotFreed = undefined;
              faults();
            }),
          );
          if (Date.now() >= nextReport) {
            nextReport = Date.now() + 5_000;
            log(
              `${sent.size} published (${(sent.size / ((Date.now() - publishStart) / 1000)).toFixed(0)}/s), ${pushes.perMessage.size} pushed, ${resends} resends, ${inFlight} in flight`,
            );
          }
          if (Date.now() - publishStart > PUBLISH_BUDGET_MS)
            throw new Error(`publishing ${MESSAGES} messages took longer than ${PUBLISH_BUDGET_MS} ms`);
        }
        await Promise.all(sends);
        faults();
        const publishedAt = Date.now();
        const publishS = (publishedAt - publishStart) / 1000;
        const sendRate = sent.size / publishS;
        log(
          `${sent.size} published in ${publishS.toFixed(1)} s (${sendRate.toFixed(0)}/s, at most ${(maxBehindMs / 1000).toFixed(1)} s behind schedule); ${resends} resends, ${failed.length} given up (last error: ${lastSendError || 'none'})`,
        );
        expect(failed).toEqual([]);
        expect(sent.size).toBe(MESSAGES);
        // Both faults happened during the run, and the cluster has all three nodes again.
        expect(killTask).toBeDefined();
        expect(restartTask).toBeDefined();
        await killTask;
        await restartTask;
        expect(victim?.isRunning()).toBe(true);
        expect(restartedAt).toBeGreaterThan(killedAt);
        // The restarted broker caught up and is back in every partition's in-sync replicas.
        await waitForFullIsr(`after broker ${victim?.id} restarted`);

        // Drain: every message in the inbox (no sleeps: poll the table). A platform that makes no
        // progress for STALL_MS is reported as stalled at once rather than at the end of the budget.
        const drainStart = publishedAt;
        let inboxCount = 0;
        let lastDrainLog = drainStart;
        let lastProgress = { at: Date.now(), count: -1 };
        let stalled = false;
        await waitFor(
          async () => {
            const { rows } = await db.query<{ n: string }>(
              'SELECT count(*) AS n FROM app_channel.inbox_message',
            );
            inboxCount = Number(rows[0].n);
            const now = Date.now();
            if (inboxCount !== lastProgress.count) lastProgress = { at: now, count: inboxCount };
            else if (now - lastProgress.at > STALL_MS) stalled = true;
            if (now - lastDrainLog >= 15_000) {
              lastDrainLog = now;
              log(`draining: ${inboxCount}/${MESSAGES} in the inbox, ${pushes.perMessage.size} pushed`);
            }
            return inboxCount >= MESSAGES || stalled;
          },
          {
            timeoutMs: DRAIN_BUDGET_MS,
            intervalMs: 1_000,
            description: `${MESSAGES} messages in app_channel.inbox_message`,
          },
        ).catch(async (error: Error) => {
          throw new Error(
            `${error.message}: ${inboxCount} there after ${((Date.now() - drainStart) / 1000).toFixed(0)} s; ${await whereAreThey(db, admin)} (platform log: ${platformLog})`,
          );
        });
        if (stalled)
          throw new Error(
            `the platform stalled: ${inboxCount}/${MESSAGES} in the inbox and none added for ${STALL_MS / 1000} s; ${await whereAreThey(db, admin)} (platform log: ${platformLog})`,
          );
        const drainS = (Date.now() - drainStart) / 1000;
        const lastInS = (Date.now() - publishStart) / 1000;
        // Pushes follow the inbox row within moments (the same batch of the app channel).
        await waitFor(() => [...sent].every((id) => pushes.perMessage.has(id)), {
          timeoutMs: 120_000,
          intervalMs: 500,
          description: `a push for each of the ${MESSAGES} messages`,
        }).catch((error: Error) => {
          const unpushed = [...sent].filter((id) => !pushes.perMessage.has(id));
          throw new Error(
            `${error.message}: ${unpushed.length} never pushed, e.g. ${unpushed.slice(0, 3).join(', ')}`,
          );
        });

        // The inbox: exactly the messages sent, each once (the table is keyed by messageId; the
        // count per id is asserted anyway, so a schema change could not hide a duplicate).
        const inbox = await db.query<{ message_id: string; n: string }>(
          'SELECT message_id, count(*) AS n FROM app_channel.inbox_message GROUP BY message_id',
        );
        const inboxIds = new Set(inbox.rows.map((r) => r.message_id));
        const missing = [...sent].filter((id) => !inboxIds.has(id));
        const extra = [...inboxIds].filter((id) => !sent.has(id));
        const inboxDuplicates = inbox.rows
          .filter((r) => Number(r.n) !== 1)
          .map((r) => `${r.message_id} ×${r.n}`);
        expect(missing.slice(0, 20)).toEqual([]);
        expect(missing.length).toBe(0);
        expect(extra.slice(0, 20)).toEqual([]);
        expect(inboxDuplicates.slice(0, 20)).toEqual([]);
        expect(inbox.rows.length).toBe(MESSAGES);

        // The router: each message once, ACCEPTED.
        const router = await db.query<{ message_id: string; n: string; decisions: string[] }>(
          `SELECT message_id::text AS message_id, count(*) AS n, array_agg(decision) AS decisions
           FROM router.message GROUP BY message_id`,
        );
        const routerIds = new Set(router.rows.map((r) => r.message_id));
        expect([...sent].filter((id) => !routerIds.has(id)).slice(0, 20)).toEqual([]);
        expect([...routerIds].filter((id) => !sent.has(id)).slice(0, 20)).toEqual([]);
        const notAcceptedOnce = router.rows
          .filter((r) => Number(r.n) !== 1 || r.decisions.some((d) => d !== 'ACCEPTED'))
          .map((r) => `${r.message_id}: ${r.decisions.join(', ')}`);
        expect(notAcceptedOnce.slice(0, 20)).toEqual([]);
        expect(router.rows.length).toBe(MESSAGES);

        // Nothing dead-lettered on the way in; retries and other dead letters are reported.
        const onTopic = async (topic: string): Promise<number> =>
          (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
        const requestsDlq = await onTopic(deadLetterTopicName(TOPICS.requests));
        const others: string[] = [];
        for (const topic of [TOPICS.appChannel, TOPICS.events]) {
          const dead = await onTopic(deadLetterTopicName(topic));
          if (dead > 0) others.push(`${deadLetterTopicName(topic)}: ${dead}`);
        }
        for (const topic of [TOPICS.requests, TOPICS.appChannel, TOPICS.events]) {
          const retried = await onTopic(retryTopicName(topic, 1));
          if (retried > 0) others.push(`${retryTopicName(topic, 1)}: ${retried}`);
        }
        expect(requestsDlq).toBe(0);

        const pushCounts = [...sent].map((id) => pushes.perMessage.get(id) ?? 0);
        const pushedTwice = pushCounts.filter((n) => n > 1).length;
        const extraPushes = pushCounts.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
        const [finalIsr] = await admin.describeTopics([TOPICS.requests]);
        log(
          [
            `RESULT ${MESSAGES} messages, broker ${victim?.id} down ${((restartedAt - killedAt) / 1000).toFixed(1)} s (${publishedWhileDown} published meanwhile)`,
            `send rate ${sendRate.toFixed(0)}/s over ${publishS.toFixed(1)} s (aimed ${RATE}/s, ${resends} resends)`,
            `drain ${drainS.toFixed(1)} s after the last publish (last inbox row ${lastInS.toFixed(1)} s after the first send, ${(MESSAGES / lastInS).toFixed(0)}/s end to end)`,
            `inbox ${inbox.rows.length} rows, ${missing.length} missing, ${extra.length} extra, ${inboxDuplicates.length} duplicated`,
            `router ${router.rows.length} rows, all ACCEPTED once`,
            `push duplicates: ${pushedTwice} messages pushed more than once (${extraPushes} extra pushes)`,
            `requests DLQ ${requestsDlq}${others.length ? `; ${others.join(', ')}` : '; no other retry or dead-letter record'}`,
            `ISR of ${TOPICS.requests} now ${finalIsr.partitions.map((p) => p.isr.length).join('')}`,
          ].join('; '),
        );
      },
      TEST_TIMEOUT_MS,
    );
  },
);
