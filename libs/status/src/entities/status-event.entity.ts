import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Every distinct delivery event of a message (the full history), keyed by eventId so a
 * redelivered event is recognised. Never a device id, content or citizen identity.
 */
@Entity({ name: 'status_event' })
export class StatusEventRecord {
  @PrimaryColumn({ type: 'uuid', name: 'event_id' })
  eventId!: string;

  @Column({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  @Column({ type: 'text', name: 'sender_id' })
  senderId!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text', nullable: true })
  channel!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text', name: 'from_channel', nullable: true })
  fromChannel!: string | null;

  @Column({ type: 'text', name: 'to_channel', nullable: true })
  toChannel!: string | null;

  @Column({ type: 'uuid', name: 'plan_id', nullable: true })
  planId!: string | null;

  @Column({ type: 'integer', nullable: true })
  attempt!: number | null;

  /** The service that reported it (router, app-channel, ...). */
  @Column({ type: 'text' })
  producer!: string;

  @Column({ type: 'timestamptz', name: 'occurred_at' })
  occurredAt!: Date;

  @Column({ type: 'timestamptz', name: 'received_at' })
  receivedAt!: Date;
}
