import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryEvent } from '@smis/contracts';
import type { DataSource } from 'typeorm';
import type { SmsChannelConfig } from '../../config';
import { SmsChannelMetrics } from '../../metrics';
import { SMS_CONFIG, SMS_DATA_SOURCE } from '../../tokens';

/**
 * "SMS avoided": a message the app delivered did not need an SMS. Counted once per message
 * (several devices may each report DELIVERED), from every DELIVERED app event on smis.events.v1.
 */
@Injectable()
export class CountAvoidedSmsUseCase {
  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly metrics: SmsChannelMetrics,
  ) {}

  async execute(event: DeliveryEvent): Promise<'counted' | 'duplicate' | 'ignored'> {
    if (event.status !== 'DELIVERED' || event.channel !== 'APP') return 'ignored';
    const inserted = (await this.dataSource.query(
      `INSERT INTO "${this.config.schema}"."sms_avoided" ("message_id", "sender_id", "occurred_at")
       VALUES ($1, $2, to_timestamp($3::double precision / 1000))
       ON CONFLICT ("message_id") DO NOTHING RETURNING "message_id"`,
      [event.messageId, event.senderId, event.occurredAt],
    )) as unknown[];
    if (!inserted.length) return 'duplicate';
    this.metrics.smsAvoided.inc({ sender: event.senderId });
    return 'counted';
  }
}
