import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKafka, TopicRecorder, type KafkaClient } from '@smis/messaging';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { QueryFailedError, type DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServiceDataSource } from './data-source';
import { CreateOutbox1795300000000 } from './outbox/create-outbox.migration';
import { Outbox, OutboxRelay } from './outbox/outbox';
import { OutboxRecord } from './outbox/outbox-record.entity';
import { preparedQuery } from './prepared-query';

const backends = [
  { name: 'PostgreSQL', options: () => ({ databaseUrl: testDatabaseUrl() }) },
  {
    name: 'embedded PGlite',
    options: () => ({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'smis-pglite-')) }),
  },
];

describe.each(backends)('persistence on $name', ({ options }) => {
  let dataSource: DataSource;
  let client: KafkaClient;
  const schema = uniqueName('svc').replace(/-/g, '_');

  beforeAll(async () => {
    dataSource = await openServiceDataSource({
      ...options(),
      schema,
      entities: [OutboxRecord],
      migrations: [CreateOutbox1795300000000],
    });
    client = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('persistence') });
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('creates the service schema and runs its migrations once', async () => {
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'outbox'`,
      [schema],
    )) as { count: number }[];
    expect(count).toBe(1);
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('returns bytea as Buffer and reports affected rows like pg', async () => {
    const outbox = new Outbox(dataSource);
    await dataSource.transaction((m) =>
      outbox.add(m, [{ topic: 'shape', key: 'k', value: Buffer.from([0, 1, 255]) }]),
    );
    const rows = await dataSource.getRepository(OutboxRecord).find({ where: { topic: 'shape' } });
    expect(Buffer.isBuffer(rows[0].value)).toBe(true);
    expect([...(rows[0].value as Buffer)]).toEqual([0, 1, 255]);
    expect(typeof rows[0].id).toBe('string');
    const result = await dataSource.getRepository(OutboxRecord).delete({ topic: 'shape' });
    expect(result.affected).toBe(1);
  });

  it('keeps a transaction isolated from concurrent work', async () => {
    const outbox = new Outbox(dataSource);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tx = dataSource.transaction(async (m) => {
      await outbox.add(m, [{ topic: 'isolation', key: null, value: null }]);
      await held;
      throw new Error('roll back');
    });
    const countOutside = dataSource.query(
      `SELECT count(*)::int AS n FROM "${schema}"."outbox" WHERE topic = 'isolation'`,
    );
    release();
    await expect(tx).rejects.toThrow('roll back');
    expect(((await countOutside) as { n: number }[])[0].n).toBe(0);
  });

  it('runs prepared queries: rows for SELECT and UPDATE … RETURNING, QueryFailedError on failure', async () => {
    const table = `"${schema}"."prepared_probe"`;
    await dataSource.query(`CREATE TABLE ${table} ("id" int PRIMARY KEY, "n" int NOT NULL)`);
    await preparedQuery(
      dataSource.manager,
      `INSERT INTO ${table} SELECT * FROM unnest($1::int[], $2::int[])`,
      [
        [1, 2, 3],
        [10, 20, 30],
      ],
    );
    const updated = await dataSource.transaction((m) =>
      preparedQuery<{ id: number; n: number }>(
        m,
        `UPDATE ${table} SET "n" = "n" + 1 WHERE "id" = ANY($1::int[]) RETURNING "id", "n"`,
        [[1, 3]],
      ),
    );
    expect(updated.sort((a, b) => a.id - b.id)).toEqual([
      { id: 1, n: 11 },
      { id: 3, n: 31 },
    ]);
    const rows = await preparedQuery<{ id: number }>(
      dataSource.manager,
      `SELECT "id" FROM ${table} WHERE "n" > $1 ORDER BY "id"`,
      [15],
    );
    expect(rows).toEqual([{ id: 2 }, { id: 3 }]);
    const failure = await preparedQuery(
      dataSource.manager,
      `INSERT INTO ${table} VALUES ($1, $2)`,
      [1, 1],
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { code?: string }).code).toBe('23505');
  });

  it('publishes committed outbox records in order and never rolled-back ones', async () => {
    const topic = uniqueName('outbox');
    await client.admin().ensureTopics([{ topic, numPartitions: 1 }]);
    const outbox = new Outbox(dataSource);
    const producer = client.producer();
    const relay = new OutboxRelay(outbox, { dataSource, producer, batchSize: 7 });
    const recorder = await TopicRecorder.start(client, { topic });
    relay.start();
    try {
      await expect(
        dataSource.transaction(async (m) => {
          await outbox.add(m, [{ topic, key: 'lost', value: Buffer.from('never') }]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      for (let batch = 0; batch < 4; batch++) {
        await dataSource.transaction((m) =>
          outbox.add(
            m,
            Array.from({ length: 5 }, (_, i) => ({
              topic,
              key: 'same-key',
              value: Buffer.from(String(batch * 5 + i)),
              headers: { 'smis-batch': String(batch) },
            })),
          ),
        );
        outbox.notify();
      }
      const records = await recorder.waitForCount(20);
      expect(records.map((r) => Number(String(r.value)))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(records[19].headers['smis-batch']).toBe('3');
      expect(records.some((r) => String(r.value) === 'never')).toBe(false);
      // The relay deletes a round's records when its transaction commits, which may be just
      // after the consumer saw them: wait for the table to drain rather than assume it has.
      const remaining = async () =>
        (
          (await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}"."outbox" WHERE topic = $1`, [
            topic,
          ])) as { n: number }[]
        )[0].n;
      await waitFor(async () => (await remaining()) === 0, { description: 'the outbox to drain' });
      expect(await remaining()).toBe(0);
    } finally {
      await relay.stop();
      await recorder.stop();
      await producer.disconnect();
    }
  });

  it('publishes a round that spans several topics with each topic in its order', async () => {
    const topics = [uniqueName('outbox-a'), uniqueName('outbox-b'), uniqueName('outbox-c')];
    await client.admin().ensureTopics(topics.map((topic) => ({ topic, numPartitions: 1 })));
    const outbox = new Outbox(dataSource);
    const producer = client.producer();
    const relay = new OutboxRelay(outbox, { dataSource, producer, batchSize: 100 });
    const recorders = await Promise.all(topics.map((topic) => TopicRecorder.start(client, { topic })));
    try {
      // Interleaved: a, b, c, a, b, c, ... in one transaction, so one relay round holds them all.
      await dataSource.transaction((m) =>
        outbox.add(
          m,
          Array.from({ length: 30 }, (_, i) => ({
            topic: topics[i % 3],
            key: 'k',
            value: Buffer.from(String(i)),
          })),
        ),
      );
      relay.start();
      for (const [t, recorder] of recorders.entries()) {
        const records = await recorder.waitForCount(10);
        expect(records.map((r) => Number(String(r.value)))).toEqual(
          Array.from({ length: 10 }, (_, i) => i * 3 + t),
        );
      }
    } finally {
      await relay.stop();
      await Promise.all(recorders.map((r) => r.stop()));
      await producer.disconnect();
    }
  });
});

describe('prepared queries on PostgreSQL', () => {
  it('prepares a statement once per connection, under one name for one text', async () => {
    const dataSource = await openServiceDataSource({
      databaseUrl: testDatabaseUrl(),
      schema: uniqueName('svc').replace(/-/g, '_'),
      entities: [OutboxRecord],
      migrations: [CreateOutbox1795300000000],
    });
    try {
      const text = `SELECT $1::int + 1 AS "n"`;
      const prepared = await dataSource.transaction(async (m) => {
        expect(await preparedQuery(m, text, [1])).toEqual([{ n: 2 }]);
        expect(await preparedQuery(m, text, [2])).toEqual([{ n: 3 }]);
        return (await m.query(
          `SELECT "name", "statement" FROM pg_prepared_statements WHERE "name" LIKE 'smis\\_%'`,
        )) as { name: string; statement: string }[];
      });
      expect(prepared).toHaveLength(1);
      expect(prepared[0].statement).toBe(text);
      expect(prepared[0].name).toMatch(/^smis_[0-9a-f]{24}$/);
    } finally {
      await dataSource.destroy();
    }
  });
});

describe('outbox relay on PostgreSQL with another instance', () => {
  it('publishes nothing while another relay holds the schema lock, and everything after', async () => {
    const schema = uniqueName('svc').replace(/-/g, '_');
    const dataSource = await openServiceDataSource({
      databaseUrl: testDatabaseUrl(),
      schema,
      entities: [OutboxRecord],
      migrations: [CreateOutbox1795300000000],
    });
    const client = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('persistence') });
    const topic = uniqueName('outbox-lock');
    await client.admin().ensureTopics([{ topic, numPartitions: 1 }]);
    const producer = client.producer();
    const outbox = new Outbox(dataSource);
    const relay = new OutboxRelay(outbox, { dataSource, producer, batchSize: 10 });
    const other = dataSource.createQueryRunner();
    try {
      await dataSource.transaction((m) =>
        outbox.add(m, [
          { topic, key: 'k', value: Buffer.from('1') },
          { topic, key: 'k', value: Buffer.from('2') },
        ]),
      );
      await other.startTransaction();
      await other.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`smis-outbox:${schema}`]);
      expect(await relay.publishOnce()).toBe(0);
      await other.commitTransaction();
      expect(await relay.publishOnce()).toBe(2);
      expect(await relay.publishOnce()).toBe(0);
    } finally {
      await other.release();
      await producer.disconnect();
      await dataSource.destroy();
    }
  });
});
