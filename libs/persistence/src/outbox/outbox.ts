import type { MessageProducer, MessagingLogger } from '@smis/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../prepared-query';

export interface OutboxEntry {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  producer: MessageProducer;
  /** Records published per round (default 500). */
  batchSize?: number;
  /** How often to look for records other instances (or a crash) left behind (default 500 ms). */
  pollIntervalMs?: number;
  logger?: Pick<MessagingLogger, 'error' | 'warn'>;
  /** Called after each published round, with the number of records. */
  onPublished?: (count: number) => void;
}

function schemaOf(dataSource: DataSource): string {
  return (dataSource.options as { schema?: string }).schema ?? 'public';
}

/**
 * Adds records to the outbox inside the caller's transaction. They are published by the
 * relay after the transaction commits, at least once and in order of insertion.
 */
export class Outbox {
  private readonly table: string;
  private readonly listeners = new Set<() => void>();

  constructor(dataSource: DataSource) {
    this.table = `"${schemaOf(dataSource)}"."outbox"`;
  }

  async add(manager: EntityManager, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One text for any number of entries (a prepared statement), ids in the entries' order.
    await preparedQuery(
      manager,
      `INSERT INTO ${this.table} ("topic", "key", "value", "headers")
       SELECT t, k, v, h FROM unnest($1::text[], $2::text[], $3::bytea[], $4::jsonb[]) WITH ORDINALITY AS e(t, k, v, h, n)
       ORDER BY n`,
      [
        entries.map((e) => e.topic),
        entries.map((e) => e.key),
        entries.map((e) => e.value),
        entries.map((e) => JSON.stringify(e.headers ?? {})),
      ],
    );
  }

  /** Tells the relay of this process to publish now (call after the transaction committed). */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  onNotify(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Publishes the outbox: takes the oldest records, sends them (idempotent producer, in order),
 * deletes them, commits. One relay per schema works at a time (a transaction-scoped advisory
 * lock), so the order of records is the order of publication; a relay that crashes after
 * sending and before committing sends those records again, and consumers deduplicate.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly lockKey: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  /** Whether the round in flight has sent its SELECT (a wake before that is covered by it). */
  private selecting = false;
  private stopped = true;
  private unsubscribe?: () => void;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: OutboxRelayOptions,
  ) {
    const schema = schemaOf(options.dataSource);
    this.table = `"${schema}"."outbox"`;
    this.lockKey = `smis-outbox:${schema}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.outbox.onNotify(() => this.wake());
    this.wake();
  }

  /** Publishes soon; several wakes while a round runs give one more round. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      // Records committed before the round's SELECT was sent are in that round; only a wake
      // after it needs another round (which would otherwise often find nothing).
      if (this.selecting) this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.options.pollIntervalMs ?? 500);
      }
    });
  }

  private async loop(): Promise<void> {
    try {
      // Keep going while full batches come back.
      while (!this.stopped && (await this.publishOnce()) === (this.options.batchSize ?? 500)) {
        /* next batch */
      }
    } catch (error) {
      this.options.logger?.warn('outbox relay round failed; retrying', { error: (error as Error).message });
    }
  }

  /** One round: publishes up to `batchSize` records; returns how many. */
  async publishOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 500;
    this.selecting = false;
    const published = await this.options.dataSource.transaction(async (manager) => {
      // The relay's lock and the oldest records in one statement: the uncorrelated subquery is
      // evaluated once, first, and gates the scan (no lock, no rows).
      this.selecting = true;
      const rows = await preparedQuery<{
        id: string;
        topic: string;
        key: string | null;
        value: Buffer | null;
        headers: Record<string, string>;
      }>(
        manager,
        `SELECT "id", "topic", "key", "value", "headers" FROM ${this.table}
          WHERE (SELECT pg_try_advisory_xact_lock(hashtext($1)))
          ORDER BY "id" LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.lockKey, batchSize],
      );
      if (rows.length === 0) return 0;
      // One send per topic, all topics at once: records keep their order within a topic (the
      // only order Kafka has), and a round costs one round trip however many topics it spans
      // (the status service writes to one topic per sender).
      const byTopic = new Map<string, typeof rows>();
      for (const row of rows) {
        const group = byTopic.get(row.topic);
        if (group) group.push(row);
        else byTopic.set(row.topic, [row]);
      }
      await Promise.all(
        [...byTopic].map(([topic, group]) =>
          this.options.producer.send(
            topic,
            group.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
          ),
        ),
      );
      await preparedQuery(manager, `DELETE FROM ${this.table} WHERE "id" = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      return rows.length;
    });
    if (published > 0) this.options.onPublished?.(published);
    return published;
  }

  /** Finishes the round in progress (its records are then published and deleted). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
