import { Injectable } from '@nestjs/common';
import { broadcastForDevice } from '../../broadcast/broadcast-visibility';
import { NotFoundError } from '../../errors';
import { AppChannelStore, type DeviceRow } from '../../store';

/**
 * The citizen deletes a message: the envelope is dropped at once; the row stays (without it) so a
 * redelivered job stays a duplicate. A broadcast (stored once for everyone) is hidden for this device.
 */
@Injectable()
export class DeleteMessageUseCase {
  constructor(private readonly store: AppChannelStore) {}

  async execute(device: DeviceRow, messageId: string): Promise<void> {
    const message = await this.store.messageForDevice(messageId, device);
    if (message) {
      await this.store.query(
        `UPDATE ${this.store.inbox} SET "deleted_at" = now(), "envelope" = NULL WHERE "message_id" = $1`,
        [messageId],
      );
      return;
    }
    if (!(await broadcastForDevice(this.store, messageId, device)))
      throw new NotFoundError(`No message ${messageId} for this device`);
    await this.store.query(
      `INSERT INTO ${this.store.broadcastReceipt} ("broadcast_id", "device_id", "deleted_at") VALUES ($1, $2, now())
       ON CONFLICT ("broadcast_id", "device_id") DO UPDATE SET "deleted_at" = now()`,
      [messageId, device.device_id],
    );
  }
}
