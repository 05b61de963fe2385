import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type WebhookDeliveryState = 'pending' | 'delivered' | 'dead';

/**
 * The durable webhook queue: one row per (subscription, event). Pollers claim due rows with
 * `FOR UPDATE SKIP LOCKED` and lease them by moving `next_attempt_at` forward.
 */
@Entity({ name: 'webhook_delivery' })
export class WebhookDeliveryRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid', name: 'subscription_id' })
  subscriptionId!: string;

  @Column({ type: 'text', name: 'sender_id' })
  senderId!: string;

  /** Also the Idempotency-Key the receiver sees. */
  @Column({ type: 'uuid', name: 'event_id' })
  eventId!: string;

  @Column({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  /** The JSON body, fixed at enqueue time so every attempt sends the same bytes. */
  @Column({ type: 'text' })
  body!: string;

  /** The MessageStatus record (Avro), for the dead-letter topic. */
  @Column({ type: 'bytea' })
  record!: Buffer;

  @Column({ type: 'text' })
  state!: WebhookDeliveryState;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'timestamptz', name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  /** End of the retry window. */
  @Column({ type: 'timestamptz', name: 'deadline_at' })
  deadlineAt!: Date;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'last_attempt_at', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ type: 'integer', name: 'last_status_code', nullable: true })
  lastStatusCode!: number | null;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
