import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One channel's aggregated status for a message (APP, SMS, EMAIL). */
@Entity({ name: 'channel_status' })
export class ChannelStatusRecord {
  @PrimaryColumn({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  @PrimaryColumn({ type: 'text' })
  channel!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'uuid', name: 'event_id' })
  eventId!: string;

  @Column({ type: 'timestamptz', name: 'occurred_at' })
  occurredAt!: Date;
}
