/**
 * The whole platform on this machine, for benches and reliability tests: a Kafka broker (own,
 * or KAFKA_BROKERS), a fresh PostgreSQL database, a generated keyring, a sender registry with one
 * sender, push emulators in this process (so the bench sees every push), and the platform
 * (apps/platform `bootstrap`) either in this process or as a child process.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTweetnaclEnvelopeCrypto, type SenderKeyPair } from '@smis/crypto';
import { generateKeyring, type PlatformKeyring } from '@smis/keyring';
import { startLocalKafka, type LocalKafkaCluster } from '@smis/kafka-local';
import { startPushEmulators, type PushEmulators } from '@smis/push-emulators';
import { createSenderClient, type SenderClient } from '@smis/sender-sdk';
import { createKafka, silentLogger } from '@smis/messaging';
import type { MessageContent } from '@smis/message-content';
import { Client } from 'pg';
import { stringify } from 'yaml';

export const BENCH_SENDER_ID = 'bench-sender';

export interface Infrastructure {
  brokers: string[];
  /** 'own' when this process started the broker (and stops it). */
  kafkaSource: 'own' | 'env';
  cluster?: LocalKafkaCluster;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A broker (KAFKA_BROKERS, or a fresh local one) and a fresh database on 127.0.0.1:5432. */
export async function startInfrastructure(log: (line: string) => void): Promise<Infrastructure> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  let cluster: LocalKafkaCluster | undefined;
  let brokers: string[];
  if (fromEnv) {
    brokers = fromEnv.split(',').map((b) => b.trim());
    log(`Kafka: KAFKA_BROKERS=${fromEnv}`);
  } else {
    log('Kafka: starting a local one-node broker (tools/kafka)');
    cluster = await startLocalKafka({ nodes: 1, heap: '768m' });
    brokers = cluster.brokers;
    await waitForGroupCoordinator(brokers, log);
  }
  const database = await createDatabase('smis_bench');
  log(`PostgreSQL: database ${database.name}`);
  return {
    brokers,
    kafkaSource: cluster ? 'own' : 'env',
    cluster,
    databaseUrl: database.url,
    async close() {
      await database.drop().catch(() => undefined);
      await cluster?.stop();
    },
  };
}

/**
 * A fresh broker accepts connections before its group coordinator (__consumer_offsets) is ready;
 * the platform's consumers fail to start if they join then (KafkaJSGroupCoordinatorNotFound).
 * Joins a throwaway group until that works, bounded.
 */
export async function waitForGroupCoordinator(
  brokers: readonly string[],
  log: (line: string) => void,
  timeoutMs = 90_000,
): Promise<void> {
  const client = createKafka({ brokers: [...brokers], clientId: 'bench-probe', logger: silentLogger });
  const topic = `bench-probe-${randomBytes(4).toString('hex')}`;
  const admin = client.admin();
  await admin.ensureTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
  await admin.disconnect();
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const consumer = client.consumer({
      groupId: `${topic}-group`,
      topics: [topic],
      provisionTopics: false,
      retryDelaysMs: [],
      eachMessage: async () => undefined,
    });
    try {
      await consumer.start();
      await consumer.stop();
      if (attempt > 1) log(`Kafka: group coordinator ready after ${attempt} attempts`);
      return;
    } catch (error) {
      await consumer.stop().catch(() => undefined);
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** As @smis/testing's createTestDatabase (whose root module imports vitest). */
export async function createDatabase(
  prefix: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export interface PlatformFiles {
  dataDir: string;
  keyring: PlatformKeyring;
  keyringFile: string;
  senderKey: SenderKeyPair;
  sendersFile: string;
  remove(): void;
}

/** A generated keyring and a sender registry with one sender (default policy unless given). */
export function writePlatformFiles(policy?: Record<string, unknown>): PlatformFiles {
  const dataDir = mkdtempSync(join(tmpdir(), 'smis-bench-'));
  const keyring = generateKeyring();
  const keyringFile = join(dataDir, 'keys.json');
  writeFileSync(keyringFile, JSON.stringify(keyring), { mode: 0o600 });
  const senderKey = createTweetnaclEnvelopeCrypto().generateSenderKeyPair();
  const sendersFile = join(dataDir, 'senders.yaml');
  writeFileSync(
    sendersFile,
    stringify({
      senders: [
        {
          senderId: BENCH_SENDER_ID,
          displayName: { en: 'Benchmark sender' },
          signingKeys: [
            { keyId: senderKey.keyId, publicKey: Buffer.from(senderKey.publicKey).toString('base64') },
          ],
          ...(policy ? { policy } : {}),
        },
      ],
    }),
  );
  return {
    dataDir,
    keyring,
    keyringFile,
    senderKey,
    sendersFile,
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * The platform's environment: every service, the given broker and database, the generated
 * files, and FCM pointed at the push emulators of this process (the platform then starts none of
 * its own). SMS: the platform's own simulators unless `extra` names SMS providers.
 */
export function platformEnv(
  infra: Pick<Infrastructure, 'brokers' | 'databaseUrl'>,
  files: PlatformFiles,
  push: PushEmulators,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_BROKERS: infra.brokers.join(','),
    DATABASE_URL: infra.databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    SMIS_SERVICES: 'all',
    SMIS_DATA_DIR: files.dataDir,
    SMIS_KEYRING_FILE: files.keyringFile,
    SMIS_SENDERS_FILE: files.sendersFile,
    // As a file: inline values have their `\\n` turned into newlines, which breaks JSON.
    SMIS_APP_CHANNEL_FCM_SERVICE_ACCOUNT: `@${writeServiceAccount(files.dataDir, push)}`,
    SMIS_APP_CHANNEL_FCM_ENDPOINT: push.fcm.url,
    SMIS_APP_CHANNEL_FCM_IID_ENDPOINT: push.fcm.url,
    // The gateway's default limit (50 requests/s per sender, burst 100) applies to the SDK's key
    // lookups, one per message even with the Kafka transport: at the default, the pipeline is
    // capped at 50 msg/s per sender. Raised here to measure the services; see docs/benchmarks.md.
    SMIS_GATEWAY_RATE_PER_SECOND: '100000',
    SMIS_GATEWAY_RATE_BURST: '100000',
    ...extra,
  };
}

function writeServiceAccount(dir: string, push: PushEmulators): string {
  const file = join(dir, 'fcm-service-account.json');
  writeFileSync(file, JSON.stringify(push.fcm.serviceAccount()), { mode: 0o600 });
  return file;
}

export { startPushEmulators, type PushEmulators };

/** The sender SDK for the bench sender, Kafka transport. */
export function benchSender(
  brokers: readonly string[],
  gatewayUrl: string,
  files: Pick<PlatformFiles, 'keyring' | 'senderKey'>,
): SenderClient {
  return createSenderClient({
    senderId: BENCH_SENDER_ID,
    signingKey: files.senderKey,
    digestKey: randomBytes(32),
    systemPublicKey: files.keyring.pseudonym.public,
    channelKeys: {
      sms: Buffer.from(files.keyring.channels.sms.publicKey, 'base64'),
      email: Buffer.from(files.keyring.channels.email.publicKey, 'base64'),
    },
    transport: { kind: 'kafka', brokers: [...brokers], gatewayUrl },
  });
}

const FILLER =
  'Uw afspraak is bevestigd. Breng uw identiteitskaart mee en kom tien minuten vroeger. ' +
  'Votre rendez-vous est confirmé. Apportez votre carte d’identité. ';

/** About `bytes` of content (UTF-8 of the title and body), unique per message (no duplicate suppression). */
export function messageContent(bytes = 1024, tag: string = randomUUID()): MessageContent {
  const title = `Bericht ${tag}`;
  let body = '';
  while (Buffer.byteLength(title) + Buffer.byteLength(body) < bytes) body += FILLER;
  body = body.slice(0, Math.max(0, bytes - Buffer.byteLength(title)));
  return { v: 1, lang: 'nl', texts: { nl: { title, body } } } as MessageContent;
}

/** Waits for `work` at most `ms`, logging (not throwing) a failure or a timeout. */
export async function bounded(
  work: Promise<unknown> | undefined,
  what: string,
  log: (line: string) => void,
  ms = 30_000,
): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    if ((await Promise.race([work, timeout])) === 'timeout') {
      log(`${what}: gave up after ${ms} ms; the process exits 10 s after the results are written`);
      // What did not close keeps the process alive; the CLI writes the results right after run().
      setTimeout(() => process.exit(0), 10_000).unref();
    }
  } catch (error) {
    log(`${what}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
