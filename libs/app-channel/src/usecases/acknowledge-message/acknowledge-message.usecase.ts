import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import type { Outbox, OutboxEntry } from '@smis/persistence';
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
 * broadcast service reports aggregates (ADR 1100). A message acknowledgement is one transaction
 * of two statements (mark, outbox); the outbox relay publishes the events in batches.
 */
@Injectable()
export class AcknowledgeMessageUseCase {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(APP_CHANNEL_OUTBOX) private readonly outbox: Outbox,
    @Inject(APP_CHANNEL_CODEC) private readonly codec: AvroCodec,
    private readonly store: AppChannelStore,
  ) {}

  async execute(device: DeviceRow, messageId: string, what: Acknowledgement): Promise<void> {
    const published = await this.store.dataSource.transaction(async (manager) => {
      // One statement finds the message the device may see, locks it, marks it, and says what
      // it was before (a concurrent acknowledgement waits for the lock and then sees it marked).
      const [marked] = await this.store.mutate<MarkedRow>(
        `UPDATE ${this.store.inbox} m SET
           "delivered_at" = COALESCE(m."delivered_at", now()),
           "read_at" = CASE WHEN $4 THEN COALESCE(m."read_at", now()) ELSE m."read_at" END
          FROM (SELECT "message_id", "delivered_at", "read_at" FROM ${this.store.inbox}
                 WHERE "message_id" = $1 AND "deleted_at" IS NULL AND "expires_at" > now()
                   AND $2 = ANY("key_ids")
                   AND "pseudonym" IN (SELECT "pseudonym" FROM ${this.store.devicePseudonym} WHERE "device_id" = $3)
                 FOR UPDATE) before
         WHERE m."message_id" = before."message_id"
         RETURNING m."sender_id", m."plan_id", m."attempt",
           before."delivered_at" IS NOT NULL AS "was_delivered", before."read_at" IS NOT NULL AS "was_read"`,
        [messageId, device.key_id, device.device_id, what === 'read'],
        manager,
      );
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
      const facts = {
        messageId,
        senderId: marked.sender_id,
        planId: marked.plan_id,
        attempt: marked.attempt,
      };
      const entries: OutboxEntry[] = [];
      const now = Date.now();
      if (!marked.was_delivered)
        entries.push(
          await deliveryEvent(this.codec, this.config.eventsTopic, facts, 'DELIVERED', {
            deviceId: device.device_id,
            occurredAt: now,
          }),
        );
      if (what === 'read' && !marked.was_read)
        entries.push(
          await deliveryEvent(this.codec, this.config.eventsTopic, facts, 'READ', {
            deviceId: device.device_id,
            occurredAt: now,
          }),
        );
      if (entries.length === 0) return false;
      await this.outbox.add(manager, entries);
      return true;
    });
    if (published) this.outbox.notify();
  }
}

/** The acknowledged message's facts, and whether it was acknowledged before. */
interface MarkedRow {
  sender_id: string;
  plan_id: string;
  attempt: number;
  was_delivered: boolean;
  was_read: boolean;
}
