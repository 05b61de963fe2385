/**
 * Throughput of the status service's `smis.events.v1` consumer, run by hand (not a test: vitest
 * only picks up `*.spec.ts`). Publishes realistic DeliveryEvents to a fresh 12-partition topic,
 * then starts the status service on a fresh schema and times how long it takes to record them.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node tools/run-ts.cjs libs/status/src/status-throughput.bench.ts \
 *     [events=5000] [partitionsConsumedConcurrently=4]
 *
 * Needs a broker and PostgreSQL (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
 * Prints events per second from the consumer's start to the last event recorded, and to the
 * outbox drained (the status topics published).
 */
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createAvroCodec, statusTopic, type DeliveryEvent } from '@smis/contracts';
import { createKafka, MessagingModule, silentLogger } from '@smis/messaging';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { StatusModule } from './status.module';
import { STATUS_DATA_SOURCE } from './tokens';

const TOTAL = Number(process.argv[2] ?? 5000);
const CONCURRENCY = Number(process.argv[3] ?? 4);
const PARTITIONS = 12;
const SENDERS = 10;

function eventsOfOneMessage(senderId: string, at: number): DeliveryEvent[] {
  const messageId = randomUUID();
  const planId = randomUUID();
  const base = {
    messageId,
    senderId,
    reason: null,
    fromChannel: null,
    toChannel: null,
    deviceId: null,
    planId,
    attempt: null,
  };
  return [
    { ...base, eventId: randomUUID(), status: 'ACCEPTED', channel: null, occurredAt: at, producer: 'router' },
    {
      ...base,
      eventId: randomUUID(),
      status: 'ROUTED',
      channel: 'APP',
      attempt: 1,
      occurredAt: at + 5,
      producer: 'router',
    },
    {
      ...base,
      eventId: randomUUID(),
      status: 'DISPATCHED',
      channel: 'APP',
      attempt: 1,
      occurredAt: at + 40,
      producer: 'app-channel',
    },
    {
      ...base,
      eventId: randomUUID(),
      status: 'DELIVERED',
      channel: 'APP',
      attempt: 1,
      deviceId: `device-${randomBytes(4).toString('hex')}`,
      occurredAt: at + 900,
      producer: 'app-channel',
    },
  ];
}

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const run = randomBytes(4).toString('hex');
  const eventsTopic = `smis.events.bench-${run}`;
  const schema = `status_bench_${run}`;
  const senders = Array.from({ length: SENDERS }, (_, i) => `bench-${run}-${i}`);
  const codec = createAvroCodec();
  const client = createKafka({ brokers, clientId: `status-bench-${run}`, logger: silentLogger });
  const admin = client.admin();
  await admin.ensureTopics([
    { topic: eventsTopic, numPartitions: PARTITIONS },
    ...senders.map((s) => ({ topic: statusTopic(s) })),
  ]);

  const events: DeliveryEvent[] = [];
  const t = Date.now();
  for (let i = 0; events.length < TOTAL; i++) events.push(...eventsOfOneMessage(senders[i % SENDERS], t + i));
  events.length = TOTAL;
  const producer = client.producer();
  const records = await Promise.all(
    events.map(async (e) => ({ key: e.messageId, value: await codec.encode('DeliveryEvent', e) })),
  );
  for (let i = 0; i < records.length; i += 1000) await producer.send(eventsTopic, records.slice(i, i + 1000));
  process.stdout.write(`published ${TOTAL} events to ${eventsTopic} (${PARTITIONS} partitions)\n`);

  @Module({
    imports: [
      MessagingModule.forRoot({
        connection: { brokers, clientId: `status-bench-app-${run}`, logger: silentLogger },
      }),
      StatusModule.register({
        databaseUrl,
        schema,
        webhookSecretKey: randomBytes(32),
        eventsTopic,
        consumerGroupId: `status-bench-${run}`,
        partitionsConsumedConcurrently: CONCURRENCY,
        webhooks: { deadLetterTopic: `smis.status.webhooks.dlq.bench-${run}` },
      }),
    ],
  })
  class BenchModule {}

  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(BenchModule, { logger: ['error', 'warn'] });
    await app.init(); // resolves once the consumer joined its group
    const ds = app.get<DataSource>(STATUS_DATA_SOURCE);
    const started = Date.now();
    const count = async (table: string): Promise<number> =>
      Number(
        ((await ds.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`)) as { n: number }[])[0].n,
      );
    let recordedAt = 0;
    const deadline = started + 10 * 60_000;
    while (Date.now() < deadline) {
      if (!recordedAt && (await count('status_event')) >= TOTAL) recordedAt = Date.now();
      if (recordedAt && (await count('outbox')) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const drainedAt = Date.now();
    if (!recordedAt) throw new Error(`Not every event was recorded within 10 minutes`);
    const rate = (ms: number) => ((TOTAL / ms) * 1000).toFixed(0);
    process.stdout.write(
      `partitionsConsumedConcurrently=${CONCURRENCY}: ${TOTAL} events recorded in ${recordedAt - started} ms ` +
        `(${rate(recordedAt - started)} events/s); status topics published after ${drainedAt - started} ms ` +
        `(${rate(drainedAt - started)} events/s)\n`,
    );
  } finally {
    await app?.close();
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => pg.end());
    await producer.disconnect();
    await admin.deleteTopics([eventsTopic, ...senders.map((s) => statusTopic(s))]).catch(() => undefined);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
