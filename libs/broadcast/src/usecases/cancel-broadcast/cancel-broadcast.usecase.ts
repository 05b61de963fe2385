import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import type { Outbox } from '@smis/persistence';
import type { BroadcastConfig } from '../../config';
import type { BroadcastRecordTypes } from '../../contracts/records';
import { BroadcastNotFoundError, BroadcastStateError } from '../../errors';
import { lifecycleEvent, progressRecord, REASONS } from '../../events';
import type { BroadcastPorts } from '../../ports';
import { progressOf } from '../../progress';
import { BroadcastStore, TERMINAL_STATES, type JobRow } from '../../store';
import {
  BROADCAST_CODEC,
  BROADCAST_CONFIG,
  BROADCAST_OUTBOX,
  BROADCAST_PORTS,
  BROADCAST_RECORD_CODEC,
} from '../../tokens';

/**
 * The sender cancels its broadcast: it disappears from every inbox, a running fan-out stops before
 * its next page, and FAILED(`broadcast.cancelled`) plus a final progress record are published.
 * Cancelling a cancelled broadcast changes nothing; a finished one cannot be cancelled.
 */
@Injectable()
export class CancelBroadcastUseCase {
  constructor(
    @Inject(BROADCAST_CONFIG) private readonly config: BroadcastConfig,
    @Inject(BROADCAST_PORTS) private readonly ports: BroadcastPorts,
    @Inject(BROADCAST_OUTBOX) private readonly outbox: Outbox,
    @Inject(BROADCAST_CODEC) private readonly codec: AvroCodec,
    @Inject(BROADCAST_RECORD_CODEC) private readonly records: AvroCodec<BroadcastRecordTypes>,
    private readonly store: BroadcastStore,
  ) {}

  async execute(senderId: string, broadcastId: string): Promise<void> {
    const changed = await this.store.dataSource.transaction(async (manager) => {
      const job = await this.store.find(broadcastId, manager, true);
      if (!job || job.sender_id !== senderId) throw new BroadcastNotFoundError(`No broadcast ${broadcastId}`);
      if (job.state === 'CANCELLED') return false;
      if (TERMINAL_STATES.includes(job.state))
        throw new BroadcastStateError(`Broadcast ${broadcastId} is ${job.state} and cannot be cancelled`);
      const [row] = await this.store.mutate<JobRow>(
        `UPDATE ${this.store.job} SET "state" = 'CANCELLED', "reason" = $2, "finished_at" = now(), "claimed_until" = NULL
          WHERE "broadcast_id" = $1 RETURNING *`,
        [broadcastId, REASONS.cancelled],
        manager,
      );
      await this.outbox.add(manager, [
        await lifecycleEvent(
          this.codec,
          this.config.eventsTopic,
          { broadcastId, senderId },
          'FAILED',
          REASONS.cancelled,
        ),
        await progressRecord(this.records, this.config.progressTopic, await progressOf(row, this.ports)),
      ]);
      return true;
    });
    await this.ports.delivery.cancel(broadcastId);
    if (changed) this.outbox.notify();
  }
}
