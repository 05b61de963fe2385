import { Injectable } from '@nestjs/common';
import { BroadcastTopics } from '../../broadcast/broadcast-topics';
import { NotFoundError } from '../../errors';
import { AppChannelStore, type DeviceRow } from '../../store';

/** Revokes one of the citizen's devices (itself included): no more pushes, its keys leave the key directory. */
@Injectable()
export class RevokeDeviceUseCase {
  constructor(
    private readonly store: AppChannelStore,
    private readonly topics: BroadcastTopics,
  ) {}

  async execute(device: DeviceRow, targetId: string): Promise<void> {
    const mine = await this.store.pseudonymsOf(device.device_id);
    const revoked = await this.store.mutate<{ device_id: string }>(
      `UPDATE ${this.store.device} SET "active" = false, "push_token" = NULL, "push_provider" = NULL,
         "revoked_at" = now(), "updated_at" = now()
        WHERE "device_id" = $1 AND "active"
          AND "device_id" IN (SELECT "device_id" FROM ${this.store.devicePseudonym} WHERE "pseudonym" = ANY($2::text[]))
        RETURNING "device_id"`,
      [targetId, mine],
    );
    if (revoked.length === 0) throw new NotFoundError(`No active device ${targetId} of this citizen`);
    await this.topics.syncDevice(targetId);
  }
}
