import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryEvent } from '@smis/contracts';
import type { DataSource } from 'typeorm';
import type { SmsChannelConfig } from '../../config';
import { SmsChannelMetrics } from '../../metrics';
import { SMS_CONFIG, SMS_DATA_SOURCE } from '../../tokens';

/** The only delivery events this use case looks at: the app delivered the message. */
export function avoidsSms(event: Pick<DeliveryEvent, 'status' | 'channel'>): boolean {
  return event.status === 'DELIVERED' && event.channel === 'APP';
}

/**
 * "SMS avoided": a message the app delivered did not need an SMS. Counted once per message
 * (several devices may each report DELIVERED), from every DELIVERED app event on smis.events.v1.
 * Every other event is ignored without touching the database.
 */
@Injectable()
export class CountAvoidedSmsUseCase {
  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly metrics: SmsChannelMetrics,
  ) {}

  async execute(event: DeliveryEvent): Promise<'counted' | 'duplicate' | 'ignored'> {
    if (!avoidsSms(event)) return 'ignored';
    return (await this.executeBatch([event])) > 0 ? 'counted' : 'duplicate';
  }

  /** Counts the messages of a batch of events in one statement; returns how many were new. */
  async executeBatch(events: readonly DeliveryEvent[]): Promise<number> {
    const first = new Map<string, DeliveryEvent>();
    for (const event of events)
      if (avoidsSms(event) && !first.has(event.messageId)) first.set(event.messageId, event);
    if (first.size === 0) return 0;
    const rows = [...first.values()];
    const inserted = (await this.dataSource.query(
      `INSERT INTO "${this.config.schema}"."sms_avoided" ("message_id", "sender_id", "occurred_at")
       SELECT m, s, to_timestamp(o::double precision / 1000) FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS u(m, s, o)
       ON CONFLICT ("message_id") DO NOTHING RETURNING "sender_id"`,
      [rows.map((e) => e.messageId), rows.map((e) => e.senderId), rows.map((e) => String(e.occurredAt))],
    )) as Array<{ sender_id: string }>;
    for (const { sender_id } of inserted) this.metrics.smsAvoided.inc({ sender: sender_id });
    return inserted.length;
  }
}
