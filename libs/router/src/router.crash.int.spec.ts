import type { DeliveryEvent } from '@smis/contracts';
import {
  createKafka,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
  type MessageProducer,
  type TopicAdmin,
} from '@smis/messaging';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codec,
  encodeRequest,
  generateKeyring,
  newCitizen,
  newSender,
  RequestFactory,
  routerDomainKey,
  senderEntry,
} from './testing/harness';

const root = path.resolve(__dirname, '../../..');

/** Starts the router in a child process; resolves once it consumes. */
function startRouter(setupFile: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [path.join(root, 'tools/run-ts.cjs'), 'libs/router/src/testing/router-process.ts', setupFile],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`router process exited (${code}) before it was ready: ${errors}`)),
    );
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('router crash (child process killed mid-batch)', () => {
  // Enough that the router cannot finish them all between the tenth job seen and the kill: it
  // takes hundreds per round, and 200 were sometimes all through before the kill landed.
  const count = 1000;
  const keyring = generateKeyring();
  const sender = newSender('crash');
  const topics = {
    requests: uniqueName('crash.requests'),
    events: uniqueName('crash.events'),
    preferences: uniqueName('crash.preferences'),
    appChannel: uniqueName('crash.app'),
    smsChannel: uniqueName('crash.sms'),
    emailChannel: uniqueName('crash.email'),
  };
  let client: KafkaClient;
  let admin: TopicAdmin;
  let producer: MessageProducer;
  let appJobs: TopicRecorder;
  let events: TopicRecorder;
  let setupFile: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    client = createKafka({ brokers, clientId: uniqueName('crash-it'), logger: silentLogger });
    admin = client.admin();
    await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 2 })));
    producer = client.producer();
    appJobs = await TopicRecorder.start(client, { topic: topics.appChannel, timeoutMs: 90_000 });
    events = await TopicRecorder.start(client, { topic: topics.events, timeoutMs: 90_000 });
    setupFile = path.join(mkdtempSync(path.join(tmpdir(), 'router-crash-')), 'setup.json');
    writeFileSync(
      setupFile,
      JSON.stringify({
        brokers,
        databaseUrl: testDatabaseUrl(),
        schema: uniqueName('router_crash').replace(/-/g, '_'),
        topics,
        consumerGroupPrefix: uniqueName('router-crash'),
        transcryptor: keyring.pseudonym.transcryptor,
        routerDomainKey: routerDomainKey(keyring),
        senders: [senderEntry(sender)],
      }),
      { mode: 0o600 },
    );
  });

  afterAll(async () => {
    if (child) await killed(child);
    await appJobs?.stop();
    await events?.stop();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  // Two process starts, and the restart waits out the killed member's session (30 s) before the
  // group rebalances: more than the default 60 s on a loaded machine.
  it('loses no message and, after consumer-side dedupe, sends none twice', { timeout: 180_000 }, async () => {
    const factory = new RequestFactory(keyring, sender);
    const now = Date.now();
    const requests = Array.from({ length: count }, () => factory.build({ citizen: newCitizen(), now }));
    await producer.send(topics.requests, await Promise.all(requests.map(encodeRequest)));

    child = await startRouter(setupFile);
    await appJobs.waitForCount(10);
    await killed(child);
    const seenAtKill = new Set(appJobs.records.map((r) => r.key)).size;
    expect(seenAtKill).toBeLessThan(count);

    child = await startRouter(setupFile);
    const expected = new Set(requests.map((r) => r.messageId));
    await waitFor(() => new Set(appJobs.records.map((r) => r.key)).size === count, {
      timeoutMs: 90_000,
      intervalMs: 100,
      description: `app jobs for all ${count} messages`,
    });
    await waitFor(
      async () => {
        const accepted = new Set(
          (await Promise.all(events.records.map((r) => codec.decode('DeliveryEvent', r.value as Buffer))))
            .filter((e) => e.status === 'ACCEPTED')
            .map((e) => e.messageId),
        );
        return accepted.size === count;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'ACCEPTED for every message' },
    );

    // Consumer-side dedupe: a channel keeps one job per (messageId, planId, attempt).
    const jobs = await Promise.all(
      appJobs.records.map((r) => codec.decode('AppChannelJob', r.value as Buffer)),
    );
    const distinct = new Map<string, Set<string>>();
    for (const job of jobs) {
      const set = distinct.get(job.messageId) ?? new Set<string>();
      set.add(`${job.planId}/${job.attempt}`);
      distinct.set(job.messageId, set);
    }
    expect(new Set(distinct.keys())).toEqual(expected);
    for (const [, plans] of distinct) expect([...plans]).toHaveLength(1);

    // Every message decided once: one ACCEPTED event id per message after dedupe by eventId.
    const decoded: DeliveryEvent[] = await Promise.all(
      events.records.map((r) => codec.decode('DeliveryEvent', r.value as Buffer)),
    );
    const acceptedIds = new Map<string, Set<string>>();
    for (const e of decoded.filter((e) => e.status === 'ACCEPTED')) {
      acceptedIds.set(e.messageId, (acceptedIds.get(e.messageId) ?? new Set()).add(e.eventId));
    }
    expect(acceptedIds.size).toBe(count);
    for (const [, ids] of acceptedIds) expect(ids.size).toBe(1);
    expect(decoded.filter((e) => e.status === 'REJECTED')).toHaveLength(0);
  });
});
