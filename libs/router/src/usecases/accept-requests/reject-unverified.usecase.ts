import type { DeliveryEvent } from '@smis/contracts';
import { RouterMetrics } from '../../metrics';
import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import type { Outbox } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import type { RouterConfig } from '../../config';
import { addEvent, type RouterTx } from '../../plan/transaction';
import type { RouterPorts } from '../../ports';
import { ROUTER_CODEC, ROUTER_CONFIG, ROUTER_DATA_SOURCE, ROUTER_OUTBOX, ROUTER_PORTS } from '../../tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UnverifiedRejection {
  /** From the request, or the record key when the record could not be decoded. */
  messageId: string | null;
  /** The sender the request claims (`unknown` when it could not be read). */
  senderId: string;
  reason: string;
}

/**
 * REJECTED for a request whose sender is not proven (undecodable, unknown sender or key, bad
 * signature, malformed envelope). Nothing is stored about it, so a forged request cannot block
 * the genuine message with the same id; only the event, through the outbox.
 */
@Injectable()
export class RejectUnverifiedUseCase {
  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(ROUTER_PORTS) private readonly ports: RouterPorts,
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_OUTBOX) private readonly outbox: Outbox,
    @Inject(ROUTER_CODEC) private readonly codec: AvroCodec,
    private readonly metrics: RouterMetrics,
  ) {}

  /** Returns false when there is no message id to report on (the record only goes to the DLQ). */
  async execute(rejection: UnverifiedRejection): Promise<boolean> {
    const messageId = rejection.messageId;
    if (!messageId || !UUID.test(messageId)) return false;
    const now = (this.ports.clock ?? Date.now)();
    const events: DeliveryEvent[] = [];
    await this.dataSource.transaction(async (manager) => {
      // Only an event: no plan moves, so no timer is buffered (nothing to flush).
      const tx: RouterTx = {
        manager,
        now,
        entries: [],
        events,
        timers: [],
        timerWrites: [],
        timerDeletes: [],
      };
      await addEvent(
        tx,
        this.codec,
        this.config.topics.events,
        { messageId, senderId: rejection.senderId },
        'REJECTED',
        {
          reason: rejection.reason,
        },
      );
      await this.outbox.add(manager, tx.entries);
    });
    this.outbox.notify();
    this.metrics.observe(events);
    return true;
  }
}
