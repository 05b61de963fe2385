import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { AppChannelConfig } from '../../config';
import { broadcastForDevice } from '../../broadcast/broadcast-visibility';
import { NotFoundError } from '../../errors';
import { deliveryEvent } from '../../events';
import { AppChannelStore, type DeviceRow, type MessageRow } from '../../store';
import { APP_CHANNEL_CODEC, APP_CHANNEL_CONFIG, APP_CHANNEL_OUTBOX } from '../../tokens';

export type Acknowledgement = 'delivered' | 'read';

/**
 * The device fetched the envelope (DELIVERED) or the citizen opened it (READ, which implies
 * DELIVERED). Each is published once per message, by the first device that says so.
 * For a broadcast, the device's receipt is recorded and no per-citizen event is published: the
 * broadcast service reports aggregates (ADR 1100).
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
      const message = await this.store.messageForDevice(messageId, device, manager);
      if (!message) {
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
      const [before] = await this.store.query<MessageRow>(
        `SELECT "delivered_at", "read_at" FROM ${this.store.inbox} WHERE "message_id" = $1 FOR UPDATE`,
        [messageId],
        manager,
      );
      const facts = {
        messageId,
        senderId: message.sender_id,
        planId: message.plan_id,
        attempt: message.attempt,
      };
      const entries: OutboxEntry[] = [];
      const now = Date.now();
      if (!before.delivered_at)
        entries.push(
          await deliveryEvent(this.codec, this.config.eventsTopic, facts, 'DELIVERED', {
            deviceId: device.device_id,
            occurredAt: now,
          }),
        );
      if (what === 'read' && !before.read_at)
        entries.push(
          await deliveryEvent(this.codec, this.config.eventsTopic, facts, 'READ', {
            deviceId: device.device_id,
            occurredAt: now,
          }),
        );
      if (entries.length === 0) return false;
      await this.store.query(
        `UPDATE ${this.store.inbox} SET "delivered_at" = COALESCE("delivered_at", now()),
           "read_at" = CASE WHEN $2 THEN COALESCE("read_at", now()) ELSE "read_at" END WHERE "message_id" = $1`,
        [messageId, what === 'read'],
        manager,
      );
      await this.outbox.add(manager, entries);
      return true;
    });
    if (published) this.outbox.notify();
  }
}
