import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import { Coalescer, type Outbox, type OutboxEntry } from '@smis/persistence';
import type { EntityManager } from 'typeorm';
import type { AppChannelConfig } from '../../config';
import { broadcastForDevice } from '../../broadcast/broadcast-visibility';
import { NotFoundError } from '../../errors';
import { deliveryEvent } from '../../events';
import { AppChannelStore, type DeviceRow } from '../../store';
import { APP_CHANNEL_CODEC, APP_CHANNEL_CONFIG, APP_CHANNEL_OUTBOX } from '../../tokens';

export type Acknowledgement = 'delivered' | 'read';

/**
 * The device fetched the envelope (DELIVERED) or the citizen opened it (READ, which implies
 * DELIVERED). Each is published once per message, by the first device that says so.
 * For a broadcast, the device's receipt is recorded and no per-citizen event is published: the
 * broadcast service reports aggregates (ADR 1100). Concurrent acknowledgements share one
 * transaction of two statements (mark, outbox); the outbox relay publishes the events in batches.
 */
@Injectable()
export class AcknowledgeMessageUseCase {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(APP_CHANNEL_OUTBOX) private readonly outbox: Outbox,
    @Inject(APP_CHANNEL_CODEC) private readonly codec: AvroCodec,
    private readonly store: AppChannelStore,
  ) {}

  /**
   * Acknowledgements that arrive together are marked in one transaction (group commit, ADR 601
   * amendment): one UPDATE for all of them and one outbox insert. Whatever the batch statement
   * does not mark (a broadcast, an unknown message, the same message twice) and every item of a
   * batch that failed as a whole goes through `executeOne`, each alone, as before.
   */
  execute(device: DeviceRow, messageId: string, what: Acknowledgement): Promise<void> {
    return this.batches.submit({ device, messageId, what });
  }

  private readonly logger = new Logger('AppChannel');

  private readonly batches = new Coalescer<AckItem, void>((items) => this.executeMany(items), {
    maxBatch: 200,
  });

  /** Acknowledgements taken through the coalescer so far, and the batches they made. */
  get coalesced(): { runs: number; items: number } {
    return { runs: this.batches.runs, items: this.batches.items };
  }

  async executeMany(items: readonly AckItem[]): Promise<(void | Error)[]> {
    const together: number[] = [];
    const alone: number[] = [];
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.messageId)) alone.push(i);
      else {
        seen.add(item.messageId);
        together.push(i);
      }
    });
    if (together.length === 1) alone.unshift(...together.splice(0));
    if (together.length > 0) {
      try {
        const marked = await this.markTogether(together.map((i) => items[i]));
        for (const i of together) if (!marked.has(items[i].messageId)) alone.push(i);
      } catch (error) {
        this.logger.warn(
          `A batch of ${together.length} acknowledgements failed (${(error as Error).message}); taking them one by one`,
        );
        alone.push(...together);
      }
    }
    const outcomes: (void | Error)[] = items.map(() => undefined);
    await Promise.all(
      alone.map(async (i) => {
        const { device, messageId, what } = items[i];
        try {
          await this.executeOne(device, messageId, what);
        } catch (error) {
          outcomes[i] = error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
    return outcomes;
  }

  /** Marks distinct messages in one transaction; answers the ids it marked. */
  private async markTogether(items: readonly AckItem[]): Promise<Set<string>> {
    const { marked, published } = await this.store.dataSource.transaction(async (manager) => {
      const rows = await this.mark(manager, items);
      const byId = new Map(items.map((item) => [item.messageId, item]));
      const entries: OutboxEntry[] = [];
      const now = Date.now();
      for (const row of rows) {
        const item = byId.get(row.message_id);
        if (item) entries.push(...(await this.eventsFor(item, row, now)));
      }
      await this.outbox.add(manager, entries);
      return { marked: new Set(rows.map((row) => row.message_id)), published: entries.length > 0 };
    });
    if (published) this.outbox.notify();
    return marked;
  }

  /**
   * Finds each message its device may see (filed under one of the device's pseudonyms, sealed to
   * its key, not deleted or expired), locks it, marks it delivered (and read), and answers what
   * it was before. Rows are locked in message id order, so two batches cannot deadlock on each
   * other. Message ids must be distinct.
   */
  private mark(
    manager: EntityManager,
    items: readonly AckItem[],
  ): Promise<(MarkedRow & { message_id: string })[]> {
    return this.store.prepared<MarkedRow & { message_id: string }>(
      `UPDATE ${this.store.inbox} m SET
         "delivered_at" = COALESCE(m."delivered_at", now()),
         "read_at" = CASE WHEN before."read" THEN COALESCE(m."read_at", now()) ELSE m."read_at" END
        FROM (SELECT i."message_id", a."read", i."delivered_at", i."read_at"
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS a("message_id", "key_id", "device_id", "read")
                JOIN ${this.store.inbox} i ON i."message_id" = a."message_id"
               WHERE i."deleted_at" IS NULL AND i."expires_at" > now()
                 AND a."key_id" = ANY(i."key_ids")
                 AND i."pseudonym" IN (SELECT dp."pseudonym" FROM ${this.store.devicePseudonym} dp
                                        WHERE dp."device_id" = a."device_id")
               ORDER BY i."message_id"
               FOR UPDATE OF i) before
       WHERE m."message_id" = before."message_id"
       RETURNING m."message_id", m."sender_id", m."plan_id", m."attempt",
         before."delivered_at" IS NOT NULL AS "was_delivered", before."read_at" IS NOT NULL AS "was_read"`,
      [
        items.map((item) => item.messageId),
        items.map((item) => item.device.key_id),
        items.map((item) => item.device.device_id),
        items.map((item) => item.what === 'read'),
      ],
      manager,
    );
  }

  /** DELIVERED and READ, each the first time only. */
  private async eventsFor(item: AckItem, marked: MarkedRow, now: number): Promise<OutboxEntry[]> {
    const facts = {
      messageId: item.messageId,
      senderId: marked.sender_id,
      planId: marked.plan_id,
      attempt: marked.attempt,
    };
    const entries: OutboxEntry[] = [];
    if (!marked.was_delivered)
      entries.push(
        await deliveryEvent(this.codec, this.config.eventsTopic, facts, 'DELIVERED', {
          deviceId: item.device.device_id,
          occurredAt: now,
        }),
      );
    if (item.what === 'read' && !marked.was_read)
      entries.push(
        await deliveryEvent(this.codec, this.config.eventsTopic, facts, 'READ', {
          deviceId: item.device.device_id,
          occurredAt: now,
        }),
      );
    return entries;
  }

  /** One acknowledgement in its own transaction (also a broadcast's receipt). */
  async executeOne(device: DeviceRow, messageId: string, what: Acknowledgement): Promise<void> {
    const published = await this.store.dataSource.transaction(async (manager) => {
      // The batch statement with one row: finds the message the device may see, locks it, marks
      // it, and says what it was before (a concurrent acknowledgement waits for the lock and then
      // sees it marked).
      const [marked] = await this.mark(manager, [{ device, messageId, what }]);
      if (!marked) {
        const broadcast = await broadcastForDevice(this.store, messageId, device, manager);
        if (!broadcast) throw new NotFoundError(`No message ${messageId} for this device`);
        await this.store.query(
          `INSERT INTO ${this.store.broadcastReceipt} ("broadcast_id", "device_id", "delivered_at", "read_at")
           VALUES ($1, $2, now(), CASE WHEN $3 THEN now() END)
           ON CONFLICT ("broadcast_id", "device_id") DO UPDATE SET
             "delivered_at" = COALESCE(${this.store.broadcastReceipt}."delivered_at", now()),
             "read_at" = CASE WHEN $3 THEN COALESCE(${this.store.broadcastReceipt}."read_at", now())
                              ELSE ${this.store.broadcastReceipt}."read_at" END`,
          [messageId, device.device_id, what === 'read'],
          manager,
        );
        return false;
      }
      const entries = await this.eventsFor({ device, messageId, what }, marked, Date.now());
      if (entries.length === 0) return false;
      await this.outbox.add(manager, entries);
      return true;
    });
    if (published) this.outbox.notify();
  }
}

export interface AckItem {
  device: DeviceRow;
  messageId: string;
  what: Acknowledgement;
}

/** The acknowledged message's facts, and whether it was acknowledged before. */
interface MarkedRow {
  sender_id: string;
  plan_id: string;
  attempt: number;
  was_delivered: boolean;
  was_read: boolean;
}
